// The registry of correctness scenarios (workload.kind: scenario/<name>).
// Each scenario file defines a Register*Scenario function called here.

#include "agent/workloads/workload.h"

namespace rig::agent {

void RegisterConnectivityScenario(WorkloadRegistry& registry);
void RegisterIsolationScenario(WorkloadRegistry& registry);
void RegisterIsolationLevelsScenario(WorkloadRegistry& registry);
void RegisterDeadlockScenario(WorkloadRegistry& registry);
void RegisterSavepointsScenario(WorkloadRegistry& registry);
void RegisterMultiConnectionScenario(WorkloadRegistry& registry);
void RegisterImportJobsScenario(WorkloadRegistry& registry);

void RegisterScenarios(WorkloadRegistry& registry) {
  RegisterConnectivityScenario(registry);
  RegisterIsolationScenario(registry);
  RegisterIsolationLevelsScenario(registry);
  RegisterDeadlockScenario(registry);
  RegisterSavepointsScenario(registry);
  RegisterMultiConnectionScenario(registry);
  RegisterImportJobsScenario(registry);
}

}  // namespace rig::agent
