#pragma once

// Human-friendly durations for flags and config ("250ms", "1m30s", "2.5s").

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace rig {

// Parses a non-negative, finite duration written as decimal numbers with
// units, e.g. "250ms", "1m30s", "1h", "2.5s", "500us". Units: ns, us, ms, s,
// m, h (absl::ParseDuration syntax, which also allows several parts and a
// leading '+'). A bare "0" is accepted; any other number needs a unit.
// Leading/trailing ASCII whitespace is ignored.
//
// Returns InvalidArgument, quoting the text, for empty input, negative
// durations (any leading '-', even "-0s"), "inf" or values too large to be
// finite, missing units and other syntax errors.
absl::StatusOr<absl::Duration> ParseDuration(std::string_view text);

// Short human form: "250ms", "1m30s", "1.5s", "2h", "0s"; "inf" for
// absl::InfiniteDuration(). For finite non-negative d,
// ParseDuration(FormatDuration(d)) == d (the form is exact, not rounded).
//
// Call it qualified (rig::FormatDuration): an unqualified call with an
// absl::Duration argument also finds absl::FormatDuration via ADL and is
// ambiguous.
std::string FormatDuration(absl::Duration d);

}  // namespace rig
