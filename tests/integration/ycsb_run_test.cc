// workload.kind: ycsb through the real coordinator and two real agents
// against the private MariaDB: results per operation type in the report,
// the server's own counters agreeing with them, inserts from both agents
// without a collision, and thresholds on one type.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/integration/real_rig.h"
#include "tests/support/com_counters.h"

namespace rig {
namespace {

class YcsbRunTest : public RealRigTest {
 protected:
  struct Run {
    int exit_code = -1;
    std::string out;
    rig::v1::Report report;
  };

  // Two agents run `workload` (a YAML flow map) for 3 s on 4 connections.
  Run RunYcsb(const std::string& tag, const std::string& workload,
              const std::string& extra = "") {
    Run run;
    const Agents fleet = StartAgents(tag, 2);
    if (fleet.agents.empty()) return run;
    const std::string report = absl::StrCat(*dir_, "/", tag, ".json");
    const std::string plan = WritePlan(
        tag + ".yaml",
        absl::StrCat(TargetYaml(), "workload: ", workload, "\n",
                     "load: {connections: 4, duration: 3s, warmup: 0s, "
                     "report_interval: 500ms}\n",
                     extra, "report: {json: ", report, "}\n"));
    auto result =
        Coordinator({plan, "--agents", fleet.addresses}, server_->password());
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok()) return run;
    run.exit_code = result->exit_code;
    run.out = result->stdout_text + result->stderr_text;
    // A plan refused before the run writes no report.
    if (!testing::ReadFile(report).empty()) run.report = ReadReport(report);
    return run;
  }

  static const rig::v1::OperationReport* Type(const rig::v1::Report& r,
                                              const std::string& name) {
    for (const auto& o : r.operations()) {
      if (o.type() == name) return &o;
    }
    return nullptr;
  }

  int64_t Rows() {
    auto out = server_->Sql(absl::StrCat("SELECT COUNT(*) FROM ",
                                         server_->database(), ".usertable"));
    return out.ok() ? std::atoll(out->c_str()) : -1;
  }
};

// Preset a: half reads, half updates, reported per type; the per-type
// counts add up to the total and agree with the server's Com_select and
// Com_update; a threshold on one type is judged on that type.
TEST_F(YcsbRunTest, WorkloadAReportsReadsAndUpdatesAsTheServerCountedThem) {
  auto before = testing::SettledComCounters(*server_, server_->user());
  ASSERT_TRUE(before.ok()) << before.status();
  const Run run = RunYcsb(
      "ycsb-a",
      "{kind: ycsb, table_size: 2000, prepare: recreate, options: {preset: a}}",
      "thresholds: [\"read.p99 < 30s\", \"update.error_rate < 1%\", "
      "\"scan.p99 < 30s\"]\n");
  auto after = testing::SettledComCounters(*server_, server_->user());
  ASSERT_TRUE(after.ok()) << after.status();
  // scan.p99 has no samples in workload a: that threshold fails (exit 1),
  // the other two pass.
  EXPECT_EQ(run.exit_code, 1) << run.out;
  const rig::v1::Report& r = run.report;
  ASSERT_EQ(r.operations_size(), 5) << run.out;
  const auto* read = Type(r, "read");
  const auto* update = Type(r, "update");
  ASSERT_NE(read, nullptr);
  ASSERT_NE(update, nullptr);
  const int64_t reads = read->summary().counters().ops();
  const int64_t updates = update->summary().counters().ops();
  ASSERT_GT(reads + updates, 2000) << run.out;
  EXPECT_EQ(reads + updates, r.total().counters().ops());
  EXPECT_NEAR(reads / double(reads + updates), 0.5, 0.03);
  EXPECT_EQ(Type(r, "insert")->summary().counters().ops(), 0);
  EXPECT_GT(read->summary().latency().p99_us(), 0);
  // The server counted at least the measured statements (the load's end
  // and loading add a little: the run has no warm-up).
  const int64_t selects = after->at("select") - before->at("select");
  const int64_t server_updates = after->at("update") - before->at("update");
  EXPECT_GE(selects, reads);
  EXPECT_LE(selects, reads + reads / 50 + 50);
  EXPECT_GE(server_updates, updates);
  EXPECT_LE(server_updates, updates + updates / 50 + 50);
  ASSERT_EQ(r.thresholds_size(), 3);
  EXPECT_TRUE(r.thresholds(0).passed()) << r.thresholds(0).message();
  EXPECT_TRUE(r.thresholds(1).passed()) << r.thresholds(1).message();
  EXPECT_FALSE(r.thresholds(2).passed()) << r.thresholds(2).message();
  EXPECT_NE(run.out.find("by operation:"), std::string::npos) << run.out;
  // Intervals carry the types too.
  ASSERT_GT(r.intervals_size(), 2);
  EXPECT_EQ(r.intervals(1).operations_size(), 5);
}

// Preset d: 5% inserts from both agents into one key space without a
// collision (a duplicate key would be error 1062), every insert a new row.
TEST_F(YcsbRunTest, InsertsFromTwoAgentsNeverCollide) {
  const Run d = RunYcsb(
      "ycsb-d",
      "{kind: ycsb, table_size: 1000, prepare: recreate, options: {preset: "
      "d}}");
  ASSERT_EQ(d.exit_code, 0) << d.out;
  const auto* inserts = Type(d.report, "insert");
  ASSERT_NE(inserts, nullptr);
  EXPECT_GT(inserts->summary().counters().ops(), 20);
  EXPECT_EQ(d.report.total().counters().errors(), 0) << d.out;
  // Every insert a new row; a few more than measured ran between the
  // start of the load and the start of measuring, or as it stopped.
  const int64_t rows = Rows();
  EXPECT_GE(rows, 1000 + inserts->summary().counters().ops());
  EXPECT_LE(rows, 1000 + inserts->summary().counters().ops() + 40);
  const double share = inserts->summary().counters().ops() /
                       double(d.report.total().counters().ops());
  EXPECT_NEAR(share, 0.05, 0.02);
}

// Preset e: scans of 1 to maxscanlength rows.
TEST_F(YcsbRunTest, ScansReadUpToMaxScanLengthRows) {
  const Run e = RunYcsb(
      "ycsb-e",
      "{kind: ycsb, table_size: 1000, prepare: recreate, options: {preset: "
      "e, maxscanlength: 10}}");
  ASSERT_EQ(e.exit_code, 0) << e.out;
  const auto* scans = Type(e.report, "scan");
  ASSERT_NE(scans, nullptr);
  ASSERT_GT(scans->summary().counters().ops(), 100);
  // 1 to 10 rows per scan (fewer only at the end of the key order).
  EXPECT_GT(scans->summary().counters().rows(),
            scans->summary().counters().ops() * 3);
  EXPECT_LE(scans->summary().counters().rows(),
            scans->summary().counters().ops() * 10);
}

TEST_F(YcsbRunTest, ABadPresetIsNamed) {
  const Run run = RunYcsb("ycsb-bad", "{kind: ycsb, options: {preset: g}}");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.out.find("preset \"g\" is not a, b, c, d, e or f"),
            std::string::npos)
      << run.out;
}

}  // namespace
}  // namespace rig
