#include "agent/workloads/workload.h"

namespace rig::agent {

// The built-in workloads: adding one is a file in this folder and a line
// here.
template <>
void WorkloadRegistry::AddBuiltIns(WorkloadRegistry& registry) {
  RegisterOltpWorkloads(registry);
  RegisterBankWorkload(registry);
  RegisterSqlWorkload(registry);
}

absl::Status RollbackAfter(db::Connection& connection, absl::Status status) {
  if (!status.ok()) (void)connection.Execute("ROLLBACK");
  return status;
}

}  // namespace rig::agent
