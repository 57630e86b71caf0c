// Adding a state to the agent's state machine without touching the engine.
//
// This program runs a plan on one in-process agent, with one extra state,
// "Summary", between Running and Verifying: it prints what the run measured.
// The pattern for your own states: write a StateHandler, Register it with the
// states it may go to, and point an existing state's transitions at it.
//
//   custom_state PLAN.yaml     (password from RIG_DB_PASSWORD)

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "agent/db/mariadb_driver.h"
#include "agent/engine/catalogue.h"
#include "agent/engine/state_machine.h"
#include "common/stats/histogram.h"
#include "plan/plan.h"

namespace {

// The extra state: reads the run's totals and goes on to Verifying.
class SummaryHandler : public rig::agent::StateHandler {
 public:
  absl::StatusOr<std::string> Execute(rig::agent::RunContext& ctx) override {
    const auto& c = ctx.result.counters();
    auto latency = rig::Histogram::Decode(ctx.result.latency());
    if (!latency.ok()) return latency.status();
    std::printf(
        "summary: %lld ops, %lld errors, %lld retries in %.1fs; p50 %lldus, "
        "p99 %lldus\n",
        static_cast<long long>(c.ops()), static_cast<long long>(c.errors()),
        static_cast<long long>(c.retries()), ctx.result.measured_us() / 1e6,
        static_cast<long long>(latency->ValueAtPercentile(50)),
        static_cast<long long>(latency->ValueAtPercentile(99)));
    return std::string(rig::agent::kVerifying);
  }
};

// Prints state changes as they happen.
class PrintEvents : public rig::agent::RunEvents {
 public:
  void Send(const rig::v1::AgentMessage& m) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (m.has_state_changed() &&
        m.state_changed().awaiting() == rig::v1::STATE_UNSPECIFIED) {
      std::printf("state: %s\n", m.state_changed().to_name().c_str());
    }
  }

 private:
  std::mutex mu_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: custom_state PLAN.yaml\n");
    return 2;
  }
  auto plan = rig::plan::LoadPlanFile(argv[1]);
  if (!plan.ok()) {
    std::fprintf(stderr, "custom_state: %s\n",
                 std::string(plan.status().message()).c_str());
    return 2;
  }
  if (const char* pw = std::getenv(plan->target().password_env().c_str())) {
    plan->mutable_target()->set_password(pw);
  }

  // The standard states, plus Summary after Running.
  rig::agent::StateRegistry states = rig::agent::StateRegistry::Standard();
  states.Register("Summary", std::make_shared<SummaryHandler>(),
                  {rig::agent::kVerifying});
  if (auto s = states.SetTransitions(rig::agent::kRunning, {"Summary"});
      !s.ok()) {
    std::fprintf(stderr, "custom_state: %s\n",
                 std::string(s.message()).c_str());
    return 1;
  }

  rig::v1::Assignment assignment;
  assignment.set_agent_name("custom-state-example");
  assignment.set_agent_count(1);
  assignment.set_connections(plan->load().connections());
  assignment.set_rate(plan->load().rate());
  assignment.mutable_prepare_range()->set_begin(1);
  assignment.mutable_prepare_range()->set_end(plan->workload().table_size() +
                                              1);
  assignment.set_run_verify(true);
  *assignment.mutable_plan() = *plan;

  auto driver = rig::db::NewMariaDbDriver();
  PrintEvents events;
  rig::agent::RunContext ctx("example", assignment, driver.get(),
                             &rig::agent::Catalogue::Default(), &events);
  const std::string final_state = rig::agent::StateMachine(states).Run(ctx);
  if (final_state != rig::agent::kCompleted) {
    std::fprintf(stderr, "custom_state: run ended in %s: %s\n",
                 final_state.c_str(), ctx.result.error().message().c_str());
    return 1;
  }
  return 0;
}
