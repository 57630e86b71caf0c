#pragma once

// Scenarios: correctness checks made of states of their own (e.g.
// CreatingTable -> TestingIsolation -> VerifyingResults) that record named
// checks. A plan selects one as `workload.kind: scenario/<name>` (plan/
// kinds.h); it then runs between Connecting and Reporting instead of
// Preparing .. Verifying. `alongside` repeats scenarios in rounds next to a
// load workload (alongside.h). Both turn the steps into states with
// AddScenarioSteps().
//
// Adding one: a file in this folder that defines a Register*Scenario
// function, and its line in ScenarioRegistry::AddBuiltIns() (scenarios.cc).
// Below the interface, what the scenario files share (checks, the server
// code of an error, per-agent table names, time formatting).

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "agent/engine/registry.h"
#include "agent/engine/run_context.h"
#include "agent/engine/state_machine.h"
#include "common/base/error_context.h"

namespace rig::agent {

struct ScenarioStep {
  std::string state;  // a state name of its own, e.g. "TestingIsolation"
  // Does the step; adds checks with AddCheck(). An error fails the run (or
  // the round); a check that does not hold is a failed check, not an error.
  std::function<absl::Status(RunContext& ctx)> run;
  absl::Duration time_limit = absl::Minutes(10);
};

// Built once per run (or per round alongside the load) from the plan's
// options; the steps it returns may share state with each other.
class Scenario {
 public:
  virtual ~Scenario() = default;
  // The states to run, in order; at least one.
  virtual std::vector<ScenarioStep> Steps() const = 0;
};

using ScenarioRegistry = Registry<Scenario>;
using ScenarioDef = ScenarioRegistry::Def;
// Every built-in scenario, by name without "scenario/" (scenarios.cc).
template <>
void ScenarioRegistry::AddBuiltIns(ScenarioRegistry& registry);

// Registers `steps` in `states` as states of their own, each going on to the
// next and the last to `to`; `from`, unless empty, then goes to the first.
// The run's states (Initializing) and each round alongside the load are
// built this way.
absl::Status AddScenarioSteps(StateRegistry& states,
                              const std::vector<ScenarioStep>& steps,
                              const std::string& from, const std::string& to);

// Records a check in the run's result (expected / seen in words).
void AddCheck(RunContext& ctx, const std::string& name, bool passed,
              const std::string& expected, const std::string& seen);
void AddSkippedCheck(RunContext& ctx, const std::string& name,
                     const std::string& reason);

// The server's error code carried by `status` (0 when none).
inline int ServerCode(const absl::Status& status) {
  auto e = GetServerError(status);
  return e.has_value() ? e->code : 0;
}

// "<message> (server code N)" for a check's "seen".
inline std::string Describe(const absl::Status& status) {
  if (status.ok()) return "ok";
  const int code = ServerCode(status);
  return code == 0
             ? std::string(status.message())
             : absl::StrCat(status.message(), " (server code ", code, ")");
}

// A table of this agent's own, so the scenario can run on every agent at
// once: "<prefix>_<agent index>".
inline std::string AgentTable(const RunContext& ctx,
                              const std::string& prefix) {
  return absl::StrCat(prefix, "_", ctx.assignment.agent_index());
}

inline std::string Millis(std::chrono::steady_clock::duration d) {
  return absl::StrFormat(
      "%.2fms",
      std::chrono::duration_cast<std::chrono::microseconds>(d).count() / 1e3);
}

}  // namespace rig::agent
