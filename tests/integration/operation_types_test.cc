// Results by kind and by operation type through the real coordinator and
// two real agents against the private MariaDB: oltp_read_write's
// read/write/other query counts (sysbench's "queries performed") agree with
// the server's Com_* counters and show in the summary and progress lines;
// workload sql's named statements are operation types whose counts add up
// to the total and agree with the server's.

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/integration/real_rig.h"
#include "tests/support/com_counters.h"

namespace rig {
namespace {

class OperationTypesTest : public RealRigTest {
 protected:
  struct Run {
    int exit_code = -1;
    std::string out;
    rig::v1::Report report;
    std::map<std::string, int64_t> server;  // Com_* deltas over the run
  };

  // Two agents run `body` (workload and extras) for 3 s on 4 connections,
  // without a warm-up; the server's Com_* counters are read around it.
  Run RunTwoAgents(const std::string& tag, const std::string& body) {
    Run run;
    auto before = testing::SettledComCounters(*server_, server_->user());
    EXPECT_TRUE(before.ok()) << before.status();
    if (!before.ok()) return run;
    const Agents fleet = StartAgents(tag, 2);
    if (fleet.agents.empty()) return run;
    const std::string report = absl::StrCat(*dir_, "/", tag, ".json");
    const std::string plan = WritePlan(
        tag + ".yaml",
        absl::StrCat(TargetYaml(), body,
                     "load: {connections: 4, duration: 3s, warmup: 0s, "
                     "report_interval: 500ms}\n",
                     "report: {json: ", report, "}\n"));
    auto result =
        Coordinator({plan, "--agents", fleet.addresses}, server_->password());
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok()) return run;
    run.exit_code = result->exit_code;
    run.out = result->stdout_text + result->stderr_text;
    if (!testing::ReadFile(report).empty()) run.report = ReadReport(report);
    auto after = testing::SettledComCounters(*server_, server_->user());
    EXPECT_TRUE(after.ok()) << after.status();
    if (!after.ok()) return run;
    for (const auto& [name, n] : *after)
      run.server[name] = n - before->at(name);
    return run;
  }

  // The server counted at least what the report says (it also counts the
  // statements beside the measured ones: loading, each connection's
  // set-up, the load before measuring began and as it stopped, statements
  // that failed) and not much more.
  static void ExpectServerCounted(const char* what, int64_t ours,
                                  int64_t server) {
    std::fprintf(stderr, "%s: report %lld, server %lld\n", what,
                 static_cast<long long>(ours), static_cast<long long>(server));
    EXPECT_GE(server, ours) << what;
    EXPECT_LE(server, ours + ours * 3 / 100 + 100) << what;
  }
};

// oltp_read_write: 14 reads, 4 writes, BEGIN and COMMIT per transaction,
// in the report as in the server's counters; the summary shows them as
// sysbench does and the progress lines per second.
TEST_F(OperationTypesTest, OltpQueriesPerformedAgreeWithTheServer) {
  const Run run = RunTwoAgents(
      "oltp-kinds",
      "workload: {kind: oltp_read_write, tables: 2, table_size: 2000, "
      "prepare: recreate}\n");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  const rig::v1::Counters& c = run.report.total().counters();
  ASSERT_GT(c.ops(), 100) << run.out;
  // Every successful transaction sent 20 statements that succeeded; the
  // failed ones (a deadlock between agents) some of theirs.
  EXPECT_GE(c.read_queries(), 14 * c.ops());
  EXPECT_GE(c.write_queries(), 4 * c.ops());
  EXPECT_GE(c.other_queries(), 2 * c.ops());
  EXPECT_LE(c.read_queries() + c.write_queries() + c.other_queries(),
            c.queries());
  ExpectServerCounted("Com_select", c.read_queries(), run.server.at("select"));
  ExpectServerCounted("Com_insert + Com_update + Com_delete", c.write_queries(),
                      run.server.at("insert") + run.server.at("update") +
                          run.server.at("delete"));
  ExpectServerCounted("Com_begin + Com_commit", c.other_queries(),
                      run.server.at("begin") + run.server.at("commit"));
  // The agents' shares and the intervals add up like every counter.
  int64_t agents = 0, intervals = 0;
  for (const auto& a : run.report.agents()) {
    agents += a.summary().counters().read_queries();
  }
  for (const auto& iv : run.report.intervals()) {
    intervals += iv.counters().read_queries();
  }
  EXPECT_EQ(agents, c.read_queries());
  EXPECT_EQ(intervals, c.read_queries());
  EXPECT_NE(run.out.find(absl::StrCat("queries performed:\n    read:")),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find(" (r/w/o "), std::string::npos) << run.out;
}

// Named statements: each an operation type, drawn by weight, in the report
// per type (counts adding up to the total, agreeing with the server), in
// the progress lines, and thresholds can name them.
TEST_F(OperationTypesTest, SqlNamedStatementsAreOperationTypes) {
  const Run run = RunTwoAgents("sql-types", R"yaml(workload:
  kind: sql
  prepare: recreate
  cleanup: true
  options:
    setup: ["CREATE TABLE IF NOT EXISTS kv (id BIGINT PRIMARY KEY, v VARCHAR(64))"]
    cleanup: ["DROP TABLE IF EXISTS kv"]
    statements:
      - {name: put, sql: "INSERT INTO kv VALUES ({key}, {val}) ON DUPLICATE KEY UPDATE v = {val}", weight: 1}
      - {name: get, sql: "SELECT v FROM kv WHERE id = {key}", weight: 3}
    params:
      key: {type: uniform, min: 1, max: 1000}
      val: {type: string, length: 12}
thresholds: ["get.p99 < 30s", "put.error_rate < 50%"]
)yaml");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  const rig::v1::Report& r = run.report;
  ASSERT_EQ(r.operations_size(), 2) << run.out;
  EXPECT_EQ(r.operations(0).type(), "put");
  EXPECT_EQ(r.operations(1).type(), "get");
  const int64_t puts = r.operations(0).summary().counters().ops();
  const int64_t gets = r.operations(1).summary().counters().ops();
  ASSERT_GT(puts + gets, 400) << run.out;
  EXPECT_EQ(puts + gets, r.total().counters().ops());
  EXPECT_EQ(r.operations(0).summary().counters().queries() +
                r.operations(1).summary().counters().queries(),
            r.total().counters().queries());
  EXPECT_NEAR(gets / double(puts + gets), 0.75, 0.05);
  EXPECT_GT(r.operations(1).summary().latency().p99_us(), 0);
  ExpectServerCounted("Com_select", gets, run.server.at("select"));
  ExpectServerCounted("Com_insert", puts, run.server.at("insert"));
  // Statements by kind, as for oltp_*: each get a read (a result set, found
  // or not); each put changed its row (a write), unless it wrote the value
  // the row had (other).
  const rig::v1::Counters& c = r.total().counters();
  EXPECT_EQ(c.read_queries(), gets);
  EXPECT_EQ(c.write_queries() + c.other_queries(), puts);
  EXPECT_GT(c.write_queries(), 0);
  ExpectServerCounted("read_queries", c.read_queries(),
                      run.server.at("select"));
  EXPECT_NE(run.out.find("queries performed:"), std::string::npos) << run.out;
  ASSERT_EQ(r.thresholds_size(), 2);
  EXPECT_TRUE(r.thresholds(0).passed()) << r.thresholds(0).message();
  EXPECT_TRUE(r.thresholds(1).passed()) << r.thresholds(1).message();
  ASSERT_GT(r.intervals_size(), 2);
  EXPECT_EQ(r.intervals(1).operations_size(), 2);
  EXPECT_NE(run.out.find("by operation:"), std::string::npos) << run.out;
  // The progress lines: each type's rate.
  EXPECT_NE(run.out.find(" | put "), std::string::npos) << run.out;
  EXPECT_NE(run.out.find(" get "), std::string::npos) << run.out;
}

}  // namespace
}  // namespace rig
