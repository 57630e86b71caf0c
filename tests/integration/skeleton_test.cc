// The walking skeleton end to end with real parts: a private MariaDB started
// here, two rig-agent processes and rig-coordinator, as a user runs them.
// One job: a run through the real binaries and what happens when an agent,
// the coordinator or a signal ends it early (a report that adds up, lost
// agents per policy, partial reports, freed connections). TLS runs are in
// tls_run_test.cc, scenario runs in scenarios_run_test.cc, the command
// line and its errors in cli_test.cc; new themes go to a file of their own
// on real_rig.h.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "rig/v1/report.pb.h"
#include "tests/integration/real_rig.h"
#include "tests/support/mariadb_server.h"
#include "tests/support/process.h"

namespace rig {
namespace {

class SkeletonTest : public RealRigTest {};

TEST_F(SkeletonTest, TwoAgentsRunPointSelectAndTheReportAddsUp) {
  int port1 = 0, port2 = 0;
  auto a1 = StartAgent("a1", &port1);
  auto a2 = StartAgent("a2", &port2);
  ASSERT_TRUE(a1 && a2);
  const std::string report_path = absl::StrCat(*dir_, "/report.json");
  const std::string plan = WritePlan(
      "plan.yaml",
      absl::StrCat("name: skeleton\n", TargetYaml(),
                   "workload: {kind: oltp_point_select, tables: 2, "
                   "table_size: 1000}\n"
                   "load: {connections: 5, duration: 2s, warmup: 500ms, "
                   "report_interval: 500ms}\n"
                   "report: {json: ",
                   report_path, "}\n"));
  auto run =
      Coordinator({plan, "--agents",
                   absl::StrCat("127.0.0.1:", port1, ",127.0.0.1:", port2)},
                  server_->password());
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 0) << run->stdout_text << run->stderr_text;
  // The terminal summary has a row per agent.
  EXPECT_NE(run->stdout_text.find("PASSED"), std::string::npos);
  EXPECT_NE(run->stdout_text.find("\na1 "), std::string::npos)
      << run->stdout_text;
  EXPECT_NE(run->stdout_text.find("\na2 "), std::string::npos)
      << run->stdout_text;
  // The password never reaches the output.
  EXPECT_EQ(run->stdout_text.find(server_->password()), std::string::npos);
  EXPECT_EQ(run->stderr_text.find(server_->password()), std::string::npos);

  rig::v1::Report report;
  google::protobuf::util::JsonParseOptions options;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  testing::ReadFile(report_path), &report, options)
                  .ok());
  EXPECT_EQ(report.status(), rig::v1::RUN_STATUS_PASSED) << report.error();
  ASSERT_EQ(report.agents_size(), 2);
  const auto& s1 = report.agents(0).summary().counters();
  const auto& s2 = report.agents(1).summary().counters();
  EXPECT_GT(s1.ops(), 0);
  EXPECT_GT(s2.ops(), 0);
  EXPECT_EQ(report.total().counters().ops(), s1.ops() + s2.ops());
  EXPECT_EQ(report.total().counters().queries(), s1.queries() + s2.queries());
  EXPECT_EQ(report.total().counters().errors(), 0);
  EXPECT_EQ(report.total().latency().count(), s1.ops() + s2.ops());
  EXPECT_EQ(report.agents(0).connections() + report.agents(1).connections(), 5);
  EXPECT_EQ(report.server().flavor(), "mariadb");
  EXPECT_TRUE(report.plan().target().password().empty());
  // Each agent loaded its half of every table.
  auto rows = server_->Sql("SELECT COUNT(*) FROM rig.sbtest1");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->substr(0, rows->find('\n')), "1000");

  // SIGTERM ends an idle agent cleanly.
  EXPECT_EQ(a1->Terminate(absl::Seconds(10)), 0);
  EXPECT_EQ(a2->Terminate(absl::Seconds(10)), 0);
  EXPECT_FALSE(testing::ProcessExists(a1->pid()));
  EXPECT_FALSE(testing::ProcessExists(a2->pid()));
  // The agents' connections are gone from the server.
  EXPECT_EQ(RigConnections(), 0);
}

TEST_F(SkeletonTest, SigintOnCoordinatorStopsAgentsAndWritesPartialReport) {
  auto run = StartLongRun("sigint");
  ASSERT_TRUE(run.ok()) << run.status();
  auto& coord = run->coordinator;
  auto& agent = run->agent;
  const std::string& report_path = run->report_path;
  const std::string& log = run->log;
  coord->Signal(SIGINT);
  auto code = coord->Wait(absl::Seconds(60));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 4) << testing::ReadFile(log);
  rig::v1::Report report;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  testing::ReadFile(report_path), &report)
                  .ok())
      << testing::ReadFile(log);
  EXPECT_EQ(report.status(), rig::v1::RUN_STATUS_INCOMPLETE);
  EXPECT_EQ(report.error(), "coordinator received SIGINT");
  ASSERT_EQ(report.agents_size(), 1);
  EXPECT_EQ(report.agents(0).final_state(), rig::v1::STATE_CANCELLED);
  EXPECT_GT(report.total().counters().ops(), 0);
  // The agent is free for the next run and holds no connections.
  EXPECT_TRUE(agent->Running());
  EXPECT_EQ(RigConnections(), 0);
}

TEST_F(SkeletonTest, CustomStateExampleRunsItsExtraState) {
  const std::string plan = WritePlan(
      "custom.yaml",
      absl::StrCat(TargetYaml(),
                   "workload: {kind: oltp_point_select, table_size: 500}\n"
                   "load: {connections: 2, duration: 1s}\n"));
  auto run =
      testing::RunCommand({RIG_CUSTOM_STATE_BIN, plan}, absl::Seconds(60),
                          {{"RIG_DB_PASSWORD", server_->password()}});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 0) << run->stdout_text << run->stderr_text;
  // Summary runs between Running and Verifying, and prints the totals.
  const std::string& out = run->stdout_text;
  const size_t running = out.find("state: Running\n");
  const size_t summary = out.find("state: Summary\nsummary: ");
  const size_t verifying = out.find("state: Verifying\n");
  ASSERT_NE(running, std::string::npos) << out;
  ASSERT_NE(summary, std::string::npos) << out;
  ASSERT_NE(verifying, std::string::npos) << out;
  EXPECT_LT(running, summary);
  EXPECT_LT(summary, verifying);
  EXPECT_EQ(out.find("summary: 0 ops"), std::string::npos) << out;
}

TEST_F(SkeletonTest, LostAgentWithContinuePolicyGivesADegradedReport) {
  LossRun r = KillOneAgent(
      "agents: {on_agent_loss: continue, max_lost_agents: 1}\n", "cont");
  EXPECT_EQ(r.exit_code, 0) << r.log;
  EXPECT_EQ(r.report.status(), rig::v1::RUN_STATUS_PASSED) << r.report.error();
  EXPECT_TRUE(r.report.degraded());
  ASSERT_EQ(r.report.agents_size(), 3);
  EXPECT_FALSE(r.report.agents(0).lost());
  EXPECT_FALSE(r.report.agents(1).lost());
  EXPECT_TRUE(r.report.agents(2).lost());
  EXPECT_EQ(r.report.agents(0).final_state(), rig::v1::STATE_COMPLETED);
  EXPECT_EQ(r.report.agents(1).final_state(), rig::v1::STATE_COMPLETED);
  // The lost agent's data up to its last interval is kept and counted.
  const int64_t lost_ops = r.report.agents(2).summary().counters().ops();
  EXPECT_GT(lost_ops, 0);
  EXPECT_EQ(r.report.total().counters().ops(),
            r.report.agents(0).summary().counters().ops() +
                r.report.agents(1).summary().counters().ops() + lost_ops);
}

// Agent 0 runs the global check and the cleanup; lost during the run,
// another agent runs them, so a degraded run is still verified and leaves no
// tables behind.
TEST_F(SkeletonTest, LosingAgentZeroStillVerifiesTheData) {
  LossRun r = KillOneAgent(
      "agents: {on_agent_loss: continue, max_lost_agents: 1}\n", "verify0",
      "workload: {kind: bank, table_size: 30, prepare: recreate, "
      "cleanup: true}\n",
      /*victim=*/0);
  EXPECT_EQ(r.exit_code, 0) << r.log;
  EXPECT_EQ(r.report.status(), rig::v1::RUN_STATUS_PASSED) << r.report.error();
  EXPECT_TRUE(r.report.degraded());
  ASSERT_EQ(r.report.agents_size(), 3);
  EXPECT_TRUE(r.report.agents(0).lost());
  bool balance_checked = false;
  for (const auto& check : r.report.verification().checks()) {
    // Checks are named after the agent that made them: agent 1 here.
    if (check.name() == "verify0-1: total balance") {
      balance_checked = true;
      EXPECT_EQ(check.status(), rig::v1::CHECK_STATUS_PASSED)
          << check.message();
    }
  }
  EXPECT_TRUE(balance_checked) << r.report.verification().DebugString();
  EXPECT_EQ(r.report.verification().status(), rig::v1::CHECK_STATUS_PASSED);
  EXPECT_NE(r.log.find("runs the verification in place of agent "),
            std::string::npos)
      << r.log;
  EXPECT_NE(r.log.find("runs the cleanup in place of agent "),
            std::string::npos)
      << r.log;
  auto left = server_->Sql(
      "SELECT COUNT(*) FROM information_schema.TABLES "
      "WHERE TABLE_SCHEMA='rig' AND TABLE_NAME='bank_accounts'");
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_EQ(left->substr(0, left->find('\n')), "0");
}

TEST_F(SkeletonTest, LostAgentWithAbortPolicyStopsTheRun) {
  LossRun r = KillOneAgent("", "abort");
  EXPECT_EQ(r.exit_code, 4) << r.log;
  EXPECT_EQ(r.report.status(), rig::v1::RUN_STATUS_INCOMPLETE);
  ASSERT_EQ(r.report.agents_size(), 3);
  EXPECT_TRUE(r.report.agents(2).lost());
  EXPECT_NE(r.report.error().find("lost"), std::string::npos)
      << r.report.error();
  // The other two were stopped and said so.
  EXPECT_EQ(r.report.agents(0).final_state(), rig::v1::STATE_CANCELLED);
  EXPECT_GT(r.report.agents(0).summary().counters().ops(), 0);
}

TEST_F(SkeletonTest, SigtermOnAgentSendsItsResultAndExits) {
  auto run = StartLongRun("sigterm");
  ASSERT_TRUE(run.ok()) << run.status();
  auto& coord = run->coordinator;
  auto& agent = run->agent;
  const std::string& report_path = run->report_path;
  agent->Signal(SIGTERM);
  auto agent_code = agent->Wait(absl::Seconds(30));
  ASSERT_TRUE(agent_code.ok());
  EXPECT_EQ(*agent_code, 0);
  auto code = coord->Wait(absl::Seconds(30));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 4);
  rig::v1::Report report;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  testing::ReadFile(report_path), &report)
                  .ok());
  ASSERT_EQ(report.agents_size(), 1);
  // Not lost: it said goodbye with its result, measured up to the end.
  EXPECT_FALSE(report.agents(0).lost());
  EXPECT_EQ(report.agents(0).final_state(), rig::v1::STATE_CANCELLED);
  EXPECT_NE(report.agents(0).error().find("SIGTERM"), std::string::npos)
      << report.agents(0).error();
  EXPECT_GT(report.total().counters().ops(), 0);
  EXPECT_EQ(RigConnections(), 0);
}

TEST_F(SkeletonTest, KilledCoordinatorMakesAgentsFreeTheirConnections) {
  int port = 0;
  auto agent = StartAgent("a-orphan", &port);
  ASSERT_TRUE(agent);
  const std::string journal = absl::StrCat(*dir_, "/orphan.jsonl");
  const std::string plan = WritePlan(
      "orphan.yaml",
      absl::StrCat(TargetYaml(),
                   "workload: {kind: oltp_point_select, table_size: 1000}\n"
                   "load: {connections: 3, duration: 5m, "
                   "report_interval: 200ms}\n"
                   "report: {journal: ",
                   journal, "}\n"));
  const std::string log = absl::StrCat(*dir_, "/coordinator-orphan.log");
  auto coord = StartMeasuringCoordinator(
      {plan, "--agents", absl::StrCat("127.0.0.1:", port)}, log);
  ASSERT_TRUE(coord.ok()) << coord.status();
  ASSERT_EQ(RigConnections(), 3);
  (*coord)->Signal(SIGKILL);
  (void)(*coord)->Wait(absl::Seconds(10));
  // Bound: the stream breaks at once when the process dies; a silent
  // coordinator (cut network) is noticed after agents.heartbeat_timeout (5s).
  EXPECT_EQ(RigConnections(), 0);
  EXPECT_TRUE(agent->Running());
  EXPECT_NE(
      testing::ReadFile(agent->log_path()).find("run ended in state Cancelled"),
      std::string::npos);
  // Nothing the coordinator had merged is lost: the journal has the run's
  // start and its intervals up to the kill, every line whole.
  std::vector<std::string> lines =
      absl::StrSplit(testing::ReadFile(journal), '\n', absl::SkipEmpty());
  ASSERT_GE(lines.size(), 2u);
  int intervals = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    rig::v1::JournalEntry e;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines[i], &e).ok())
        << lines[i];
    if (i == 0) {
      EXPECT_TRUE(e.has_run_started()) << lines[i];
    }
    EXPECT_FALSE(e.has_run_ended());
    intervals += e.has_interval();
  }
  EXPECT_GE(intervals, 1);
}

}  // namespace
}  // namespace rig
