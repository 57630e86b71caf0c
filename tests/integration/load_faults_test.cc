// Faults that change the load itself (plan `faults:` pause_load and
// set_rate), end to end: a real coordinator and two real agents against
// the private MariaDB, in the open model at a modest rate. The spike's band
// holds ~3x the throughput and the rest ~1x; the pause's band holds
// nothing, no burst follows it, and the server's own count of statements
// agrees with the report's. Each fault is in the JSON report with its
// outcome and its end (the recover step that restored the plan's load).
//
// The assertions are loose on purpose (> 2x, < 1.5x, at most one operation
// per connection in a pause): a shared machine must not fail them.

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "tests/integration/real_rig.h"
#include "tests/support/com_counters.h"

namespace rig {
namespace {

constexpr double kRate = 200;  // ops/s in total, over two agents
constexpr int kConnections = 4;

class LoadFaultsTest : public RealRigTest {
 protected:
  // Runs an open-model point-select load of kRate for 7 s with 500 ms
  // intervals and `faults_yaml` on two agents; returns the coordinator's
  // exit code and fills *report and *out.
  int RunPlan(const std::string& tag, const std::string& faults_yaml,
              rig::v1::Report* report, std::string* out) {
    Agents fleet = StartAgents(tag, 2);
    EXPECT_FALSE(fleet.agents.empty());
    if (fleet.agents.empty()) return -1;
    const std::string report_path = absl::StrCat(*dir_, "/", tag, ".json");
    const std::string plan = WritePlan(
        tag + ".yaml",
        absl::StrCat(TargetYaml(),
                     "workload: {kind: oltp_point_select, table_size: 200, "
                     "prepare: recreate}\n"
                     "load: {connections: ",
                     kConnections, ", rate: ", kRate,
                     ", duration: 7s, report_interval: 500ms}\n", faults_yaml,
                     "report: {json: ", report_path, "}\n"));
    auto run =
        Coordinator({plan, "--agents", fleet.addresses}, server_->password());
    EXPECT_TRUE(run.ok()) << run.status();
    if (!run.ok()) return -1;
    *out = run->stdout_text + run->stderr_text;
    *report = ReadReport(report_path);
    return run->exit_code;
  }

  // The intervals wholly inside [from_us, to_us).
  static std::vector<const rig::v1::IntervalReport*> Inside(
      const rig::v1::Report& r, int64_t from_us, int64_t to_us) {
    std::vector<const rig::v1::IntervalReport*> out;
    for (const auto& iv : r.intervals()) {
      if (iv.start_offset_us() >= from_us && iv.end_offset_us() <= to_us) {
        out.push_back(&iv);
      }
    }
    return out;
  }

  // Full intervals wholly outside [from_us, to_us + 500 ms) (a spike's
  // backlog may drain just after it) and before the run's last one.
  static std::vector<const rig::v1::IntervalReport*> Outside(
      const rig::v1::Report& r, int64_t from_us, int64_t to_us) {
    std::vector<const rig::v1::IntervalReport*> out;
    for (int i = 0; i + 1 < r.intervals_size(); ++i) {
      const auto& iv = r.intervals(i);
      if (iv.end_offset_us() <= from_us ||
          iv.start_offset_us() >= to_us + 500000) {
        out.push_back(&iv);
      }
    }
    return out;
  }
};

TEST_F(LoadFaultsTest, SetRateTriplesTheLoadInsideItsBandOnly) {
  rig::v1::Report report;
  std::string out;
  const int code = RunPlan("spike",
                           "faults:\n"
                           "  - name: spike\n"
                           "    at: 2s\n"
                           "    duration: 2s\n"
                           "    action: {set_rate: {factor: 3}}\n",
                           &report, &out);
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(report.status(), rig::v1::RUN_STATUS_PASSED) << report.error();
  ASSERT_EQ(report.faults_size(), 1) << out;
  const rig::v1::FaultRecord& f = report.faults(0);
  EXPECT_EQ(f.action().what(), "set_rate: x3");
  EXPECT_TRUE(f.action().ok()) << f.action().DebugString();
  EXPECT_EQ(f.action().outcome(), "target rate 200 -> 600 ops/s on 2 agents");
  ASSERT_TRUE(f.has_recover()) << f.DebugString();
  EXPECT_EQ(f.recover().what(), "restore the plan's load");
  EXPECT_TRUE(f.recover().ok()) << f.recover().DebugString();
  EXPECT_EQ(f.recover().outcome(), "target rate 600 -> 200 ops/s on 2 agents");
  EXPECT_TRUE(f.recovery().from_end()) << f.recovery().DebugString();
  EXPECT_TRUE(f.recovery().has_baseline()) << f.recovery().DebugString();

  // Between the moment every agent had the new rate and the moment the old
  // one was restored: ~3x.
  const auto inside =
      Inside(report, f.action().end_offset_us(), f.recover().start_offset_us());
  ASSERT_GE(inside.size(), 2u) << report.DebugString();
  for (const auto* iv : inside) {
    EXPECT_GT(iv->ops_per_sec(), 2 * kRate) << iv->DebugString();
  }
  const auto outside =
      Outside(report, f.start_offset_us(), f.recover().end_offset_us());
  ASSERT_GE(outside.size(), 4u) << report.DebugString();
  for (const auto* iv : outside) {
    EXPECT_GT(iv->ops_per_sec(), 0.5 * kRate) << iv->DebugString();
    EXPECT_LT(iv->ops_per_sec(), 1.5 * kRate) << iv->DebugString();
  }
  EXPECT_EQ(report.total().counters().errors(), 0);
  // The terminal shows it on the timeline.
  EXPECT_NE(out.find("fault 1 \"spike\" #1"), std::string::npos) << out;
  EXPECT_NE(out.find("recover restore the plan's load -> target rate 600 -> "
                     "200 ops/s"),
            std::string::npos)
      << out;
}

TEST_F(LoadFaultsTest, PauseLoadStopsIssuingAndSkipsInsteadOfQueueing) {
  const auto before = testing::SettledComCounters(*server_, server_->user());
  ASSERT_TRUE(before.ok()) << before.status();
  rig::v1::Report report;
  std::string out;
  const int code = RunPlan("pause",
                           "faults:\n"
                           "  - name: pause\n"
                           "    at: 2s\n"
                           "    duration: 2s\n"
                           "    action: {pause_load: true}\n",
                           &report, &out);
  const auto after = testing::SettledComCounters(*server_, server_->user());
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(report.status(), rig::v1::RUN_STATUS_PASSED) << report.error();
  ASSERT_EQ(report.faults_size(), 1) << out;
  const rig::v1::FaultRecord& f = report.faults(0);
  EXPECT_EQ(f.action().what(), "pause_load");
  EXPECT_TRUE(f.action().ok()) << f.action().DebugString();
  EXPECT_EQ(f.action().outcome(), "paused on 2 agents");
  ASSERT_TRUE(f.has_recover()) << f.DebugString();
  EXPECT_TRUE(f.recover().ok()) << f.recover().DebugString();
  EXPECT_EQ(f.recover().outcome(), "resumed on 2 agents (200 ops/s)");
  // Judged from its end: the pause's own zero is not the worst point, and
  // the load came back at its rate.
  const rig::v1::FaultRecovery& r = f.recovery();
  EXPECT_TRUE(r.from_end()) << r.DebugString();
  EXPECT_GT(r.worst_ops_per_sec(), 0) << r.DebugString();

  // Once every agent had paused, until the load was restored: nothing new
  // started (at most the one operation each connection had under way).
  const auto inside =
      Inside(report, f.action().end_offset_us(), f.recover().start_offset_us());
  ASSERT_GE(inside.size(), 2u) << report.DebugString();
  int64_t ops_inside = 0;
  for (const auto* iv : inside) ops_inside += iv->counters().ops();
  EXPECT_LE(ops_inside, kConnections) << report.DebugString();
  // No burst after it (the pause's arrivals were skipped, not queued), and
  // ~1x outside it.
  const auto outside = Outside(report, f.start_offset_us(),
                               f.recover().end_offset_us() - 500000);
  ASSERT_GE(outside.size(), 4u) << report.DebugString();
  for (const auto* iv : outside) {
    EXPECT_GT(iv->ops_per_sec(), 0.5 * kRate) << iv->DebugString();
    EXPECT_LT(iv->ops_per_sec(), 1.5 * kRate) << iv->DebugString();
  }
  // The run measured ~5 s of load, not 7: the skipped arrivals are nowhere.
  const rig::v1::Counters& total = report.total().counters();
  EXPECT_EQ(total.errors(), 0);
  EXPECT_LT(total.ops(), 6.0 * kRate) << report.total().DebugString();
  // Nothing lost or counted twice: the server ran every statement the
  // report counts; its excess is the set-up's and the warm-up's selects.
  const int64_t server = after->at("select") - before->at("select");
  const int64_t reported = total.queries();
  EXPECT_GT(reported, 500);
  EXPECT_GE(server, reported) << server << " vs " << reported;
  EXPECT_LE(server - reported, reported / 200 + 50)
      << server << " vs " << reported;
}

// A closed-model plan with set_rate is refused before any agent is
// contacted, naming the key and its line.
TEST_F(LoadFaultsTest, SetRateInTheClosedModelIsRefusedUpFront) {
  const std::string plan = WritePlan(
      "closed.yaml", absl::StrCat(TargetYaml(),
                                  "workload: {kind: oltp_point_select}\n"
                                  "faults:\n"
                                  "  - duration: 1s\n"
                                  "    action: {set_rate: {factor: 3}}\n"));
  // An address nothing listens on: the refusal must come first.
  auto run = Coordinator({plan, "--agents", "127.0.0.1:1"}, "");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 2) << run->stderr_text;
  EXPECT_NE(run->stderr_text.find(":5: \"faults.0.action.set_rate\" changes "
                                  "the open model's rate"),
            std::string::npos)
      << run->stderr_text;
}

}  // namespace
}  // namespace rig
