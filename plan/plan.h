#pragma once

// Loading a plan: YAML (yaml-cpp) -> the proto's JSON form -> rig.v1.Plan.
//
// The YAML tree is walked against the Plan message's descriptor, so an
// unknown key, a value of the wrong type, a bad duration or an out-of-range
// number is an error naming the key path and its line:
//   plan.yaml:7: unknown key "load.conections" (valid: connections, rate, ...)
// Overrides (`--set load.duration=30s`) are applied to the YAML tree first;
// an error in one names the override.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rig/v1/plan.pb.h"

namespace rig::plan {

// `overrides` are "key.path=value" (the value is read as YAML).
absl::StatusOr<rig::v1::Plan> LoadPlanFile(
    const std::string& path, const std::vector<std::string>& overrides = {});
// `source` names the text in errors (a file name).
absl::StatusOr<rig::v1::Plan> ParsePlan(
    absl::string_view yaml, absl::string_view source,
    const std::vector<std::string>& overrides = {});

// The plan as written, no default applied and workload.kind not required
// (the defaults table is read through this).
absl::StatusOr<rig::v1::Plan> ParsePlanWithoutDefaults(
    absl::string_view yaml, absl::string_view source,
    const std::vector<std::string>& overrides = {});

// The 1-based line of a dotted key path ("workload.options.range_size") in
// YAML text; a number steps into a list ("alongside.0.kind"). 0 when the
// text does not have it.
int KeyLine(absl::string_view yaml, const std::string& dotted_path);

// Fills unset fields with the defaults of plan/schema.h (zero counts as
// unset, except where a field has presence: resilience.retry.jitter). Every
// entry of a list gets its entries' defaults (alongside.*.every).
void ApplyPlanDefaults(rig::v1::Plan& plan);

}  // namespace rig::plan
