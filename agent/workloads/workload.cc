#include "agent/workloads/workload.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/engine/run_context.h"

namespace rig::agent {

WorkloadRegistry& WorkloadRegistry::Default() {
  static WorkloadRegistry* registry = [] {
    auto* r = new WorkloadRegistry();
    RegisterOltpWorkloads(*r);
    RegisterBankWorkload(*r);
    RegisterSqlWorkload(*r);
    RegisterScenarios(*r);
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
  auto options = Options::Create(def->name, def->options, config.options());
  if (!options.ok()) return options.status();
  return def->make(config, *options);
}

void AddCheck(RunContext& ctx, const std::string& name, bool passed,
              const std::string& expected, const std::string& seen) {
  auto* c = ctx.result.mutable_verification()->add_checks();
  c->set_name(name);
  c->set_status(passed ? rig::v1::CHECK_STATUS_PASSED
                       : rig::v1::CHECK_STATUS_FAILED);
  c->set_expected(expected);
  c->set_seen(seen);
  c->set_message(absl::StrCat(name, ": expected ", expected, ", saw ", seen,
                              passed ? "" : " - FAILED"));
}

void AddSkippedCheck(RunContext& ctx, const std::string& name,
                     const std::string& reason) {
  auto* c = ctx.result.mutable_verification()->add_checks();
  c->set_name(name);
  c->set_status(rig::v1::CHECK_STATUS_SKIPPED);
  c->set_message(absl::StrCat(name, ": skipped: ", reason));
}

absl::Status RollbackAfter(db::Connection& connection, absl::Status status) {
  if (!status.ok()) (void)connection.Execute("ROLLBACK");
  return status;
}

}  // namespace rig::agent
