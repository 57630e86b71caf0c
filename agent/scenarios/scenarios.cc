// The registry of correctness scenarios (workload.kind: scenario/<name>).
// Each scenario file defines a Register*Scenario function called here.

#include "agent/workload.h"

namespace rig::agent {

void RegisterConnectivityScenario(WorkloadRegistry& registry);

void RegisterScenarios(WorkloadRegistry& registry) {
  RegisterConnectivityScenario(registry);
}

}  // namespace rig::agent
