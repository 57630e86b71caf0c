#include "agent/workloads/workload.h"

#include "absl/strings/str_cat.h"

namespace rig::agent {

// The built-in workloads: adding one is a file in this folder and a line
// here.
template <>
void WorkloadRegistry::AddBuiltIns(WorkloadRegistry& registry) {
  RegisterOltpWorkloads(registry);
  RegisterBankWorkload(registry);
  RegisterSqlWorkload(registry);
  RegisterTpccWorkload(registry);
  RegisterYcsbWorkload(registry);
}

void AddCheck(rig::v1::VerificationResult& result, const std::string& name,
              bool passed, const std::string& expected,
              const std::string& seen) {
  auto* c = result.add_checks();
  c->set_name(name);
  c->set_status(passed ? rig::v1::CHECK_STATUS_PASSED
                       : rig::v1::CHECK_STATUS_FAILED);
  c->set_expected(expected);
  c->set_seen(seen);
  c->set_message(absl::StrCat(name, ": expected ", expected, ", saw ", seen,
                              passed ? "" : " - FAILED"));
}

absl::Status RollbackAfter(db::Connection& connection, absl::Status status) {
  if (!status.ok()) (void)connection.Execute("ROLLBACK");
  return status;
}

}  // namespace rig::agent
