#include "agent/workload.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace rig::agent {

WorkloadRegistry& WorkloadRegistry::Default() {
  static WorkloadRegistry* registry = [] {
    auto* r = new WorkloadRegistry();
    RegisterOltpWorkloads(*r);
    return r;
  }();
  return *registry;
}

void WorkloadRegistry::Register(WorkloadDef def) {
  defs_.push_back(std::move(def));
}

const WorkloadDef* WorkloadRegistry::Find(const std::string& name) const {
  for (const auto& def : defs_) {
    if (def.name == name) return &def;
  }
  return nullptr;
}

std::vector<const WorkloadDef*> WorkloadRegistry::List() const {
  std::vector<const WorkloadDef*> out;
  for (const auto& def : defs_) out.push_back(&def);
  return out;
}

absl::StatusOr<std::unique_ptr<Workload>> WorkloadRegistry::Make(
    const rig::v1::Workload& config) const {
  const WorkloadDef* def = Find(config.kind());
  if (def == nullptr) {
    std::vector<std::string> names;
    for (const auto& d : defs_) names.push_back(d.name);
    return absl::InvalidArgumentError(
        absl::StrCat("unknown workload \"", config.kind(),
                     "\"; this agent offers: ", absl::StrJoin(names, ", ")));
  }
  for (const auto& [key, value] : config.options().fields()) {
    auto it = std::find_if(
        def->options.begin(), def->options.end(),
        [&key = key](const rig::v1::OptionSpec& o) { return o.name() == key; });
    if (it == def->options.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("workload ", def->name, " has no option \"", key, "\""));
    }
  }
  return def->make(config);
}

}  // namespace rig::agent
