#pragma once

// What a plan's kind (workload.kind, alongside.*.kind) names: a load
// workload ("oltp_read_write") or a scenario ("scenario/isolation"). The one
// place that knows how the two are told apart; the agent (its catalogue) and
// the coordinator (plan validate, plan init) both ask here.

#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace rig::plan {

inline constexpr absl::string_view kScenarioPrefix = "scenario/";

// The scenario's name in the agent's scenario registry ("isolation" for
// "scenario/isolation"); nullopt when `kind` names a load workload.
inline std::optional<std::string> ScenarioName(absl::string_view kind) {
  if (!absl::StartsWith(kind, kScenarioPrefix)) return std::nullopt;
  return std::string(kind.substr(kScenarioPrefix.size()));
}

inline bool IsScenario(absl::string_view kind) {
  return ScenarioName(kind).has_value();
}

// The kind a plan uses for scenario `name`: "scenario/<name>".
inline std::string ScenarioKind(absl::string_view name) {
  return absl::StrCat(kScenarioPrefix, name);
}

}  // namespace rig::plan
