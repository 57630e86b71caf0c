// Twenty rig-agent processes on one rig-coordinator against the harness's
// private MariaDB: the merged report is the exact sum of the agents' own
// summaries, and the queries it reports are the SELECTs the server counted
// (SHOW GLOBAL STATUS Com_select).

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "rig/v1/report.pb.h"
#include "tests/integration/real_rig.h"
#include "tests/support/com_counters.h"

namespace rig {
namespace {

class FleetTest : public RealRigTest {
 protected:
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  // Twenty sanitized agents (10-20x slower) swamp 2 cores: five check the
  // same code there.
  static constexpr int kAgents = 5;
#else
  static constexpr int kAgents = 20;
#endif
  static constexpr int kConnections = 2 * kAgents;  // two per agent
  static constexpr int kTableSize = 20000;
};

TEST_F(FleetTest, TwentyAgentsAddUpAndTheServerCountsWhatTheyReport) {
  const absl::Time began = absl::Now();
  std::vector<std::unique_ptr<Subprocess>> agents;
  std::vector<std::string> addresses;
  for (int i = 0; i < kAgents; ++i) {
    int port = 0;
    agents.push_back(StartAgent(absl::StrCat("fleet-", i), &port));
    ASSERT_NE(agents.back(), nullptr) << "agent fleet-" << i;
    addresses.push_back(absl::StrCat("127.0.0.1:", port));
  }
  const std::string report_path = absl::StrCat(*dir_, "/fleet.json");
  // The server counts SELECTs the report leaves out: each connection's
  // set-up (SELECT CONNECTION_ID(), and SELECT VERSION() on an agent's
  // first: 60 here) and the load an agent runs before it measures. Even
  // without a warm-up an agent starts its workers in WarmingUp and begins
  // measuring on entering Running; with 20 agents and 40 busy connections on
  // 2 cores that moment is worth 250 to 800 SELECTs in all (60-250 ms from
  // entering WarmingUp to Running per agent). That is 0.5-0.6% of a 5 s run
  // and 0.1-0.4% of a 10 s one, so the run measures 10 s to stay within the
  // 0.5% allowed. Loading the table is INSERTs.
  const std::string plan = WritePlan(
      "fleet.yaml",
      absl::StrCat(
          "name: fleet\n", TargetYaml(),
          "workload: {kind: oltp_point_select, table_size: ", kTableSize,
          "}\n"
          "load: {connections: ",
          kConnections,
          ", duration: 10s, warmup: 0s, report_interval: 1s}\n"
          "thresholds: [\"errors == 0\"]\n"
          "report: {json: ",
          report_path, "}\n"));

  const auto before = testing::SettledComCounters(*server_, server_->user());
  ASSERT_TRUE(before.ok()) << before.status();
  auto run = Coordinator({plan, "--agents", absl::StrJoin(addresses, ",")},
                         server_->password());
  ASSERT_TRUE(run.ok()) << run.status();
  const auto after = testing::SettledComCounters(*server_, server_->user());
  ASSERT_TRUE(after.ok()) << after.status();
  const std::string output = run->stdout_text + run->stderr_text;

  EXPECT_EQ(run->exit_code, 0) << output;
  EXPECT_NE(run->stdout_text.find(": PASSED"), std::string::npos) << output;
  rig::v1::Report report;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  testing::ReadFile(report_path), &report)
                  .ok())
      << output;
  EXPECT_EQ(report.status(), rig::v1::RUN_STATUS_PASSED) << report.error();
  EXPECT_EQ(report.exit_code(), 0);
  EXPECT_FALSE(report.degraded());
  ASSERT_EQ(report.agents_size(), kAgents) << output;

  // The total is the exact sum of the twenty agents' summaries.
  int64_t ops = 0, queries = 0, errors = 0, rows = 0, latency_count = 0;
  int connections = 0;
  for (int i = 0; i < kAgents; ++i) {
    const rig::v1::AgentReport& agent = report.agents(i);
    const rig::v1::Counters& c = agent.summary().counters();
    EXPECT_EQ(agent.name(), absl::StrCat("fleet-", i));
    EXPECT_EQ(agent.final_state(), rig::v1::STATE_COMPLETED)
        << agent.name() << ": " << agent.error();
    EXPECT_FALSE(agent.lost()) << agent.name();
    EXPECT_EQ(agent.connections(), kConnections / kAgents) << agent.name();
    EXPECT_GT(c.ops(), 0) << agent.name() << " did nothing";
    ops += c.ops();
    queries += c.queries();
    errors += c.errors();
    rows += c.rows();
    latency_count += agent.summary().latency().count();
    connections += agent.connections();
  }
  const rig::v1::Counters& total = report.total().counters();
  EXPECT_EQ(total.ops(), ops) << "total ops " << total.ops() << " != " << ops
                              << ", the sum of the agents' summaries";
  EXPECT_EQ(total.queries(), queries)
      << "total queries " << total.queries() << " != " << queries
      << ", the sum of the agents' summaries";
  EXPECT_EQ(total.errors(), errors)
      << "total errors " << total.errors() << " != " << errors
      << ", the sum of the agents' summaries";
  EXPECT_EQ(total.rows(), rows)
      << "total rows " << total.rows() << " != " << rows
      << ", the sum of the agents' summaries";
  EXPECT_EQ(report.total().latency().count(), latency_count)
      << "total latency samples " << report.total().latency().count()
      << " != " << latency_count << ", the sum of the agents' summaries";
  EXPECT_EQ(connections, kConnections);
  // The merged intervals hold every measured operation, each once.
  int64_t interval_ops = 0, interval_queries = 0;
  for (const auto& interval : report.intervals()) {
    interval_ops += interval.counters().ops();
    interval_queries += interval.counters().queries();
  }
  EXPECT_EQ(interval_ops, total.ops())
      << "the " << report.intervals_size() << " merged intervals hold "
      << interval_ops << " ops, the total " << total.ops();
  EXPECT_EQ(interval_queries, total.queries())
      << "the " << report.intervals_size() << " merged intervals hold "
      << interval_queries << " queries, the total " << total.queries();
  // A point select is one statement reading one row (every id is loaded).
  EXPECT_EQ(total.errors(), 0);
  EXPECT_EQ(total.queries(), total.ops())
      << "queries " << total.queries() << " vs ops " << total.ops();
  EXPECT_EQ(total.rows(), total.ops())
      << "rows " << total.rows() << " vs ops " << total.ops();
  EXPECT_EQ(report.total().latency().count(), total.ops());

  // What the server counted: more than the report (the set-up and the start
  // of the load before measuring, above), never less.
  const int64_t server_selects = after->at("select") - before->at("select");
  const int64_t reported = total.queries();
  const int64_t excess = server_selects - reported;
  const std::string numbers = absl::StrCat(
      "the server's Com_select went ", before->at("select"), " -> ",
      after->at("select"), " (+", server_selects, "), the report counts ",
      reported, " queries (", ops, " ops on ", kAgents, " agents): ", excess,
      " apart, ", 100.0 * static_cast<double>(excess) / reported, "%");
  std::cout << "[ fleet ] " << numbers << "; the run took "
            << absl::FormatDuration(absl::Now() - began) << "\n";
  EXPECT_GT(reported, 1000) << numbers;
  EXPECT_GE(server_selects, reported)
      << "the report counts queries the server never saw: " << numbers;
  EXPECT_LE(std::abs(static_cast<double>(excess)), 0.005 * reported)
      << "the report and the server disagree by more than 0.5%: " << numbers;

  // Every agent loaded its share of the rows (after the snapshot: this is a
  // SELECT too).
  auto count = server_->Sql("SELECT COUNT(*) FROM rig.sbtest1");
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(count->substr(0, count->find('\n')), absl::StrCat(kTableSize));

  // Idle again, every agent ends cleanly on SIGTERM.
  for (auto& agent : agents) {
    EXPECT_EQ(agent->Terminate(absl::Seconds(10)), 0) << agent->argv()[4];
  }
}

}  // namespace
}  // namespace rig
