#include "common/base/duration.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace rig {
namespace {

absl::Status InvalidDuration(std::string_view text, std::string_view reason) {
  // CHexEscape keeps control bytes and quotes in bad input readable.
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid duration \"",
      absl::CHexEscape(absl::string_view(text.data(), text.size())),
      "\": ", absl::string_view(reason.data(), reason.size()),
      "use a number with a unit, e.g. 250ms, 30s, 1m30s "
      "(units: ns, us, ms, s, m, h)"));
}

}  // namespace

absl::StatusOr<absl::Duration> ParseDuration(std::string_view text) {
  // absl::string_view is not std::string_view in Debian's abseil build.
  const absl::string_view trimmed =
      absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size()));
  if (trimmed.empty()) return InvalidDuration(text, "empty; ");
  if (trimmed[0] == '-') return InvalidDuration(text, "must not be negative; ");
  absl::Duration d;
  if (!absl::ParseDuration(trimmed, &d)) return InvalidDuration(text, "");
  // absl accepts "inf" and saturates overflowing values to infinity; a run
  // length or timeout of "forever" is never what the user meant.
  if (d == absl::InfiniteDuration()) {
    return InvalidDuration(text, "must be finite; ");
  }
  return d;
}

std::string FormatDuration(absl::Duration d) {
  // absl prints zero as a bare "0"; "0s" reads better next to "250ms".
  if (d == absl::ZeroDuration()) return "0s";
  return absl::FormatDuration(d);
}

}  // namespace rig
