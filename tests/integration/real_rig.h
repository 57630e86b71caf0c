#pragma once

// The fixture of the end-to-end tests: a private MariaDB started for the
// suite (stopped and removed after it), real rig-agent and rig-coordinator
// processes, and helpers to start, signal and read them. Included by the
// integration test binaries, which define RIG_AGENT_BIN and
// RIG_COORDINATOR_BIN.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "rig/v1/report.pb.h"
#include "tests/support/mariadb_server.h"
#include "tests/support/process.h"

namespace rig {

using testing::MariaDbServer;
using testing::Subprocess;

// What a run with one agent SIGKILLed mid-run ended with.
struct LossRun {
  int exit_code = -1;
  rig::v1::Report report;
  std::string log;
};

class RealRigTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    // A failure here must fail every test, not skip it (gtest reports
    // tests of a suite whose set-up failed as skipped), so it is kept and
    // asserted in SetUp.
    auto server = MariaDbServer::Start();
    if (!server.ok()) {
      start_error_ = new std::string(server.status().ToString());
      return;
    }
    server_ = server->release();
    auto dir = testing::MakeTempDir("rig-skeleton-");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = new std::string(*dir);
  }
  static void TearDownTestSuite() {
    if (server_ == nullptr) return;
    const pid_t pid = server_->pid();
    const std::string db_dir = server_->dir();
    delete server_;
    server_ = nullptr;
    // The harness leaves nothing behind.
    EXPECT_FALSE(testing::ProcessExists(pid));
    EXPECT_NE(access(db_dir.c_str(), F_OK), 0) << db_dir << " still exists";
    testing::RemoveTree(*dir_);
    delete dir_;
  }

  // The port after `marker` ("... on 127.0.0.1:") in the log; 0 if absent.
  static int PortInLog(const std::string& log_path, const std::string& marker) {
    const std::string log = testing::ReadFile(log_path);
    const size_t at = log.find(marker);
    return at == std::string::npos
               ? 0
               : std::atoi(log.c_str() + at + marker.size());
  }

  // Starts rig-agent on 127.0.0.1 port 0 (the kernel picks a free port,
  // so parallel tests never race for one) and sets *port to the port it
  // bound, read from its "listening on" log line (bounded: 30 s).
  std::unique_ptr<Subprocess> StartAgent(
      const std::string& name, int* port,
      const std::vector<std::string>& extra_flags = {},
      const testing::EnvVars& env = {}) {
    std::vector<std::string> argv = {RIG_AGENT_BIN, "--listen", "127.0.0.1:0",
                                     "--name", name};
    argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
    auto agent =
        Subprocess::Start(argv, env, absl::StrCat(*dir_, "/", name, ".log"));
    EXPECT_TRUE(agent.ok()) << agent.status();
    if (!agent.ok()) return nullptr;
    *port = 0;
    for (int i = 0; i < 600 && *port == 0; ++i) {
      *port = PortInLog((*agent)->log_path(), " listening on 127.0.0.1:");
      if (*port > 0 || !(*agent)->Running()) break;
      absl::SleepFor(absl::Milliseconds(50));
    }
    EXPECT_GT(*port, 0) << name << " did not say where it listens: "
                        << testing::ReadFile((*agent)->log_path());
    return *port > 0 ? std::move(*agent) : nullptr;
  }

  // `n` agents named TAG-0, TAG-1 ... (StartAgent each); `addresses` is
  // what --agents takes. Empty `agents` when one did not start (StartAgent
  // said why).
  struct Agents {
    std::vector<std::unique_ptr<Subprocess>> agents;
    std::string addresses;  // "127.0.0.1:P1,127.0.0.1:P2"
  };
  Agents StartAgents(const std::string& tag, int n,
                     const std::vector<std::string>& extra_flags = {}) {
    Agents out;
    for (int i = 0; i < n; ++i) {
      int port = 0;
      auto agent = StartAgent(absl::StrCat(tag, "-", i), &port, extra_flags);
      if (agent == nullptr) return {};
      out.agents.push_back(std::move(agent));
      absl::StrAppend(&out.addresses, i ? "," : "", "127.0.0.1:", port);
    }
    return out;
  }

  // The JSON report at `path`; an empty Report (and a failure) when it is
  // missing or does not parse.
  static rig::v1::Report ReadReport(const std::string& path) {
    rig::v1::Report r;
    const std::string json = testing::ReadFile(path);
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &r).ok())
        << path << ": " << json.substr(0, 200);
    return r;
  }

  std::string WritePlan(const std::string& file, const std::string& body) {
    const std::string path = absl::StrCat(*dir_, "/", file);
    std::ofstream(path) << body;
    return path;
  }

  std::string TargetYaml() const {
    return absl::StrCat("target: {host: 127.0.0.1, port: ", server_->port(),
                        ", user: ", server_->user(),
                        ", database: ", server_->database(), "}\n");
  }

  absl::StatusOr<testing::CommandResult> Coordinator(
      std::vector<std::string> args, const std::string& password) {
    args.insert(args.begin(), RIG_COORDINATOR_BIN);
    return testing::RunCommand(args, absl::Seconds(120),
                               {{"RIG_DB_PASSWORD", password}});
  }

  // Starts three agents and a coordinator, SIGKILLs the third agent once the
  // run measures, and returns how the coordinator ended.
  // Three agents run `workload_yaml` for 4 s; agent `victim` is SIGKILLed
  // once the first interval is shown.
  LossRun KillOneAgent(
      const std::string& policy_yaml, const std::string& tag,
      const std::string& workload_yaml =
          "workload: {kind: oltp_point_select, table_size: 900}\n",
      int victim = 2) {
    LossRun out;
    Agents fleet = StartAgents(tag, 3);
    if (fleet.agents.empty()) return out;  // StartAgent said why
    const std::string report_path = absl::StrCat(*dir_, "/", tag, ".json");
    const std::string plan = WritePlan(
        tag + ".yaml",
        absl::StrCat(TargetYaml(), workload_yaml,
                     "load: {connections: 3, duration: 4s, "
                     "report_interval: 200ms}\n",
                     policy_yaml, "report: {json: ", report_path, "}\n"));
    const std::string log = absl::StrCat(*dir_, "/coordinator-", tag, ".log");
    auto coord = Subprocess::Start(
        {RIG_COORDINATOR_BIN, plan, "--agents", fleet.addresses},
        {{"RIG_DB_PASSWORD", server_->password()}}, log);
    EXPECT_TRUE(coord.ok()) << coord.status();
    if (!coord.ok()) return out;
    for (int i = 0;
         i < 600 && testing::ReadFile(log).find("ops/s") == std::string::npos;
         ++i) {
      if (!(*coord)->Running()) break;
      absl::SleepFor(absl::Milliseconds(50));
    }
    fleet.agents[victim]->Signal(SIGKILL);
    auto code = (*coord)->Wait(absl::Seconds(60));
    out.exit_code = code.ok() ? *code : -1;
    out.log = testing::ReadFile(log);
    out.report = ReadReport(report_path);
    return out;
  }

  // One agent and a coordinator running a 5-minute point-select plan (to be
  // interrupted), measuring when this returns; the report goes to
  // DIR/TAG.json.
  struct LongRun {
    std::unique_ptr<Subprocess> agent;
    std::unique_ptr<Subprocess> coordinator;
    std::string report_path;
    std::string log;
  };
  absl::StatusOr<LongRun> StartLongRun(const std::string& tag) {
    LongRun run;
    int port = 0;
    run.agent = StartAgent("a-" + tag, &port);
    if (run.agent == nullptr) return absl::InternalError("agent did not start");
    run.report_path = absl::StrCat(*dir_, "/", tag, ".json");
    const std::string plan = WritePlan(
        tag + ".yaml",
        absl::StrCat(TargetYaml(),
                     "workload: {kind: oltp_point_select, table_size: 1000}\n"
                     "load: {connections: 2, duration: 5m, "
                     "report_interval: 200ms}\n"
                     "report: {json: ",
                     run.report_path, "}\n"));
    run.log = absl::StrCat(*dir_, "/coordinator-", tag, ".log");
    auto coord = StartMeasuringCoordinator(
        {plan, "--agents", absl::StrCat("127.0.0.1:", port)}, run.log);
    if (!coord.ok()) return coord.status();
    run.coordinator = std::move(*coord);
    return run;
  }

  // Starts rig-coordinator with `args` (logging to `log`) and waits, bounded
  // (30 s), until its run measures (a progress line with ops/s).
  absl::StatusOr<std::unique_ptr<Subprocess>> StartMeasuringCoordinator(
      std::vector<std::string> args, const std::string& log) {
    args.insert(args.begin(), RIG_COORDINATOR_BIN);
    auto coord = Subprocess::Start(
        args, {{"RIG_DB_PASSWORD", server_->password()}}, log);
    if (!coord.ok()) return coord.status();
    for (int i = 0; i < 600; ++i) {
      if (testing::ReadFile(log).find("ops/s") != std::string::npos) {
        return coord;
      }
      if (!(*coord)->Running()) break;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return absl::DeadlineExceededError(absl::StrCat(
        "the run did not start measuring: ", testing::ReadFile(log)));
  }

  // Connections of the rig user on the server, once the count settles: the
  // server notices a closed connection asynchronously (bounded: 5 s).
  static int RigConnections() {
    int n = -1;
    for (int i = 0; i < 50; ++i) {
      auto out = server_->Sql(
          "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
          "WHERE USER='rig'");
      if (!out.ok()) return -1;
      n = std::stoi(*out);
      if (n == 0) break;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return n;
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr)
        << "private MariaDB did not start: " << *start_error_;
  }

  static inline MariaDbServer* server_ = nullptr;
  static inline std::string* start_error_ = nullptr;
  static inline std::string* dir_ = nullptr;
};

}  // namespace rig
