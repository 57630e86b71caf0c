#include "agent/engine/state_machine.h"

#include <gtest/gtest.h>

#include <future>
#include <iostream>
#include <mutex>
#include <new>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "agent/engine/catalogue.h"
#include "agent/load/runner.h"
#include "agent/scenarios/scenario.h"
#include "common/base/proto_duration.h"
#include "tests/agent/db/fake_driver.h"

namespace rig::agent {
namespace {

class VectorEvents : public RunEvents {
 public:
  void Send(const rig::v1::AgentMessage& m) override {
    std::lock_guard<std::mutex> lock(mu_);
    messages_.push_back(m);
    if (m.has_state_changed() &&
        m.state_changed().awaiting() != rig::v1::STATE_UNSPECIFIED &&
        !parked_set_) {
      parked_set_ = true;
      parked_.set_value();
    }
  }
  // Ready when the agent first parks at a barrier.
  std::future<void> Parked() { return parked_.get_future(); }
  std::vector<std::string> States() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const auto& m : messages_) {
      if (m.has_state_changed() &&
          m.state_changed().awaiting() == rig::v1::STATE_UNSPECIFIED) {
        out.push_back(m.state_changed().to_name());
      }
    }
    return out;
  }
  int Count(rig::v1::AgentMessage::MsgCase c) {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (const auto& m : messages_) n += m.msg_case() == c;
    return n;
  }

 private:
  std::mutex mu_;
  std::vector<rig::v1::AgentMessage> messages_;
  std::promise<void> parked_;
  bool parked_set_ = false;
};

rig::v1::Assignment SmallAssignment() {
  rig::v1::Assignment a;
  a.set_agent_name("test-agent");
  a.set_connections(2);
  auto* plan = a.mutable_plan();
  plan->mutable_workload()->set_kind("oltp_point_select");
  plan->mutable_workload()->set_tables(1);
  plan->mutable_workload()->set_table_size(100);
  *plan->mutable_load()->mutable_duration() = ToProto(absl::Milliseconds(300));
  *plan->mutable_load()->mutable_report_interval() =
      ToProto(absl::Milliseconds(100));
  a.mutable_prepare_range()->set_begin(1);
  a.mutable_prepare_range()->set_end(101);
  return a;
}

class StateMachineTest : public ::testing::Test {
 protected:
  std::unique_ptr<RunContext> NewContext(rig::v1::Assignment a) {
    return std::make_unique<RunContext>("run-1", std::move(a), &driver_,
                                        &Catalogue::Default(), &events_);
  }
  testing::FakeDriver driver_;
  VectorEvents events_;
};

// A handler that goes where it is told, or waits until cancelled.
class ScriptedHandler : public StateHandler {
 public:
  explicit ScriptedHandler(std::string next, bool block = false)
      : next_(std::move(next)), block_(block) {}
  absl::StatusOr<std::string> Execute(RunContext& ctx) override {
    if (block_) ctx.cancel.WaitFor(absl::Seconds(30));
    return next_;
  }

 private:
  std::string next_;
  bool block_;
};

TEST_F(StateMachineTest, RunsStandardStatesInOrder) {
  StateRegistry registry = StateRegistry::Standard();
  auto ctx = NewContext(SmallAssignment());
  EXPECT_EQ(StateMachine(registry).Run(*ctx), kCompleted);
  EXPECT_EQ(events_.States(),
            (std::vector<std::string>{kInitializing, kConnecting, kPreparing,
                                      kWarmingUp, kRunning, kVerifying,
                                      kReporting, kCompleted}));
  EXPECT_EQ(ctx->result.final_state(), rig::v1::STATE_COMPLETED);
  EXPECT_GT(ctx->result.counters().ops(), 0);
  // Operations before measuring began (the warm-up) are not counted.
  EXPECT_LE(ctx->result.counters().ops(), driver_.executes.load());
  EXPECT_GE(events_.Count(rig::v1::AgentMessage::kInterval), 2);
  EXPECT_EQ(ctx->result.server().flavor(), "mariadb");
}

// Running as the standard one does, then leaving the first connection slot
// empty: a reconnect that failed as the load stopped (the server down).
class RunningThenLosingAConnection : public StateHandler {
 public:
  explicit RunningThenLosingAConnection(std::shared_ptr<StateHandler> running)
      : running_(std::move(running)) {}
  absl::StatusOr<std::string> Execute(RunContext& ctx) override {
    auto next = running_->Execute(ctx);
    ctx.connections.front().reset();
    return next;
  }

 private:
  std::shared_ptr<StateHandler> running_;
};

// The verification and the cleanup after such a load open a connection of
// their own instead of using the empty slot (the agent crashed on it).
TEST_F(StateMachineTest, VerifyAndCleanupOpenAConnectionWhenTheLoadLeftNone) {
  StateRegistry registry = StateRegistry::Standard();
  registry.Register(kRunning,
                    std::make_shared<RunningThenLosingAConnection>(
                        registry.Find(kRunning)->handler),
                    {kVerifying, kReporting});
  rig::v1::Assignment a = SmallAssignment();
  a.set_run_verify(true);
  a.mutable_plan()->mutable_workload()->set_cleanup(true);
  auto ctx = NewContext(a);
  ctx->run_verify = true;
  ctx->run_cleanup = true;
  EXPECT_EQ(StateMachine(registry).Run(*ctx), kCompleted)
      << ctx->result.error().message();
  EXPECT_EQ(events_.States(),
            (std::vector<std::string>{kInitializing, kConnecting, kPreparing,
                                      kWarmingUp, kRunning, kVerifying,
                                      kReporting, kCompleted}));
  ASSERT_NE(ctx->connections.front(), nullptr);
  // The two of the load and one more after it.
  EXPECT_GE(driver_.connects.load(), 3);
}

// Goes on to a state it adds for its own run: Initializing -> Detour.
class DetourHandler : public StateHandler {
 public:
  explicit DetourHandler(absl::Status add = absl::OkStatus())
      : add_(std::move(add)) {}
  absl::StatusOr<std::string> Execute(RunContext&) override {
    return std::string(kNext);
  }
  absl::Status AddStates(const RunContext&, StateRegistry& states) override {
    if (!add_.ok()) return add_;
    states.Register("Detour", std::make_shared<ScriptedHandler>(kCompleted),
                    {kCompleted});
    return states.SetTransitions(kInitializing, {"Detour"});
  }

 private:
  absl::Status add_;
};

TEST_F(StateMachineTest, StatesAddedByAStateLastForItsRunOnly) {
  StateRegistry registry;
  registry.Register(kInitializing, std::make_shared<DetourHandler>(),
                    {kCompleted});
  StateMachine machine(registry);
  auto ctx = NewContext(SmallAssignment());
  EXPECT_EQ(machine.Run(*ctx), kCompleted) << ctx->result.error().message();
  EXPECT_EQ(events_.States(),
            (std::vector<std::string>{kInitializing, "Detour", kCompleted}));
  // The registry the machine was given is as it was.
  EXPECT_EQ(registry.Find("Detour"), nullptr);
  EXPECT_EQ(registry.Find(kInitializing)->next,
            std::vector<std::string>{kCompleted});
}

TEST_F(StateMachineTest, AStateThatCannotAddItsStatesFailsTheRun) {
  StateRegistry registry;
  registry.Register(
      kInitializing,
      std::make_shared<DetourHandler>(absl::NotFoundError("no such state")),
      {kCompleted});
  auto ctx = NewContext(SmallAssignment());
  EXPECT_EQ(StateMachine(registry).Run(*ctx), kFailed);
  EXPECT_EQ(ctx->result.error().state(), rig::v1::STATE_INITIALIZING);
  EXPECT_NE(ctx->result.error().message().find("no such state"),
            std::string::npos)
      << ctx->result.error().message();
}

// scenario/steps: two steps, each with a passing check.
class TwoSteps : public Scenario {
 public:
  std::vector<ScenarioStep> Steps() const override {
    auto step = [](const std::string& name) {
      return ScenarioStep{name, [name](RunContext& ctx) {
                            AddCheck(ctx, name, true, "1", "1");
                            return absl::OkStatus();
                          }};
    };
    return {step("FirstStep"), step("SecondStep")};
  }
};

TEST_F(StateMachineTest, AScenarioRunsItsStepsBetweenConnectingAndReporting) {
  static const Catalogue* catalogue = [] {
    auto* scenarios = new ScenarioRegistry();
    scenarios->Register(ScenarioDef{
        "steps",
        "two steps",
        {},
        [](const rig::v1::Workload&,
           const Options&) -> absl::StatusOr<std::unique_ptr<Scenario>> {
          return std::make_unique<TwoSteps>();
        }});
    return new Catalogue(WorkloadRegistry::Default(), *scenarios);
  }();
  rig::v1::Assignment a = SmallAssignment();
  a.mutable_plan()->mutable_workload()->set_kind("scenario/steps");
  a.mutable_plan()->mutable_workload()->set_cleanup(true);
  RunContext ctx("run-1", a, &driver_, catalogue, &events_);
  StateRegistry registry = StateRegistry::Standard();
  EXPECT_EQ(StateMachine(registry).Run(ctx), kCompleted)
      << ctx.result.error().message();
  EXPECT_EQ(events_.States(),
            (std::vector<std::string>{kInitializing, kConnecting, "FirstStep",
                                      "SecondStep", kReporting, kCompleted}));
  EXPECT_EQ(ctx.workload, nullptr);
  EXPECT_EQ(ctx.result.verification().checks_size(), 2);
  EXPECT_EQ(ctx.result.verification().status(), rig::v1::CHECK_STATUS_PASSED);
}

// A state that runs out of threads or memory: the run fails, naming it,
// and the machine (the agent) goes on to serve the next run.
class Exhausting : public StateHandler {
 public:
  explicit Exhausting(bool memory) : memory_(memory) {}
  absl::StatusOr<std::string> Execute(RunContext&) override {
    if (memory_) throw std::bad_alloc();
    // What std::thread throws when no thread can be made.
    throw std::system_error(
        std::make_error_code(std::errc::resource_unavailable_try_again),
        "Resource temporarily unavailable");
  }

 private:
  const bool memory_;
};

TEST_F(StateMachineTest, RunningOutOfThreadsOrMemoryFailsTheRunNotTheAgent) {
  for (bool memory : {false, true}) {
    StateRegistry registry;
    registry.Register(kInitializing, std::make_shared<Exhausting>(memory),
                      {kCompleted});
    auto ctx = NewContext(SmallAssignment());
    EXPECT_EQ(StateMachine(registry).Run(*ctx), kFailed);
    EXPECT_EQ(ctx->result.error().state(), rig::v1::STATE_INITIALIZING);
    EXPECT_NE(ctx->result.error().message().find(memory ? "out of memory"
                                                        : "out of resources"),
              std::string::npos)
        << ctx->result.error().message();
  }
  // The next run on the same machine's registry runs.
  StateRegistry registry;
  registry.Register(kInitializing,
                    std::make_shared<ScriptedHandler>(kCompleted),
                    {kCompleted});
  auto ctx = NewContext(SmallAssignment());
  EXPECT_EQ(StateMachine(registry).Run(*ctx), kCompleted);
}

TEST_F(StateMachineTest, MissingHandlerFailsNamingTheState) {
  StateRegistry registry;
  registry.Register(kInitializing, std::make_shared<ScriptedHandler>("Bogus"),
                    {"Bogus"});
  auto ctx = NewContext(SmallAssignment());
  EXPECT_EQ(StateMachine(registry).Run(*ctx), kFailed);
  EXPECT_NE(ctx->result.error().message().find(
                "no handler is registered for state Bogus (transition "
                "Initializing -> Bogus)"),
            std::string::npos)
      << ctx->result.error().message();
}

TEST_F(StateMachineTest, UnregisteredTransitionFails) {
  StateRegistry registry;
  registry.Register(kInitializing,
                    std::make_shared<ScriptedHandler>(kReporting),
                    {kConnecting});
  auto ctx = NewContext(SmallAssignment());
  EXPECT_EQ(StateMachine(registry).Run(*ctx), kFailed);
  EXPECT_NE(ctx->result.error().message().find(
                "transition Initializing -> Reporting is not registered "
                "(allowed: Connecting)"),
            std::string::npos)
      << ctx->result.error().message();
}

TEST_F(StateMachineTest, OverrunningHandlerFailsWithItsLimit) {
  StateRegistry registry;
  registry.Register(kInitializing,
                    std::make_shared<ScriptedHandler>(kCompleted, true),
                    {kCompleted});
  ASSERT_TRUE(
      registry.SetTimeLimit(kInitializing, absl::Milliseconds(50)).ok());
  auto ctx = NewContext(SmallAssignment());
  EXPECT_EQ(StateMachine(registry).Run(*ctx), kFailed);
  EXPECT_NE(ctx->result.error().message().find(
                "state Initializing overran its time limit of 50ms"),
            std::string::npos)
      << ctx->result.error().message();
}

TEST_F(StateMachineTest, CancelWhileWaitingAtBarrierEndsCancelled) {
  StateRegistry registry = StateRegistry::Standard();
  rig::v1::Assignment a = SmallAssignment();
  a.add_barriers(rig::v1::STATE_WARMING_UP);
  auto ctx = NewContext(a);
  std::future<void> parked = events_.Parked();
  std::thread canceller([&] {
    parked.wait();
    EXPECT_EQ(driver_.open_connections.load(), 2);
    ctx->cancel.Cancel(absl::CancelledError("test stop"));
  });
  EXPECT_EQ(StateMachine(registry).Run(*ctx), kCancelled);
  canceller.join();
  ctx->connections.clear();
  EXPECT_EQ(driver_.open_connections.load(), 0);
}

// Plays the coordinator's part at barriers for one agent: the barrier before
// a state is released at once; the named one inside PREPARING ("tables
// ready", after agent 0 made the schema) is held until the test releases it.
class BarrierEvents : public RunEvents {
 public:
  explicit BarrierEvents(testing::FakeDriver* driver) : driver_(driver) {}
  void Attach(RunContext* ctx) { ctx_ = ctx; }
  void Send(const rig::v1::AgentMessage& m) override {
    if (!m.has_state_changed() ||
        m.state_changed().awaiting() == rig::v1::STATE_UNSPECIFIED) {
      return;
    }
    const auto& sc = m.state_changed();
    if (sc.barrier().empty()) {
      ctx_->Advance(sc.awaiting());
      return;
    }
    EXPECT_EQ(sc.awaiting(), rig::v1::STATE_PREPARING);
    EXPECT_EQ(sc.barrier(), "tables ready");
    plain_when_parked = driver_->plain_executes.load();
    parked_.set_value();
  }
  std::future<void> Parked() { return parked_.get_future(); }
  int64_t plain_when_parked = -1;

 private:
  testing::FakeDriver* driver_;
  RunContext* ctx_ = nullptr;
  std::promise<void> parked_;
};

// The barrier inside PREPARING is one of its own: the one before PREPARING
// has been released by then, and an agent that took that one for it loaded
// rows before agent 0 had made the tables (seen in CI: 1146 on load).
TEST_F(StateMachineTest, OtherAgentsLoadOnlyAfterTheTablesReadyBarrier) {
  StateRegistry registry = StateRegistry::Standard();
  rig::v1::Assignment a = SmallAssignment();
  a.set_agent_index(1);
  a.add_barriers(rig::v1::STATE_PREPARING);
  a.add_barriers(rig::v1::STATE_WARMING_UP);
  BarrierEvents events(&driver_);
  auto ctx = std::make_unique<RunContext>("run-1", a, &driver_,
                                          &Catalogue::Default(), &events);
  events.Attach(ctx.get());
  std::future<void> parked = events.Parked();
  std::thread coordinator([&] {
    if (parked.wait_for(std::chrono::seconds(10)) !=
        std::future_status::ready) {
      ADD_FAILURE() << "the agent never parked at \"tables ready\"";
      return;
    }
    // Held at the barrier: no row is loaded (the load's INSERTs are plain
    // statements) while agent 0 may still be making the tables. A negative
    // can only be watched for a while: 200 ms in which a loader that did
    // not wait would have sent its INSERTs (it takes microseconds).
    absl::SleepFor(absl::Milliseconds(200));
    EXPECT_EQ(driver_.plain_executes.load(), events.plain_when_parked);
    ctx->Advance(rig::v1::STATE_PREPARING, "tables ready");
  });
  EXPECT_EQ(StateMachine(registry).Run(*ctx), kCompleted)
      << ctx->result.error().message();
  coordinator.join();
  // Then it loaded (one INSERT per table and batch) and ran.
  EXPECT_GT(driver_.plain_executes.load(), events.plain_when_parked);
  EXPECT_GT(driver_.executes.load(), 0);
}

TEST_F(StateMachineTest, ConnectFailureCarriesServerCode) {
  driver_.refuse_connections = true;
  StateRegistry registry = StateRegistry::Standard();
  auto ctx = NewContext(SmallAssignment());
  EXPECT_EQ(StateMachine(registry).Run(*ctx), kFailed);
  EXPECT_EQ(ctx->result.error().server_code(), 2002);
  EXPECT_EQ(ctx->result.error().state(), rig::v1::STATE_CONNECTING);
  const std::string& msg = ctx->result.error().message();
  EXPECT_NE(msg.find("agent=test-agent state=Connecting op=connect conn=0"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("server code 2002, SQLSTATE HY000"), std::string::npos)
      << msg;
}

// Runs the standard handler of one state after cancelling the run.
class CancelFirst : public StateHandler {
 public:
  explicit CancelFirst(std::shared_ptr<StateHandler> inner)
      : inner_(std::move(inner)) {}
  absl::StatusOr<std::string> Execute(RunContext& ctx) override {
    ctx.cancel.Cancel(absl::CancelledError("stop requested"));
    return inner_->Execute(ctx);
  }
  absl::Duration TimeLimit(const RunContext& ctx) const override {
    return inner_->TimeLimit(ctx);
  }

 private:
  std::shared_ptr<StateHandler> inner_;
};

TEST_F(StateMachineTest, CancelInEveryStateEndsCancelledAndFreesConnections) {
  for (const char* state : {kInitializing, kConnecting, kPreparing, kWarmingUp,
                            kRunning, kVerifying, kReporting}) {
    SCOPED_TRACE(state);
    StateRegistry registry = StateRegistry::Standard();
    const StateRegistry::Entry* entry = registry.Find(state);
    ASSERT_NE(entry, nullptr);
    registry.Register(state, std::make_shared<CancelFirst>(entry->handler),
                      entry->next);
    rig::v1::Assignment a = SmallAssignment();
    // Up to Running, a long run: cancelling must not wait for it.
    const bool late =
        std::string(state) == kVerifying || std::string(state) == kReporting;
    *a.mutable_plan()->mutable_load()->mutable_duration() =
        late ? ToProto(absl::Milliseconds(100)) : ToProto(absl::Seconds(30));
    auto ctx = NewContext(a);
    EXPECT_EQ(StateMachine(registry).Run(*ctx), kCancelled);
    EXPECT_EQ(ctx->result.final_state(), rig::v1::STATE_CANCELLED);
    ctx.reset();
    EXPECT_EQ(driver_.open_connections.load(), 0);
  }
}

TEST_F(StateMachineTest, DeadlocksAreRetried) {
  driver_.fail_every = 5;
  StateRegistry registry = StateRegistry::Standard();
  auto ctx = NewContext(SmallAssignment());
  EXPECT_EQ(StateMachine(registry).Run(*ctx), kCompleted);
  const auto& c = ctx->result.counters();
  EXPECT_GT(c.retries(), 0);
  EXPECT_EQ(c.errors(), 0);  // every retry succeeded
}

TEST_F(StateMachineTest, RetriesExhaustedAreCountedNotFatal) {
  driver_.fail_every = 1;  // every statement fails
  StateRegistry registry = StateRegistry::Standard();
  rig::v1::Assignment a = SmallAssignment();
  auto* retry = a.mutable_plan()->mutable_resilience()->mutable_retry();
  retry->set_max_attempts(3);
  *retry->mutable_initial_backoff() = ToProto(absl::Microseconds(10));
  *retry->mutable_max_backoff() = ToProto(absl::Microseconds(20));
  auto ctx = NewContext(a);
  EXPECT_EQ(StateMachine(registry).Run(*ctx), kCompleted);
  const auto& c = ctx->result.counters();
  EXPECT_GT(c.errors(), 0);
  EXPECT_EQ(c.ops(), 0);
  EXPECT_EQ(c.errors_by_code().at(1213), c.errors());
  EXPECT_EQ(c.errors_by_class().at("retry_txn"), c.errors());
  // Each failed operation was tried three times (give or take the two
  // operations in flight on each of the 2 connections at either end of the
  // measured phase).
  EXPECT_GE(c.retries(), 2 * c.errors() - 4);
  EXPECT_LE(c.retries(), 2 * c.errors() + 4);
}

TEST_F(StateMachineTest, AnOperationStillRetryingWhenTheRunEndsIsNotAnError) {
  // Every statement deadlocks after 2ms, so the end of the run almost
  // always arrives while a statement is in flight (the case that used to
  // count as "retries exhausted after N attempts").
  driver_.fail_every = 1;
  driver_.execute_us = 2000;
  StateRegistry registry = StateRegistry::Standard();
  rig::v1::Assignment a = SmallAssignment();
  auto* retry = a.mutable_plan()->mutable_resilience()->mutable_retry();
  retry->set_max_attempts(1000000);  // never exhausted within the run
  *retry->mutable_initial_backoff() = ToProto(absl::Microseconds(10));
  *retry->mutable_max_backoff() = ToProto(absl::Microseconds(20));
  a.mutable_plan()
      ->mutable_resilience()
      ->mutable_circuit_breaker()
      ->set_disabled(true);
  auto ctx = NewContext(a);
  EXPECT_EQ(StateMachine(registry).Run(*ctx), kCompleted);
  const auto& c = ctx->result.counters();
  EXPECT_GT(c.retries(), 0);
  EXPECT_EQ(c.ops(), 0);
  // Abandoned when the run ended, not failed: no "retries exhausted".
  EXPECT_EQ(c.errors(), 0) << c.DebugString();
}

TEST_F(StateMachineTest, FailFastErrorsAreNeverRetried) {
  driver_.fail_every = 1;
  driver_.fail_code = 1064;  // syntax error
  StateRegistry registry = StateRegistry::Standard();
  auto ctx = NewContext(SmallAssignment());
  EXPECT_EQ(StateMachine(registry).Run(*ctx), kCompleted);
  const auto& c = ctx->result.counters();
  EXPECT_GT(c.errors(), 0);
  EXPECT_EQ(c.retries(), 0);
  EXPECT_EQ(c.errors_by_class().at("fail_fast"), c.errors());
}

}  // namespace
}  // namespace rig::agent
