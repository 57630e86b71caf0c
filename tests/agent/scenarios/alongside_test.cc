// Scenarios alongside the load (agent/scenarios/alongside.h), on the fake
// driver: rounds repeat during Running at their interval, never overlap, carry
// their checks and errors, a round still going when the load stops is cut after
// the grace, and a cancelled run reports no half round. The scenarios here
// are test doubles that touch no database; the real scenarios alongside a
// real load on MariaDB are in tests/integration/scenarios_run_test.cc.

#include "agent/scenarios/alongside.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "agent/engine/catalogue.h"
#include "agent/engine/state_machine.h"
#include "agent/scenarios/scenario.h"
#include "common/base/error_context.h"
#include "common/base/proto_duration.h"
#include "tests/agent/db/fake_driver.h"

namespace rig::agent {
namespace {

class RoundEvents : public RunEvents {
 public:
  void Send(const rig::v1::AgentMessage& m) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (m.has_scenario_round()) rounds_.push_back(m.scenario_round());
    if (m.has_state_changed()) {
      states_.push_back(m.state_changed().to_name());
      if (m.state_changed().to_name() == kRunning) {
        running_at_ = m.state_changed().offset_us();
      }
    }
  }
  std::vector<rig::v1::ScenarioRound> Rounds() {
    std::lock_guard<std::mutex> lock(mu_);
    return rounds_;
  }
  std::vector<std::string> States() {
    std::lock_guard<std::mutex> lock(mu_);
    return states_;
  }
  int64_t running_at() {
    std::lock_guard<std::mutex> lock(mu_);
    return running_at_;
  }

 private:
  std::mutex mu_;
  std::vector<rig::v1::ScenarioRound> rounds_;
  std::vector<std::string> states_;
  int64_t running_at_ = -1;
};

// Rounds of scenario/slow that have begun their step.
std::atomic<int> slow_started{0};

// Waits (bounded) until a scenario/slow round is inside its step.
bool WaitForSlowStart() {
  for (int i = 0; i < 500 && slow_started.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return slow_started.load() > 0;
}

// scenario/tick: one check, passing unless options.fail.
// scenario/slow: waits (until cancelled) for options.wait_ms, then checks.
// scenario/broken: fails with a lock wait timeout (server code 1205).
class TestScenario : public Scenario {
 public:
  TestScenario(std::string name, bool fail, int64_t wait_ms)
      : name_(std::move(name)), fail_(fail), wait_ms_(wait_ms) {}
  std::vector<ScenarioStep> Steps() const override {
    const std::string name = name_;
    const bool fail = fail_;
    const int64_t wait_ms = wait_ms_;
    return {{"Ticking", [name, fail, wait_ms](RunContext& ctx) -> absl::Status {
               if (name == "broken") {
                 return WithServerError(
                     absl::AbortedError("Lock wait timeout exceeded"),
                     ServerError{1205, "HY000"});
               }
               if (wait_ms > 0) {
                 ++slow_started;
                 if (ctx.cancel.WaitFor(absl::Milliseconds(wait_ms))) {
                   return ctx.cancel.reason();
                 }
               }
               AddCheck(ctx, "tick", !fail, "1", fail ? "2" : "1");
               return absl::OkStatus();
             }}};
  }

 private:
  std::string name_;
  bool fail_;
  int64_t wait_ms_;
};

// The built-in workloads, and the test scenarios in place of the real ones.
const Catalogue& TestCatalogue() {
  static const Catalogue* c = [] {
    auto* scenarios = new ScenarioRegistry();
    for (const char* name : {"tick", "slow", "broken"}) {
      scenarios->Register(
          ScenarioDef{name,
                      "test double",
                      {Option("fail", "bool", "false", "fail the check"),
                       Option("wait_ms", "int", "0", "wait before the check")},
                      [name](const rig::v1::Workload&, const Options& o)
                          -> absl::StatusOr<std::unique_ptr<Scenario>> {
                        return std::make_unique<TestScenario>(
                            name, o.Bool("fail"), o.Int("wait_ms"));
                      }});
    }
    return new Catalogue(WorkloadRegistry::Default(), *scenarios);
  }();
  return *c;
}

rig::v1::Assignment LoadAssignment(absl::Duration duration) {
  rig::v1::Assignment a;
  a.set_agent_name("test-agent");
  a.set_agent_count(1);
  a.set_connections(2);
  auto* plan = a.mutable_plan();
  plan->mutable_workload()->set_kind("oltp_point_select");
  plan->mutable_workload()->set_tables(1);
  plan->mutable_workload()->set_table_size(100);
  *plan->mutable_load()->mutable_duration() = ToProto(duration);
  *plan->mutable_load()->mutable_report_interval() =
      ToProto(absl::Milliseconds(100));
  a.mutable_prepare_range()->set_begin(1);
  a.mutable_prepare_range()->set_end(101);
  return a;
}

rig::v1::Alongside* AddAlongside(rig::v1::Assignment& a,
                                 const std::string& kind,
                                 absl::Duration every) {
  rig::v1::Alongside* e = a.mutable_plan()->add_alongside();
  e->set_kind(kind);
  *e->mutable_every() = ToProto(every);
  return e;
}

void SetOption(rig::v1::Alongside* e, const std::string& name,
               google::protobuf::Value v) {
  (*e->mutable_options()->mutable_fields())[name] = std::move(v);
}

google::protobuf::Value Number(double d) {
  google::protobuf::Value v;
  v.set_number_value(d);
  return v;
}

class AlongsideTest : public ::testing::Test {
 protected:
  std::unique_ptr<RunContext> NewContext(rig::v1::Assignment a) {
    auto ctx = std::make_unique<RunContext>("run-1", std::move(a), &driver_,
                                            &TestCatalogue(), &events_);
    ctx->server.flavor = "mariadb";
    return ctx;
  }
  testing::FakeDriver driver_;
  RoundEvents events_;
};

TEST_F(AlongsideTest, RoundsRepeatAtTheirIntervalWhileTheLoadRuns) {
  rig::v1::Assignment a = LoadAssignment(absl::Milliseconds(1000));
  AddAlongside(a, "scenario/tick", absl::Milliseconds(200));
  auto ctx = NewContext(a);
  StateRegistry registry = StateRegistry::Standard();
  ASSERT_EQ(StateMachine(registry).Run(*ctx), kCompleted)
      << ctx->result.error().message();
  EXPECT_GT(ctx->result.counters().ops(), 0);  // the load ran too

  const auto rounds = events_.Rounds();
  // One round every 200 ms of the load as it really ran (a loaded machine
  // stretches it), the last perhaps racing the end; never fewer than half
  // of them, nor more than fit.
  const int64_t slots = ctx->result.measured_us() / 200000 + 1;
  ASSERT_GE(static_cast<int64_t>(rounds.size()),
            std::max<int64_t>(2, slots / 2))
      << ctx->result.measured_us() << " us measured";
  ASSERT_LE(static_cast<int64_t>(rounds.size()), slots + 1)
      << ctx->result.measured_us() << " us measured";
  const int64_t running_at = events_.running_at();
  ASSERT_GE(running_at, 0);
  for (size_t i = 0; i < rounds.size(); ++i) {
    const auto& r = rounds[i];
    EXPECT_EQ(r.kind(), "scenario/tick");
    EXPECT_EQ(r.round(), static_cast<int>(i + 1));
    EXPECT_EQ(r.status(), rig::v1::CHECK_STATUS_PASSED);
    ASSERT_EQ(r.checks_size(), 1);
    EXPECT_EQ(r.checks(0).name(), "tick");
    EXPECT_FALSE(r.has_error());
    EXPECT_GE(r.start_offset_us(), running_at);
    EXPECT_GE(r.end_offset_us(), r.start_offset_us());
    if (i > 0) {
      // Started on schedule, never before the previous round ended.
      EXPECT_GE(r.start_offset_us() - rounds[i - 1].start_offset_us(), 190000);
      EXPECT_GE(r.start_offset_us(), rounds[i - 1].end_offset_us());
    }
  }
  // A round's states stay on the agent; the run's own checks stay empty.
  for (const auto& s : events_.States()) EXPECT_NE(s, "Ticking");
  EXPECT_EQ(ctx->result.verification().checks_size(), 0);
}

TEST_F(AlongsideTest, AFailedCheckAndAnErrorAreReportedPerRound) {
  rig::v1::Assignment a = LoadAssignment(absl::Milliseconds(300));
  SetOption(AddAlongside(a, "scenario/tick", absl::Seconds(10)), "fail", [] {
    google::protobuf::Value v;
    v.set_bool_value(true);
    return v;
  }());
  AddAlongside(a, "scenario/broken", absl::Seconds(10));
  auto ctx = NewContext(a);
  StateRegistry registry = StateRegistry::Standard();
  ASSERT_EQ(StateMachine(registry).Run(*ctx), kCompleted)
      << ctx->result.error().message();
  const auto rounds = events_.Rounds();
  ASSERT_EQ(rounds.size(), 2u);
  for (const auto& r : rounds) {
    if (r.kind() == "scenario/tick") {
      EXPECT_EQ(r.status(), rig::v1::CHECK_STATUS_FAILED);
      ASSERT_EQ(r.checks_size(), 1);
      EXPECT_EQ(r.checks(0).expected(), "1");
      EXPECT_EQ(r.checks(0).seen(), "2");
    } else {
      EXPECT_EQ(r.kind(), "scenario/broken");
      EXPECT_EQ(r.status(), rig::v1::CHECK_STATUS_SKIPPED);
      ASSERT_TRUE(r.has_error());
      EXPECT_EQ(r.error().server_code(), 1205);
      EXPECT_NE(r.error().message().find("Ticking"), std::string::npos)
          << r.error().message();
      EXPECT_NE(r.error().message().find("Lock wait timeout"),
                std::string::npos)
          << r.error().message();
    }
  }
}

TEST_F(AlongsideTest, ARoundStillGoingWhenTheLoadStopsIsCutAfterTheGrace) {
  rig::v1::Assignment a = LoadAssignment(absl::Seconds(1));
  SetOption(AddAlongside(a, "scenario/slow", absl::Seconds(10)), "wait_ms",
            Number(60000));
  auto ctx = NewContext(a);
  Alongside alongside(*ctx);
  ASSERT_EQ(alongside.size(), 1u);
  slow_started = 0;
  alongside.Start();
  ASSERT_TRUE(WaitForSlowStart());
  const auto t0 = std::chrono::steady_clock::now();
  alongside.Finish(absl::Milliseconds(100));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  const auto rounds = events_.Rounds();
  ASSERT_EQ(rounds.size(), 1u);
  EXPECT_EQ(rounds[0].status(), rig::v1::CHECK_STATUS_SKIPPED);
  EXPECT_EQ(rounds[0].checks_size(), 0);
  EXPECT_NE(rounds[0].error().message().find(
                "the load ended and the round did not finish within 100ms"),
            std::string::npos)
      << rounds[0].error().message();
  alongside.Finish(absl::ZeroDuration());  // idempotent
}

TEST_F(AlongsideTest, ACancelledRunReportsNoHalfRound) {
  rig::v1::Assignment a = LoadAssignment(absl::Seconds(1));
  SetOption(AddAlongside(a, "scenario/slow", absl::Seconds(10)), "wait_ms",
            Number(60000));
  auto ctx = NewContext(a);
  {
    Alongside alongside(*ctx);
    slow_started = 0;
    alongside.Start();
    ASSERT_TRUE(WaitForSlowStart());
    ctx->cancel.Cancel(absl::CancelledError("stopped by the coordinator"));
  }  // the destructor cuts the round and joins
  EXPECT_TRUE(events_.Rounds().empty());
}

TEST_F(AlongsideTest, ACancelDuringTheGraceCutsTheRoundAtOnce) {
  rig::v1::Assignment a = LoadAssignment(absl::Seconds(1));
  SetOption(AddAlongside(a, "scenario/slow", absl::Seconds(10)), "wait_ms",
            Number(60000));
  auto ctx = NewContext(a);
  Alongside alongside(*ctx);
  slow_started = 0;
  alongside.Start();
  ASSERT_TRUE(WaitForSlowStart());
  // The load ended normally: the round gets its grace. Then SIGTERM, which
  // is meant to land during the grace; should it land before Finish begins,
  // the round is cut at once all the same, so the assertions hold either
  // way (the sleep only makes the grace path the likely one).
  std::thread cancel([&ctx] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ctx->cancel.Cancel(absl::CancelledError("agent received SIGTERM"));
  });
  const auto t0 = std::chrono::steady_clock::now();
  alongside.Finish(kAlongsideGrace);
  const auto took = std::chrono::steady_clock::now() - t0;
  cancel.join();
  EXPECT_LT(took, std::chrono::seconds(5)) << "waited out the 30s grace";
  EXPECT_TRUE(events_.Rounds().empty());  // a cancelled run: no half round
}

TEST_F(AlongsideTest, AgentsLimitsWhichAgentsRunIt) {
  rig::v1::Assignment a = LoadAssignment(absl::Seconds(1));
  AddAlongside(a, "scenario/tick", absl::Seconds(1))->set_agents(1);
  a.set_agent_index(0);
  EXPECT_EQ(Alongside(*NewContext(a)).size(), 1u);
  a.set_agent_index(1);
  EXPECT_EQ(Alongside(*NewContext(a)).size(), 0u);
}

TEST_F(AlongsideTest, CheckNamesTheBadEntry) {
  auto error = [](rig::v1::Plan plan) {
    return std::string(Alongside::Check(plan, TestCatalogue()).message());
  };
  rig::v1::Plan plan = LoadAssignment(absl::Seconds(1)).plan();
  EXPECT_TRUE(Alongside::Check(plan, TestCatalogue()).ok());

  // The plan's own rules (scenarios only, each once) are the validator's
  // (plan_tools_test); the agent checks what needs its registry.
  rig::v1::Plan load_kind = plan;
  load_kind.add_alongside()->set_kind("oltp_point_select");
  EXPECT_NE(error(load_kind).find("alongside[0] (oltp_point_select): is not "
                                  "a scenario"),
            std::string::npos)
      << error(load_kind);

  rig::v1::Plan bad_option = plan;
  auto* e = bad_option.add_alongside();
  e->set_kind("scenario/tick");
  (*e->mutable_options()->mutable_fields())["nope"] = Number(1);
  EXPECT_NE(error(bad_option).find("alongside[0] (scenario/tick): "),
            std::string::npos)
      << error(bad_option);
  EXPECT_NE(error(bad_option).find("nope"), std::string::npos)
      << error(bad_option);

  // The Initializing state runs the same check: the run fails at once.
  rig::v1::Assignment a = LoadAssignment(absl::Seconds(1));
  a.mutable_plan()->add_alongside()->set_kind("oltp_point_select");
  auto ctx = NewContext(a);
  StateRegistry registry = StateRegistry::Standard();
  EXPECT_EQ(StateMachine(registry).Run(*ctx), kFailed);
  EXPECT_EQ(ctx->result.error().state(), rig::v1::STATE_INITIALIZING);
}

}  // namespace
}  // namespace rig::agent
