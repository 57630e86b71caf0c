// The gRPC contract end to end in one process: real gRPC servers on
// 127.0.0.1:0 running the agent service over a fake database, driven by the
// coordinator library through full sessions. ~850 lines of cases: each is a
// whole session (barriers, losses, stops, partial starts), which only the
// session shows; the assigner and the verdict have tests of their own.

#include "coordinator/session/coordinator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <future>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/engine/catalogue.h"
#include "agent/server/quota.h"
#include "agent/server/service.h"
#include "common/base/proto_duration.h"
#include "common/stats/histogram.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "plan/plan.h"
#include "tests/agent/db/fake_driver.h"

namespace rig {
namespace {

struct InProcessAgent {
  explicit InProcessAgent(
      const std::string& name,
      const agent::Catalogue* catalogue = &agent::Catalogue::Default(),
      int cores = 0, std::function<void(agent::AgentOptions&)> tweak = {})
      : states(agent::StateRegistry::Standard()) {
    agent::AgentOptions options;
    options.name = name;
    options.cores = cores;
    options.close_grace = absl::Seconds(2);
    if (tweak) tweak(options);
    service = std::make_unique<agent::AgentServiceImpl>(options, &driver,
                                                        catalogue, &states);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service.get());
    agent::ApplyServerQuota(builder);
    server = builder.BuildAndStart();
  }
  ~InProcessAgent() { server->Shutdown(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }

  testing::FakeDriver driver;
  agent::StateRegistry states;
  std::unique_ptr<agent::AgentServiceImpl> service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

rig::v1::Plan TestPlan(int connections, const std::string& duration) {
  auto plan = rig::plan::ParsePlan(
      "name: t\n"
      "workload: {kind: oltp_point_select, tables: 2, table_size: 1000}\n"
      "load: {connections: " +
          std::to_string(connections) + ", duration: " + duration +
          ", report_interval: 100ms}\n",
      "test.yaml");
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

TEST(SessionTest, TwoAgentsRunAFullSessionAndMergeExactly) {
  InProcessAgent a("a"), b("b");
  ASSERT_NE(a.port, 0);
  coordinator::CoordinatorOptions options;
  options.agents = {a.address(), b.address()};
  coordinator::Coordinator coord(options, TestPlan(3, "500ms"));
  auto report = coord.Run();
  ASSERT_TRUE(report.ok()) << report.status();

  EXPECT_EQ(report->status(), rig::v1::RUN_STATUS_PASSED) << report->error();
  EXPECT_EQ(report->exit_code(), 0);
  ASSERT_EQ(report->agents_size(), 2);
  // 3 connections over 2 agents: the remainder goes to the first.
  EXPECT_EQ(report->agents(0).connections(), 2);
  EXPECT_EQ(report->agents(1).connections(), 1);
  const int64_t ops_a = report->agents(0).summary().counters().ops();
  const int64_t ops_b = report->agents(1).summary().counters().ops();
  EXPECT_GT(ops_a, 0);
  EXPECT_GT(ops_b, 0);
  EXPECT_EQ(report->total().counters().ops(), ops_a + ops_b);
  // What ran before measuring began (the warm-up) is not counted.
  EXPECT_LE(ops_a, a.driver.executes.load());
  EXPECT_LE(ops_b, b.driver.executes.load());
  EXPECT_EQ(report->total().latency().count(), ops_a + ops_b);
  // The intervals add up to the total.
  int64_t interval_ops = 0;
  for (const auto& iv : report->intervals()) {
    interval_ops += iv.counters().ops();
  }
  EXPECT_EQ(interval_ops, ops_a + ops_b);
  EXPECT_GE(report->intervals_size(), 4);
  // The merged histogram equals the merge of the agents' histograms.
  auto ha =
      Histogram::Decode(report->agents(0).summary().latency().histogram());
  auto hb =
      Histogram::Decode(report->agents(1).summary().latency().histogram());
  ASSERT_TRUE(ha.ok() && hb.ok());
  ha->Merge(*hb);
  EXPECT_EQ(ha->Encode(), report->total().latency().histogram());
  // The server was detected and reported per agent.
  EXPECT_EQ(report->agents(0).server().flavor(), "mariadb");
  // Connections are released when the run ends.
  EXPECT_EQ(a.driver.open_connections.load(), 0);
  EXPECT_EQ(b.driver.open_connections.load(), 0);
  EXPECT_TRUE(report->plan().target().password().empty());
}

TEST(SessionTest, BusyAgentRejectsSecondStartAndStopEndsTheRun) {
  InProcessAgent a("a");
  coordinator::CoordinatorOptions options;
  options.agents = {a.address()};
  std::promise<void> running;
  bool signalled = false;
  options.progress = [&](const std::string& line) {
    if (!signalled && line.find("ops/s") != std::string::npos) {
      signalled = true;
      running.set_value();
    }
  };
  coordinator::Coordinator coord(options, TestPlan(2, "60s"));
  std::future<absl::StatusOr<rig::v1::Report>> result =
      std::async(std::launch::async, [&] { return coord.Run(); });
  running.get_future().wait();

  // A second session while the first runs: RESOURCE_EXHAUSTED.
  auto channel =
      grpc::CreateChannel(a.address(), grpc::InsecureChannelCredentials());
  auto stub = rig::v1::AgentService::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = stub->Session(&ctx);
  rig::v1::CoordinatorMessage start;
  start.mutable_start()->set_run_id("second");
  *start.mutable_start()->mutable_assignment()->mutable_plan() =
      TestPlan(2, "60s");
  stream->Write(start);
  stream->WritesDone();
  rig::v1::AgentMessage ignored;
  while (stream->Read(&ignored)) {
  }
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  coord.Stop("test is done");
  auto report = result.get();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->status(), rig::v1::RUN_STATUS_INCOMPLETE);
  EXPECT_EQ(report->exit_code(), 4);
  EXPECT_EQ(report->agents(0).final_state(), rig::v1::STATE_CANCELLED);
  EXPECT_FALSE(report->agents(0).lost());
  // What was measured before the stop is kept.
  EXPECT_GT(report->total().counters().ops(), 0);
  EXPECT_EQ(a.driver.open_connections.load(), 0);
}

TEST(SessionTest, UnreachableAgentIsNamed) {
  InProcessAgent a("a");
  coordinator::CoordinatorOptions options;
  // Port 1 on loopback: nothing listens there.
  options.agents = {a.address(), "127.0.0.1:1"};
  options.connect_timeout = absl::Seconds(1);
  coordinator::Coordinator coord(options, TestPlan(2, "1s"));
  auto report = coord.Run();
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find(
                "agent 127.0.0.1:1: no answer within 1s: connection refused: "
                "nothing listens there"),
            std::string::npos)
      << report.status();
  EXPECT_EQ(report.status().message().find(a.address()), std::string::npos)
      << "only the failing agent is named: " << report.status();
}

// TLS files that cannot be read never turn into a plaintext connection: the
// agent here speaks plaintext and would answer one.
TEST(SessionTest, UnreadableTlsFilesFailTheRunInsteadOfFallingBackToPlaintext) {
  InProcessAgent a("a");
  coordinator::CoordinatorOptions options;
  options.agents = {a.address()};
  options.connect_timeout = absl::Seconds(1);
  options.security.tls.ca = "/nonexistent/rig-ca.pem";
  coordinator::Coordinator coord(options, TestPlan(1, "1s"));
  auto report = coord.Run();
  ASSERT_FALSE(report.ok()) << "the run went ahead without TLS";
  EXPECT_NE(report.status().message().find("cannot set up TLS"),
            std::string::npos)
      << report.status();
  EXPECT_NE(report.status().message().find("/nonexistent/rig-ca.pem"),
            std::string::npos)
      << report.status();
}

// An agent of an older protocol: GetInfo answers, nothing else.
class OldProtocolAgent final : public rig::v1::AgentService::Service {
 public:
  grpc::Status GetInfo(grpc::ServerContext*, const rig::v1::GetInfoRequest*,
                       rig::v1::AgentInfo* info) override {
    info->set_name("old");
    info->set_version("0.0.9");
    info->set_protocol_version(1);
    return grpc::Status::OK;
  }
};

TEST(SessionTest, AnAgentOfAnotherProtocolIsNamedAndNotStarted) {
  InProcessAgent a("a");
  OldProtocolAgent old_service;
  int old_port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &old_port);
  builder.RegisterService(&old_service);
  std::unique_ptr<grpc::Server> old_server = builder.BuildAndStart();
  ASSERT_NE(old_server, nullptr);
  const std::string old_address = absl::StrCat("127.0.0.1:", old_port);
  coordinator::CoordinatorOptions options;
  options.agents = {a.address(), old_address};
  options.connect_timeout = absl::Seconds(2);
  coordinator::Coordinator coord(options, TestPlan(2, "300ms"));
  auto report = coord.Run();
  old_server->Shutdown();
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find(absl::StrCat(
                "agent ", old_address,
                ": speaks protocol 1 (version 0.0.9), this coordinator "
                "speaks ",
                static_cast<int>(rig::v1::PROTOCOL_VERSION_CURRENT))),
            std::string::npos)
      << report.status();
  // Nothing was started on the agent that would have matched.
  EXPECT_EQ(a.driver.connects.load(), 0);
}

// Agent 0 makes the tables; lost before they are ready, the run cannot go
// on whatever the loss policy says: the others would load into nothing.
TEST(SessionTest, LosingAgentZeroBeforeTheTablesAreReadyStopsTheRun) {
  InProcessAgent a("a"), b("b");
  a.driver.plain_execute_us = 2000000;  // CREATE TABLE takes 2 s
  coordinator::CoordinatorOptions options;
  options.agents = {a.address(), b.address()};
  rig::v1::Plan plan = TestPlan(2, "1s");
  plan.mutable_agents()->set_on_agent_loss(rig::v1::AGENT_LOSS_POLICY_CONTINUE);
  plan.mutable_agents()->set_max_lost_agents(1);
  coordinator::Coordinator coord(options, plan);
  auto run = std::async(std::launch::async, [&] { return coord.Run(); });
  // Agent a is making the tables (its first plain statement).
  for (int i = 0; i < 500 && a.driver.plain_executes.load() == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_GT(a.driver.plain_executes.load(), 0);
  a.server->Shutdown(std::chrono::system_clock::now());  // its sessions end
  auto report = run.get();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->status(), rig::v1::RUN_STATUS_INCOMPLETE);
  EXPECT_NE(report->error().find(absl::StrCat(
                "agent ", a.address(),
                " (agent 0, which creates the tables) was lost before the "
                "tables were ready")),
            std::string::npos)
      << report->error();
  // b never loaded a row.
  EXPECT_EQ(b.driver.plain_executes.load(), 0);
}

// oltp_point_select whose global check takes 1.5 s and passes; `verifying`
// counts the checks begun.
std::atomic<int> verifying{0};
class SlowVerify : public agent::Workload {
 public:
  explicit SlowVerify(std::unique_ptr<agent::Workload> inner)
      : inner_(std::move(inner)) {}
  absl::Status CreateSchema(db::Connection& c, bool drop) override {
    return inner_->CreateSchema(c, drop);
  }
  absl::Status Load(db::Connection& c, const agent::LoadTask& t) override {
    return inner_->Load(c, t);
  }
  absl::StatusOr<std::unique_ptr<agent::Transaction>> Bind(
      db::Connection& c, int worker) const override {
    return inner_->Bind(c, worker);
  }
  absl::StatusOr<rig::v1::VerificationResult> Verify(db::Connection&) override {
    ++verifying;
    absl::SleepFor(absl::Milliseconds(1500));
    rig::v1::VerificationResult v;
    auto* c = v.add_checks();
    c->set_name("slow");
    c->set_status(rig::v1::CHECK_STATUS_PASSED);
    v.set_status(rig::v1::CHECK_STATUS_PASSED);
    return v;
  }
  absl::Status Cleanup(db::Connection& c) override {
    return inner_->Cleanup(c);
  }

 private:
  std::unique_ptr<agent::Workload> inner_;
};

// The agent chosen to run the global check is lost while it runs: the run
// is not passed as verified, whatever the loss policy says.
TEST(SessionTest, LosingTheVerifierWhileItVerifiesLeavesTheRunUnverified) {
  static agent::Catalogue* catalogue = [] {
    auto* r = new agent::WorkloadRegistry(agent::WorkloadRegistry::Default());
    agent::WorkloadDef def;
    def.name = "slow_verify";
    def.description = "oltp_point_select with a slow global check";
    def.make = [](const rig::v1::Workload& config, const agent::Options&)
        -> absl::StatusOr<std::unique_ptr<agent::Workload>> {
      rig::v1::Workload inner_config = config;
      inner_config.set_kind("oltp_point_select");
      auto inner = agent::Catalogue::Default().Make(inner_config);
      if (!inner.ok()) return inner.status();
      return std::unique_ptr<agent::Workload>(
          new SlowVerify(std::move(inner->workload)));
    };
    r->Register(def);
    return new agent::Catalogue(*r, agent::ScenarioRegistry::Default());
  }();
  InProcessAgent a("a", catalogue), b("b", catalogue);
  coordinator::CoordinatorOptions options;
  options.agents = {a.address(), b.address()};
  rig::v1::Plan plan = TestPlan(2, "300ms");
  plan.mutable_workload()->set_kind("slow_verify");
  plan.mutable_agents()->set_on_agent_loss(rig::v1::AGENT_LOSS_POLICY_CONTINUE);
  plan.mutable_agents()->set_max_lost_agents(1);
  verifying = 0;
  coordinator::Coordinator coord(options, plan);
  auto run = std::async(std::launch::async, [&] { return coord.Run(); });
  for (int i = 0; i < 1000 && verifying.load() == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(verifying.load(), 1);  // one agent verifies: agent 0
  a.server->Shutdown(std::chrono::system_clock::now());
  auto report = run.get();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->status(), rig::v1::RUN_STATUS_INCOMPLETE);
  EXPECT_NE(report->error().find(absl::StrCat(
                "agent ", a.address(),
                " was lost before it sent the result of the verification")),
            std::string::npos)
      << report->error();
  EXPECT_TRUE(report->agents(0).lost());
  EXPECT_EQ(verifying.load(), 1);
}

// Agent 0 answers GetInfo and is gone when its Start is sent: agent 1 never
// gets a session. The run must end (it used to wait for agent 1 for ever,
// even after Stop).
TEST(SessionTest, AnAgentThatCannotStartEndsTheRunAndTheOthersAreNotStarted) {
  InProcessAgent a("a"), b("b");
  coordinator::CoordinatorOptions options;
  options.agents = {a.address(), b.address()};
  options.before_start = [&] {
    a.server->Shutdown(std::chrono::system_clock::now());
    // The coordinator's channel to a learns of the closed connection on its
    // own I/O thread; until it has, a Start could still be written into the
    // dying connection (and fail later, as a loss). Give it that moment.
    absl::SleepFor(absl::Milliseconds(300));
  };
  coordinator::Coordinator coord(options, TestPlan(2, "1s"));
  std::future<absl::StatusOr<rig::v1::Report>> result =
      std::async(std::launch::async, [&] { return coord.Run(); });
  if (result.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    ADD_FAILURE() << "Run() did not return within 30 s";
    std::_Exit(1);  // the future would wait for it for ever
  }
  auto report = result.get();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->status(), rig::v1::RUN_STATUS_INCOMPLETE);
  EXPECT_EQ(report->exit_code(), 4);
  ASSERT_EQ(report->agents_size(), 2);
  EXPECT_NE(report->agents(0).error().find("cannot start the session"),
            std::string::npos)
      << report->agents(0).error();
  EXPECT_NE(report->agents(1).error().find(
                "not started: the run stopped because agent " + a.address() +
                " could not start"),
            std::string::npos)
      << report->agents(1).error();
  // Agent b was never asked to run.
  EXPECT_EQ(b.driver.connects.load(), 0);
}

// on_agent_loss: continue tolerates max_lost_agents losses; one more stops
// the run.
TEST(SessionTest, LosingMoreAgentsThanMaxLostAgentsStopsTheRun) {
  InProcessAgent a("a"), b("b"), c("c");
  coordinator::CoordinatorOptions options;
  options.agents = {a.address(), b.address(), c.address()};
  rig::v1::Plan plan = TestPlan(3, "5s");
  plan.mutable_agents()->set_on_agent_loss(rig::v1::AGENT_LOSS_POLICY_CONTINUE);
  plan.mutable_agents()->set_max_lost_agents(1);
  coordinator::Coordinator coord(options, plan);
  auto run = std::async(std::launch::async, [&] { return coord.Run(); });
  // Every agent is running its load.
  for (int i = 0; i < 1000 && (b.driver.executes.load() == 0 ||
                               c.driver.executes.load() == 0);
       ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_GT(c.driver.executes.load(), 0);
  b.server->Shutdown(std::chrono::system_clock::now());  // 1 of 1 allowed
  c.server->Shutdown(std::chrono::system_clock::now());  // one too many
  auto report = run.get();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->status(), rig::v1::RUN_STATUS_INCOMPLETE);
  EXPECT_EQ(report->exit_code(), 4);
  EXPECT_TRUE(report->agents(1).lost());
  EXPECT_TRUE(report->agents(2).lost());
  EXPECT_FALSE(report->agents(0).lost());
  // The survivor was stopped, not left to run its 5 s.
  EXPECT_EQ(report->agents(0).final_state(), rig::v1::STATE_CANCELLED);
  EXPECT_NE(report->error().find(" lost: "), std::string::npos)
      << report->error();
}

// The open model end to end: the coordinator splits the rate by connections,
// and each agent's arrivals follow its share (the fake database keeps up
// with any rate, so what completes is what was scheduled).
rig::v1::Report RunOpenModel(const std::string& load_yaml) {
  InProcessAgent a("a"), b("b");
  coordinator::CoordinatorOptions options;
  options.agents = {a.address(), b.address()};
  auto plan = rig::plan::ParsePlan(
      "workload: {kind: oltp_point_select, tables: 1, table_size: 100}\n" +
          load_yaml,
      "test.yaml");
  EXPECT_TRUE(plan.ok()) << plan.status();
  coordinator::Coordinator coord(options, *plan);
  auto report = coord.Run();
  EXPECT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->status(), rig::v1::RUN_STATUS_PASSED) << report->error();
  return *report;
}

TEST(SessionTest, TheRateIsSplitByConnectionsAndEachAgentKeepsItsShare) {
  const rig::v1::Report r = RunOpenModel(
      "load: {connections: 3, rate: 600, duration: 2s, "
      "report_interval: 250ms}\n");
  ASSERT_EQ(r.agents_size(), 2);
  EXPECT_DOUBLE_EQ(r.agents(0).rate(), 400);  // 2 of 3 connections
  EXPECT_DOUBLE_EQ(r.agents(1).rate(), 200);
  for (int i = 0; i < 2; ++i) {
    const auto& s = r.agents(i).summary();
    const double achieved = s.counters().ops() * 1e6 / s.measured_us();
    EXPECT_NEAR(achieved, r.agents(i).rate(), 0.05 * r.agents(i).rate())
        << "agent " << i;
  }
}

TEST(SessionTest, PoissonArrivalsKeepTheMeanRate) {
  const rig::v1::Report r = RunOpenModel(
      "load: {connections: 2, rate: 1000, arrival: poisson, duration: 2s, "
      "report_interval: 250ms}\n");
  const double achieved =
      r.total().counters().ops() * 1e6 / r.total().measured_us();
  // 2,000 arrivals: the count's standard deviation is ~2%.
  EXPECT_NEAR(achieved, 1000, 100);
}

TEST(SessionTest, StagesChangeTheRateOnTheTimeline) {
  const rig::v1::Report r = RunOpenModel(
      "load: {connections: 2, report_interval: 250ms,\n"
      "       stages: [{duration: 1500ms, rate: 200}, "
      "{duration: 1500ms, rate: 800}]}\n");
  // Whole intervals well inside each stage (the first and the last are
  // partial at the edges).
  const int64_t start = r.intervals(0).start_offset_us();
  double first = 0, second = 0;
  int n_first = 0, n_second = 0;
  for (const auto& iv : r.intervals()) {
    const int64_t from = iv.start_offset_us() - start;
    const int64_t to = iv.end_offset_us() - start;
    if (to - from < 200000) continue;
    if (from >= 250000 && to <= 1250000) {
      first += iv.ops_per_sec();
      ++n_first;
    } else if (from >= 1750000 && to <= 2750000) {
      second += iv.ops_per_sec();
      ++n_second;
    }
  }
  ASSERT_GT(n_first, 1);
  ASSERT_GT(n_second, 1);
  EXPECT_NEAR(first / n_first, 200, 30);
  EXPECT_NEAR(second / n_second, 800, 80);
}

// An agent takes orders from any peer that passes the channel's checks:
// it bounds what one may ask of it.
TEST(SessionTest, AnAgentRefusesMoreConnectionsThanItsLimit) {
  InProcessAgent a(
      "a", &agent::Catalogue::Default(), 0,
      [](agent::AgentOptions& o) { o.limits.max_connections = 4; });
  coordinator::CoordinatorOptions options;
  options.agents = {a.address()};
  coordinator::Coordinator coord(options, TestPlan(100000, "1s"));
  auto report = coord.Run();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->status(), rig::v1::RUN_STATUS_INCOMPLETE);
  EXPECT_NE(report->agents(0).error().find(
                "the run asks this agent for 100000 database connections; "
                "it allows at most 4 (rig-agent --max-connections)"),
            std::string::npos)
      << report->agents(0).error();
  EXPECT_EQ(a.driver.connects.load(), 0);
  // The agent is free for a run within its limit.
  coordinator::Coordinator again(options, TestPlan(4, "200ms"));
  auto ok = again.Run();
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->status(), rig::v1::RUN_STATUS_PASSED) << ok->error();
}

// An agent limited to some databases does not connect anywhere else (not a
// port scanner for whoever reaches it), and says which flag would allow it.
TEST(SessionTest, AnAgentRefusesATargetOutsideItsAllowedTargets) {
  InProcessAgent a(
      "a", &agent::Catalogue::Default(), 0, [](agent::AgentOptions& o) {
        o.limits.allowed_targets_text = "10.0.0.0/8";
        o.limits.allowed_targets = *agent::ParseAllowedTargets("10.0.0.0/8");
      });
  coordinator::CoordinatorOptions options;
  options.agents = {a.address()};
  coordinator::Coordinator coord(options, TestPlan(2, "1s"));
  auto report = coord.Run();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->status(), rig::v1::RUN_STATUS_INCOMPLETE);
  EXPECT_NE(report->agents(0).error().find(
                "target 127.0.0.1:4000 is not one this agent may connect to "
                "(rig-agent --allowed-targets 10.0.0.0/8)"),
            std::string::npos)
      << report->agents(0).error();
  EXPECT_EQ(a.driver.connects.load(), 0);
}

// The threads of this process (Linux: /proc/self/status).
int ProcessThreads() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::atoi(line.c_str() + 8);
  }
  return -1;
}

// 500 peers that open a session and never send Start: the agent's server
// threads stay within its quota (the rest are refused at once), each
// silent session is closed after the start timeout, and the agent serves a
// real run afterwards.
TEST(SessionTest, SessionsThatNeverSendStartAreClosed) {
  InProcessAgent a("a", &agent::Catalogue::Default(), 0,
                   [](agent::AgentOptions& o) {
                     o.start_timeout = absl::Milliseconds(500);
                   });
  const int threads_before = ProcessThreads();
  auto channel =
      grpc::CreateChannel(a.address(), grpc::InsecureChannelCredentials());
  auto stub = rig::v1::AgentService::NewStub(channel);
  constexpr int kSilent = 500;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReaderWriter<
      rig::v1::CoordinatorMessage, rig::v1::AgentMessage>>>
      streams;
  for (int i = 0; i < kSilent; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    streams.push_back(stub->Session(contexts.back().get()));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const int threads_during = ProcessThreads();
  // Each is ended by the agent: closed after the timeout, or refused.
  int closed = 0;
  int refused = 0;
  for (auto& s : streams) {
    rig::v1::AgentMessage m;
    EXPECT_FALSE(s->Read(&m));
    const grpc::Status status = s->Finish();
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++refused;
    } else {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED)
          << status.error_message();
      ++closed;
    }
  }
  // How many were closed rather than refused depends on speed (a closed
  // session frees its thread for a queued one); each was ended, and the
  // threads stayed bounded, whatever the split.
  EXPECT_EQ(closed + refused, kSilent);
  // The server's threads are within its quota; gRPC's own (the client's
  // and the server's polling and timers) add about as many again. Without
  // the quota this is ~590, a thread per session.
  EXPECT_LT(threads_during - threads_before, 3 * agent::kMaxServerThreads)
      << "before " << threads_before << ", during " << threads_during;
  coordinator::CoordinatorOptions options;
  options.agents = {a.address()};
  coordinator::Coordinator coord(options, TestPlan(2, "200ms"));
  auto report = coord.Run();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->status(), rig::v1::RUN_STATUS_PASSED) << report->error();
}

TEST(SessionTest, PartialStartGoesOnWithTheAgentsThatAnswer) {
  InProcessAgent a("a");
  coordinator::CoordinatorOptions options;
  options.agents = {a.address(), "127.0.0.1:1"};
  options.connect_timeout = absl::Seconds(1);
  rig::v1::Plan plan = TestPlan(2, "300ms");
  plan.mutable_agents()->set_allow_partial_start(true);
  coordinator::Coordinator coord(options, plan);
  auto report = coord.Run();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->status(), rig::v1::RUN_STATUS_PASSED) << report->error();
  ASSERT_EQ(report->agents_size(), 1);
  EXPECT_EQ(report->agents(0).connections(), 2);
}

TEST(SessionTest, WeightByCoresSplitsConnectionsByTheAgentsCores) {
  InProcessAgent a("a", &agent::Catalogue::Default(), /*cores=*/1);
  InProcessAgent b("b", &agent::Catalogue::Default(), /*cores=*/7);
  coordinator::CoordinatorOptions options;
  options.agents = {a.address(), b.address()};
  rig::v1::Plan plan = TestPlan(10, "300ms");
  plan.mutable_agents()->set_weight_by_cores(true);
  coordinator::Coordinator coord(options, plan);
  auto report = coord.Run();
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->status(), rig::v1::RUN_STATUS_PASSED) << report->error();
  // One connection each, the other 8 split 1:7.
  EXPECT_EQ(report->agents(0).connections(), 2);
  EXPECT_EQ(report->agents(1).connections(), 8);
}

TEST(SessionTest, WeightByCoresGivesEveryAgentAtLeastOneConnection) {
  InProcessAgent a("a", &agent::Catalogue::Default(), /*cores=*/1);
  InProcessAgent b("b", &agent::Catalogue::Default(), /*cores=*/64);
  coordinator::CoordinatorOptions options;
  options.agents = {a.address(), b.address()};
  rig::v1::Plan plan = TestPlan(9, "300ms");
  plan.mutable_agents()->set_weight_by_cores(true);
  coordinator::Coordinator coord(options, plan);
  auto report = coord.Run();
  ASSERT_TRUE(report.ok()) << report.status();
  // 7 of 9 by weight 1:64 would give agent a nothing: it keeps its one.
  EXPECT_EQ(report->agents(0).connections(), 1);
  EXPECT_EQ(report->agents(1).connections(), 8);
}

TEST(SessionTest, WithoutWeightByCoresTheSplitIsEven) {
  InProcessAgent a("a", &agent::Catalogue::Default(), /*cores=*/1);
  InProcessAgent b("b", &agent::Catalogue::Default(), /*cores=*/7);
  coordinator::CoordinatorOptions options;
  options.agents = {a.address(), b.address()};
  coordinator::Coordinator coord(options, TestPlan(10, "300ms"));
  auto report = coord.Run();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->agents(0).connections(), 5);
  EXPECT_EQ(report->agents(1).connections(), 5);
}

TEST(SessionTest, DatabaseErrorFailsTheRunWithContext) {
  InProcessAgent a("a");
  a.driver.refuse_connections = true;
  coordinator::CoordinatorOptions options;
  options.agents = {a.address()};
  coordinator::Coordinator coord(options, TestPlan(1, "1s"));
  auto report = coord.Run();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->status(), rig::v1::RUN_STATUS_INCOMPLETE);
  EXPECT_EQ(report->agents(0).final_state(), rig::v1::STATE_FAILED);
  EXPECT_NE(report->agents(0).error().find("state=Connecting op=connect"),
            std::string::npos)
      << report->agents(0).error();
  EXPECT_NE(report->agents(0).error().find("server code 2002"),
            std::string::npos);
}

TEST(SessionTest, TheJournalHasEveryMergedIntervalAsTheRunGoes) {
  InProcessAgent a("a"), b("b");
  const std::string path = ::testing::TempDir() + "/session-journal.jsonl";
  rig::v1::Plan plan = TestPlan(2, "500ms");
  plan.mutable_report()->set_journal(path);
  coordinator::CoordinatorOptions options;
  options.agents = {a.address(), b.address()};
  coordinator::Coordinator coord(options, plan);
  auto report = coord.Run();
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->status(), rig::v1::RUN_STATUS_PASSED) << report->error();

  std::ifstream in(path);
  std::vector<rig::v1::JournalEntry> entries;
  for (std::string line; std::getline(in, line);) {
    rig::v1::JournalEntry e;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &e).ok())
        << line;
    entries.push_back(e);
  }
  ASSERT_GE(entries.size(), 4u);
  ASSERT_TRUE(entries.front().has_run_started());
  EXPECT_EQ(entries.front().run_started().run_id(), report->run_id());
  EXPECT_EQ(entries.front().run_started().agents_size(), 2);
  EXPECT_TRUE(entries.front().run_started().plan().target().password().empty());
  ASSERT_TRUE(entries.back().has_run_ended());
  EXPECT_EQ(entries.back().run_ended().status(), rig::v1::RUN_STATUS_PASSED);
  EXPECT_EQ(entries.back().run_ended().total().counters().ops(),
            report->total().counters().ops());
  int intervals = 0, ended = 0;
  int64_t ops = 0;
  for (const auto& e : entries) {
    intervals += e.has_interval();
    if (e.has_interval()) ops += e.interval().counters().ops();
    ended += e.has_agent_ended();
  }
  // Every interval of the report, with the same operations in total.
  EXPECT_EQ(intervals, report->intervals_size());
  EXPECT_EQ(ops, report->total().counters().ops());
  EXPECT_EQ(ended, 2);
}

// A full disk part-way through (/dev/full fails every write with ENOSPC):
// the journal stops, the run goes on, and the report says so.
TEST(SessionTest, AJournalThatCannotBeWrittenStopsAndTheReportSaysSo) {
  InProcessAgent a("a");
  rig::v1::Plan plan = TestPlan(1, "300ms");
  plan.mutable_report()->set_journal("/dev/full");
  coordinator::CoordinatorOptions options;
  options.agents = {a.address()};
  coordinator::Coordinator coord(options, plan);
  auto report = coord.Run();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_GT(report->total().counters().ops(), 0);
  EXPECT_EQ(report->journal_error(),
            "the run journal /dev/full stopped: No space left on device");
  EXPECT_EQ(report->status(), rig::v1::RUN_STATUS_INCOMPLETE);
  EXPECT_EQ(report->exit_code(), 4);
  EXPECT_EQ(report->error(), report->journal_error());
}

// A run that never starts (an agent unreachable) leaves the previous run's
// journal as it was.
TEST(SessionTest, ARunThatDoesNotStartKeepsThePreviousJournal) {
  const std::string path = ::testing::TempDir() + "/kept-journal.jsonl";
  { std::ofstream(path) << "{\"previous\": 1}\n"; }
  rig::v1::Plan plan = TestPlan(1, "300ms");
  plan.mutable_report()->set_journal(path);
  coordinator::CoordinatorOptions options;
  options.agents = {"127.0.0.1:1"};
  options.connect_timeout = absl::Seconds(1);
  coordinator::Coordinator coord(options, plan);
  ASSERT_FALSE(coord.Run().ok());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "{\"previous\": 1}\n");
}

TEST(SessionTest, AnUnwritableJournalIsNamedBeforeAnyAgentIsAsked) {
  InProcessAgent a("a");
  rig::v1::Plan plan = TestPlan(1, "200ms");
  plan.mutable_report()->set_journal("/nonexistent-dir/run.jsonl");
  coordinator::CoordinatorOptions options;
  options.agents = {a.address()};
  coordinator::Coordinator coord(options, plan);
  auto report = coord.Run();
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find(
                "cannot write the run journal /nonexistent-dir/run.jsonl"),
            std::string::npos)
      << report.status();
  EXPECT_EQ(a.driver.connects.load(), 0);
}

TEST(SessionTest, BreakerEventsLandOnTheCoordinatorTimeline) {
  InProcessAgent a("a");
  coordinator::CoordinatorOptions options;
  options.agents = {a.address()};
  // The fault is injected from the progress callback, on the coordinator's
  // thread, as it shows the first measured interval.
  bool injected = false;
  options.progress = [&](const std::string& line) {
    if (!injected && line.find("ops/s") != std::string::npos) {
      injected = true;
      // The region becomes unavailable (9005, a backoff error): the breaker
      // opens after 5 failures, microseconds later on the fake database.
      a.driver.fail_code = 9005;
      a.driver.fail_every = 1;
    }
  };
  // A warm-up of 1 s: a breaker origin taken at Running instead of the run's
  // start would shift every event by it, many intervals away. The breaker
  // judges the failure rate over its window, so it opens once the successes
  // from before the fault have left it: within the 200 ms window (failures
  // come 1 ms apart: a 1 ms backoff follows each).
  auto plan = rig::plan::ParsePlan(
      "workload: {kind: oltp_point_select, tables: 1, table_size: 100}\n"
      "load: {connections: 1, duration: 1500ms, warmup: 1s,\n"
      "       report_interval: 100ms}\n"
      "resilience:\n"
      "  retry: {max_attempts: 1, initial_backoff: 1ms, max_backoff: 1ms}\n"
      "  circuit_breaker: {failure_threshold: 5, min_requests: 5,\n"
      "                    window: 200ms, open_for: 200ms}\n",
      "test.yaml");
  ASSERT_TRUE(plan.ok()) << plan.status();
  coordinator::Coordinator coord(options, *plan);
  auto report = coord.Run();
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(injected);
  ASSERT_GT(report->intervals_size(), 2);
  ASSERT_FALSE(report->breaker_events().empty());
  // The fault began in the first interval with errors; the breaker opened
  // after it, within its window (200 ms) and some slack for a busy machine.
  int faulted = -1;
  for (int i = 0; i < report->intervals_size(); ++i) {
    if (report->intervals(i).counters().errors() > 0) {
      faulted = i;
      break;
    }
  }
  ASSERT_GT(faulted, 0) << "the first interval ran before the fault";
  const auto& first_open = report->breaker_events(0);
  EXPECT_EQ(first_open.event().to(), rig::v1::BREAKER_STATE_OPEN);
  EXPECT_GE(first_open.offset_us(),
            report->intervals(faulted).start_offset_us())
      << first_open.ShortDebugString();
  EXPECT_LE(first_open.offset_us(),
            report->intervals(faulted).end_offset_us() + 500000)
      << first_open.ShortDebugString();
  // Every event: after the fault, before the run's end.
  const int64_t last_end =
      report->intervals(report->intervals_size() - 1).end_offset_us();
  for (const auto& b : report->breaker_events()) {
    EXPECT_GE(b.offset_us(), report->intervals(faulted).start_offset_us())
        << b.ShortDebugString();
    EXPECT_LE(b.offset_us(), last_end) << b.ShortDebugString();
  }
}

}  // namespace
}  // namespace rig
