// The built-in correctness scenarios (workload.kind: scenario/<name>).
// Adding one: a file in this folder defining a Register*Scenario function,
// and its line in AddBuiltIns() (with its declaration above it).

#include "agent/scenarios/scenario.h"

namespace rig::agent {

void RegisterConnectivityScenario(ScenarioRegistry& registry);
void RegisterIsolationScenario(ScenarioRegistry& registry);
void RegisterIsolationLevelsScenario(ScenarioRegistry& registry);
void RegisterDeadlockScenario(ScenarioRegistry& registry);
void RegisterSavepointsScenario(ScenarioRegistry& registry);
void RegisterMultiConnectionScenario(ScenarioRegistry& registry);
void RegisterImportJobsScenario(ScenarioRegistry& registry);

template <>
void ScenarioRegistry::AddBuiltIns(ScenarioRegistry& registry) {
  RegisterConnectivityScenario(registry);
  RegisterIsolationScenario(registry);
  RegisterIsolationLevelsScenario(registry);
  RegisterDeadlockScenario(registry);
  RegisterSavepointsScenario(registry);
  RegisterMultiConnectionScenario(registry);
  RegisterImportJobsScenario(registry);
}

}  // namespace rig::agent
