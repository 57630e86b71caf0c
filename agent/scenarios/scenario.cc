#include "agent/scenarios/scenario.h"

#include <utility>

#include "agent/workloads/workload.h"
#include "common/base/status_macros.h"

namespace rig::agent {
namespace {

// Runs one step of a scenario as a state of its own.
class ScenarioStepHandler : public StateHandler {
 public:
  explicit ScenarioStepHandler(ScenarioStep step) : step_(std::move(step)) {}
  absl::StatusOr<std::string> Execute(RunContext& ctx) override {
    auto scope = ctx.driver->AttachThread();
    RETURN_IF_ERROR(step_.run(ctx));
    return std::string(kNext);
  }
  absl::Duration TimeLimit(const RunContext&) const override {
    return step_.time_limit;
  }

 private:
  const ScenarioStep step_;
};

}  // namespace

absl::Status AddScenarioSteps(StateRegistry& states,
                              const std::vector<ScenarioStep>& steps,
                              const std::string& from, const std::string& to) {
  if (steps.empty()) {
    return absl::FailedPreconditionError("the scenario has no steps");
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    const std::string next = i + 1 < steps.size() ? steps[i + 1].state : to;
    states.Register(steps[i].state,
                    std::make_shared<ScenarioStepHandler>(steps[i]), {next});
  }
  if (from.empty()) return absl::OkStatus();
  return states.SetTransitions(from, {steps.front().state});
}

void AddCheck(RunContext& ctx, const std::string& name, bool passed,
              const std::string& expected, const std::string& seen) {
  AddCheck(*ctx.result.mutable_verification(), name, passed, expected, seen);
}

void AddSkippedCheck(RunContext& ctx, const std::string& name,
                     const std::string& reason) {
  auto* c = ctx.result.mutable_verification()->add_checks();
  c->set_name(name);
  c->set_status(rig::v1::CHECK_STATUS_SKIPPED);
  c->set_message(absl::StrCat(name, ": skipped: ", reason));
}

}  // namespace rig::agent
