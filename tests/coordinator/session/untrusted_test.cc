// The coordinator against an agent that lies: a real gRPC server on
// 127.0.0.1:0 speaking the agent protocol with out-of-sequence intervals,
// counters at INT64_MAX, a flood of breaker events, two results and
// terminal escape sequences in every text it can put them in.

#include "coordinator/session/untrusted.h"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <thread>

#include "coordinator/report/terminal.h"
#include "coordinator/session/coordinator.h"
#include "grpcpp/grpcpp.h"
#include "plan/plan.h"
#include "rig/v1/agent.grpc.pb.h"

namespace rig::coordinator {
namespace {

constexpr char kEvil[] = "\x1b]0;owned\x07\x1b[2J\x1b[31m";

TEST(ScrubTest, TerminalControlsAreReplaced) {
  EXPECT_EQ(ScrubString("plain text, ünïcode ok"), "plain text, ünïcode ok");
  EXPECT_EQ(ScrubString("a\x1b[31mb"), "a?[31mb");
  EXPECT_EQ(ScrubString("line\nnext\ttab\rcr"), "line next tab cr");
  EXPECT_EQ(ScrubString(std::string("nul\0del\x7f", 8)), "nul?del?");
  // C1 controls as UTF-8: U+009B is a CSI on its own.
  EXPECT_EQ(ScrubString("x\xc2\x9b"
                        "31my"),
            "x?31my");
  EXPECT_EQ(ScrubString("\xc2\xa0"), "\xc2\xa0");  // U+00A0 stays
}

TEST(ScrubTest, EveryStringFieldOfAMessageIsScrubbed) {
  rig::v1::AgentMessage m;
  auto* r = m.mutable_result();
  r->mutable_error()->set_message(std::string("boom") + kEvil);
  auto* check = r->mutable_verification()->add_checks();
  check->set_name(std::string("n") + kEvil);
  (*r->mutable_counters()
        ->mutable_errors_by_class())[std::string("c") + kEvil] = 1;
  r->set_latency(std::string("\x1b\x00\x01", 3));  // bytes: left alone
  ScrubStrings(&m);
  const std::string text = m.DebugString();
  EXPECT_EQ(m.result().error().message().find('\x1b'), std::string::npos);
  EXPECT_EQ(m.result().verification().checks(0).name().find('\x1b'),
            std::string::npos);
  for (const auto& [k, v] : m.result().counters().errors_by_class()) {
    EXPECT_EQ(k.find('\x1b'), std::string::npos);
  }
  EXPECT_EQ(m.result().latency(), std::string("\x1b\x00\x01", 3));
}

// A fake agent: answers GetInfo with enough to be given a run, under its
// name; each kind plays its own Session.
class FakeAgent : public rig::v1::AgentService::Service {
 public:
  explicit FakeAgent(std::string name) : name_(std::move(name)) {}
  grpc::Status GetInfo(grpc::ServerContext*, const rig::v1::GetInfoRequest*,
                       rig::v1::AgentInfo* info) override {
    info->set_protocol_version(rig::v1::PROTOCOL_VERSION_CURRENT);
    info->set_name(name_);
    info->set_cores(1);
    info->add_workloads()->set_name("oltp_point_select");
    info->set_version(version_);
    return grpc::Status::OK;
  }

 protected:
  std::string version_ = "fake";

 private:
  const std::string name_;
};

class LyingAgent final : public FakeAgent {
 public:
  LyingAgent() : FakeAgent(std::string("liar") + kEvil) { version_ = kEvil; }

  grpc::Status Session(
      grpc::ServerContext*,
      grpc::ServerReaderWriter<rig::v1::AgentMessage,
                               rig::v1::CoordinatorMessage>* stream) override {
    rig::v1::CoordinatorMessage in;
    if (!stream->Read(&in) || !in.has_start()) return grpc::Status::OK;
    auto interval = [&](int64_t seq) {
      rig::v1::AgentMessage m;
      auto* iv = m.mutable_interval();
      iv->set_seq(seq);
      iv->set_start_offset_us(seq * 1000);
      iv->set_end_offset_us(seq * 1000 + 1000);
      iv->mutable_counters()->set_ops(std::numeric_limits<int64_t>::max());
      (*iv->mutable_counters()->mutable_errors_by_class())[kEvil] =
          std::numeric_limits<int64_t>::max();
      stream->Write(m);
    };
    interval(0);
    interval(0);  // again: refused
    interval(5);  // skips ahead: refused
    interval(1);  // the next: taken, and its sums saturate
    for (int i = 0; i < kMaxBreakerEvents + 500; ++i) {
      rig::v1::AgentMessage m;
      m.mutable_breaker_event()->set_reason(kEvil);
      m.mutable_breaker_event()->set_to(rig::v1::BREAKER_STATE_OPEN);
      stream->Write(m);
    }
    {
      rig::v1::AgentMessage m;
      m.mutable_progress()->set_what(kEvil);
      stream->Write(m);
    }
    for (int i = 0; i < 2; ++i) {  // the second result is refused
      rig::v1::AgentMessage m;
      auto* r = m.mutable_result();
      r->set_final_state(rig::v1::STATE_COMPLETED);
      r->mutable_counters()->set_ops(std::numeric_limits<int64_t>::max());
      auto* check = r->mutable_verification()->add_checks();
      check->set_name(std::string("check") + kEvil);
      check->set_status(rig::v1::CHECK_STATUS_PASSED);
      stream->Write(m);
    }
    return grpc::Status::OK;
  }
};

TEST(UntrustedAgentTest, ALyingAgentCannotCorruptTheReportOrTheTerminal) {
  // Two of them, so that their sums meet.
  LyingAgent service;
  grpc::ServerBuilder builder;
  int port1 = 0, port2 = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port1);
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port2);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  ASSERT_NE(port1, 0);
  ASSERT_NE(port2, 0);

  auto plan = rig::plan::ParsePlan(
      "workload: {kind: oltp_point_select}\n"
      "load: {connections: 2, duration: 1s}\n",
      "test.yaml");
  ASSERT_TRUE(plan.ok()) << plan.status();
  CoordinatorOptions options;
  options.agents = {"127.0.0.1:" + std::to_string(port1),
                    "127.0.0.1:" + std::to_string(port2)};
  std::vector<std::string> progress;
  options.progress = [&](const std::string& line) { progress.push_back(line); };
  Coordinator coord(options, *plan);
  auto report = coord.Run();
  server->Shutdown();
  ASSERT_TRUE(report.ok()) << report.status();

  // One interval per seq they should have sent; sums pinned at the
  // maximum (wrapped, INT64_MAX + INT64_MAX is -2).
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  ASSERT_EQ(report->intervals_size(), 2);
  EXPECT_EQ(report->intervals(0).counters().ops(), kMax);
  EXPECT_EQ(report->intervals(1).counters().ops(), kMax);
  EXPECT_EQ(report->total().counters().ops(), kMax);
  // Lists bounded, one result's checks per agent, every refusal counted.
  EXPECT_EQ(report->breaker_events_size(), kMaxBreakerEvents);
  EXPECT_EQ(report->verification().checks_size(), 2);
  EXPECT_EQ(report->agent_messages_refused(),
            2 * (2 + 1) + 2 * (kMaxBreakerEvents + 500) - kMaxBreakerEvents);
  // No escape sequence reaches the terminal or the report.
  const std::string summary = FormatSummary(*report);
  EXPECT_EQ(summary.find('\x1b'), std::string::npos) << summary;
  EXPECT_NE(summary.find(" message(s) from agents refused"), std::string::npos)
      << summary;
  EXPECT_EQ(report->DebugString().find("\\033"), std::string::npos);
  EXPECT_EQ(report->agents(0).name().find('\x1b'), std::string::npos);
  for (const auto& line : progress) {
    EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
  }
}

// An agent that ends its session with an error of its own wording and no
// result: it is lost, and its words reach the report and the terminal only
// scrubbed.
// A fake agent service served on 127.0.0.1:0; shut down (calls cut) when it
// goes out of scope.
template <typename Service>
struct Served {
  Served() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
  }
  ~Served() { server->Shutdown(gpr_now(GPR_CLOCK_MONOTONIC)); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
  Service service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

class VanishingAgent final : public FakeAgent {
 public:
  VanishingAgent() : FakeAgent("vanishing") {}
  grpc::Status Session(
      grpc::ServerContext*,
      grpc::ServerReaderWriter<rig::v1::AgentMessage,
                               rig::v1::CoordinatorMessage>* stream) override {
    rig::v1::CoordinatorMessage in;
    stream->Read(&in);
    return grpc::Status(grpc::StatusCode::UNKNOWN, std::string("gone") + kEvil);
  }
};

TEST(UntrustedAgentTest, ItsOwnErrorWordsAreScrubbedToo) {
  Served<VanishingAgent> vanishing;
  ASSERT_NE(vanishing.port, 0);
  auto plan = rig::plan::ParsePlan(
      "workload: {kind: oltp_point_select}\n"
      "load: {connections: 1, duration: 1s}\n",
      "test.yaml");
  ASSERT_TRUE(plan.ok()) << plan.status();
  CoordinatorOptions options;
  options.agents = {vanishing.address()};
  Coordinator coord(options, *plan);
  auto report = coord.Run();
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->agents_size(), 1);
  EXPECT_TRUE(report->agents(0).lost());
  EXPECT_NE(report->agents(0).error().find("gone"), std::string::npos)
      << report->agents(0).error();
  const std::string summary = FormatSummary(*report);
  EXPECT_EQ(summary.find('\x1b'), std::string::npos) << summary;
  EXPECT_EQ(report->error().find('\x1b'), std::string::npos);
}

// An agent that takes a Start and then only says it lives: it never stops
// and never reports (a wedged agent, or a hostile one).
class DeafAgent final : public FakeAgent {
 public:
  DeafAgent() : FakeAgent("deaf") {}
  grpc::Status Session(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<rig::v1::AgentMessage,
                               rig::v1::CoordinatorMessage>* stream) override {
    rig::v1::CoordinatorMessage in;
    if (!stream->Read(&in)) return grpc::Status::OK;
    for (int64_t seq = 1; !context->IsCancelled(); ++seq) {
      rig::v1::AgentMessage m;
      m.mutable_heartbeat()->set_seq(seq);
      if (!stream->Write(m)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return grpc::Status::OK;
  }
};

rig::v1::Plan DeafPlan(const std::string& duration) {
  auto plan = rig::plan::ParsePlan(
      "workload: {kind: oltp_point_select}\n"
      "load: {connections: 1, duration: " +
          duration + "}\n",
      "test.yaml");
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

// SIGTERM (Stop) ends the run within --stop-grace even when an agent never
// stops: its session is cut and the partial report says why.
TEST(UntrustedAgentTest, AStopEndsTheRunWithinTheStopGrace) {
  Served<DeafAgent> deaf;
  CoordinatorOptions options;
  options.agents = {deaf.address()};
  options.stop_grace = absl::Seconds(1);
  Coordinator coord(options, DeafPlan("1h"));
  const auto t0 = std::chrono::steady_clock::now();
  std::thread stopper([&coord] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    coord.Stop("coordinator received SIGTERM");
  });
  auto report = coord.Run();
  stopper.join();
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_LT(took, std::chrono::seconds(20)) << "the stop was not bounded";
  EXPECT_EQ(report->status(), rig::v1::RUN_STATUS_INCOMPLETE);
  EXPECT_EQ(report->error(), "coordinator received SIGTERM");
  EXPECT_NE(report->agents(0).error().find(
                "did not report within --stop-grace 1s of the stop "
                "(coordinator received SIGTERM): its session was cut"),
            std::string::npos)
      << report->agents(0).error();
}

// A run that never ends is stopped at its deadline (warm-up + measured time
// + --run-grace), then cut after the stop grace.
TEST(UntrustedAgentTest, ARunThatNeverEndsIsStoppedAtItsDeadline) {
  Served<DeafAgent> deaf;
  CoordinatorOptions options;
  options.agents = {deaf.address()};
  options.stop_grace = absl::Seconds(1);
  options.run_grace = absl::Seconds(1);
  Coordinator coord(options, DeafPlan("1s"));
  auto report = coord.Run();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->status(), rig::v1::RUN_STATUS_INCOMPLETE);
  EXPECT_EQ(report->error(),
            "the run passed its deadline (warm-up + measured time + "
            "--run-grace 1s)");
  EXPECT_TRUE(report->agents(0).lost());
}

// An agent that takes Start and then stops reading (wedged, or its network
// stalled): the coordinator's writes to it fill the flow-control windows.
class StalledAgent final : public FakeAgent {
 public:
  StalledAgent() : FakeAgent("stalled") {}
  grpc::Status Session(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<rig::v1::AgentMessage,
                               rig::v1::CoordinatorMessage>* stream) override {
    rig::v1::CoordinatorMessage in;
    stream->Read(&in);
    while (!context->IsCancelled()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return grpc::Status::CANCELLED;
  }
};

struct NoListener : SessionListener {
  void OnMessage(int, const rig::v1::AgentMessage&) override {}
  void OnEnded(int, const absl::Status&) override {}
};

// Sends happen under the coordinator's lock (heartbeats, barriers, stops):
// one agent that stops reading must not block them, or every agent's
// handling would stall behind it. 20 MB to an agent that reads nothing:
// each Send returns (queued), none blocks.
TEST(UntrustedAgentTest, AnAgentThatStopsReadingBlocksNoSend) {
  Served<StalledAgent> stalled;
  AgentClient client(0, stalled.address());
  NoListener listener;
  rig::v1::Start start;
  start.set_run_id("stalled");
  ASSERT_TRUE(client.Start(start, &listener).ok());
  rig::v1::CoordinatorMessage m;
  m.mutable_stop()->set_reason(std::string(1024, 'x'));
  for (int i = 0; i < 20000; ++i) ASSERT_TRUE(client.Send(m)) << i;
  EXPECT_GT(client.Queued(), 1000u)
      << "the writes did not wait: the agent took them all";
  client.Cancel();
  client.Join();
}

}  // namespace
}  // namespace rig::coordinator
