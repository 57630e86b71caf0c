#include "agent/engine/catalogue.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/base/status_macros.h"
#include "plan/kinds.h"

namespace rig::agent {
namespace {

template <typename Def>
rig::v1::WorkloadInfo Info(const std::string& kind, const Def& def) {
  rig::v1::WorkloadInfo w;
  w.set_name(kind);
  w.set_description(def.description);
  for (const auto& o : def.options) *w.add_options() = o;
  return w;
}

}  // namespace

Catalogue::Catalogue(const WorkloadRegistry& workloads,
                     const ScenarioRegistry& scenarios)
    : workloads_(workloads), scenarios_(scenarios) {}

const Catalogue& Catalogue::Default() {
  static const Catalogue* catalogue =
      new Catalogue(WorkloadRegistry::Default(), ScenarioRegistry::Default());
  return *catalogue;
}

absl::StatusOr<Catalogue::Built> Catalogue::Make(
    const rig::v1::Workload& config) const {
  Built built;
  if (const auto name = plan::ScenarioName(config.kind())) {
    if (const ScenarioDef* def = scenarios_.Find(*name)) {
      ASSIGN_OR_RETURN(built.scenario, ScenarioRegistry::Make(*def, config));
      return built;
    }
  } else if (const WorkloadDef* def = workloads_.Find(config.kind())) {
    ASSIGN_OR_RETURN(built.workload, WorkloadRegistry::Make(*def, config));
    return built;
  }
  std::vector<std::string> names;
  for (const auto& w : List()) names.push_back(w.name());
  return absl::InvalidArgumentError(
      absl::StrCat("unknown workload \"", config.kind(),
                   "\"; this agent offers: ", absl::StrJoin(names, ", ")));
}

absl::Status Catalogue::Check(const rig::v1::Workload& config,
                              bool whole) const {
  if (whole) return Make(config).status();
  for (const auto& w : List()) {
    if (w.name() != config.kind()) continue;
    const std::vector<rig::v1::OptionSpec> specs(w.options().begin(),
                                                 w.options().end());
    return Options::Create(config.kind(), specs, config.options()).status();
  }
  return absl::OkStatus();
}

std::vector<rig::v1::WorkloadInfo> Catalogue::List() const {
  std::vector<rig::v1::WorkloadInfo> out;
  for (const WorkloadDef* def : workloads_.List()) {
    out.push_back(Info(def->name, *def));
  }
  for (const ScenarioDef* def : scenarios_.List()) {
    out.push_back(Info(plan::ScenarioKind(def->name), *def));
  }
  return out;
}

}  // namespace rig::agent
