#include "coordinator/offline/merge.h"

#include <gtest/gtest.h>

#include <random>

#include "absl/strings/match.h"
#include "tests/coordinator/offline/report_fixture.h"

namespace rig::coordinator {
namespace {

using testing::MakeReport;
using testing::Samples;

constexpr int64_t kStart = 1700000000000000;  // us since the epoch

Samples RandomRun(uint64_t seed, int intervals, int per_interval) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> dist(7.0, 1.2);  // ~0.1 ms to 50 ms
  Samples s(intervals);
  for (auto& iv : s) {
    for (int i = 0; i < per_interval; ++i) {
      iv.push_back(static_cast<int64_t>(dist(rng)) + 1);
    }
  }
  return s;
}

void ExpectSamePercentiles(const rig::v1::Latency& l, const Histogram& h) {
  EXPECT_EQ(l.count(), h.count());
  EXPECT_EQ(l.min_us(), h.min());
  EXPECT_EQ(l.p50_us(), h.ValueAtPercentile(50));
  EXPECT_EQ(l.p90_us(), h.ValueAtPercentile(90));
  EXPECT_EQ(l.p99_us(), h.ValueAtPercentile(99));
  EXPECT_EQ(l.p999_us(), h.ValueAtPercentile(99.9));
  EXPECT_EQ(l.max_us(), h.max());
  EXPECT_EQ(l.histogram(), h.Encode());
}

TEST(MergeTest, MergedPercentilesAreThoseOfAllSamplesPooled) {
  // Two coordinators of two and one agents; the second started 250 ms
  // later, so its intervals sit 250 ms later on the merged timeline.
  const Samples a1 = RandomRun(1, 5, 700), a2 = RandomRun(2, 5, 300);
  const Samples b1 = RandomRun(3, 5, 500);
  const rig::v1::Report a = MakeReport("ra", "plan", kStart, {a1, a2});
  const rig::v1::Report b = MakeReport("rb", "plan", kStart + 250000, {b1});
  auto merged = MergeReports({{"a.json", a}, {"b.json", b}});
  ASSERT_TRUE(merged.ok()) << merged.status();

  Histogram pooled;
  std::vector<Histogram> per_interval(5);
  for (const Samples* s : {&a1, &a2, &b1}) {
    for (size_t i = 0; i < s->size(); ++i) {
      for (int64_t v : (*s)[i]) {
        pooled.Record(v);
        per_interval[i].Record(v);
      }
    }
  }
  ExpectSamePercentiles(merged->total().latency(), pooled);
  EXPECT_EQ(merged->total().counters().ops(), pooled.count());
  EXPECT_EQ(merged->total().measured_us(), 5000000);
  EXPECT_DOUBLE_EQ(merged->total().ops_per_sec(), pooled.count() / 5.0);
  ASSERT_EQ(merged->intervals_size(), 5);
  for (int i = 0; i < 5; ++i) {
    const auto& iv = merged->intervals(i);
    EXPECT_EQ(iv.seq(), i);
    ExpectSamePercentiles(iv.latency(), per_interval[i]);
    EXPECT_EQ(iv.counters().ops(), per_interval[i].count());
    EXPECT_EQ(iv.agents_reporting(), 3);
    // a's interval i starts at 2 s + i s; b's 250 ms later.
    EXPECT_EQ(iv.start_offset_us(), 2000000 + i * 1000000);
    EXPECT_EQ(iv.end_offset_us(), 3000000 + i * 1000000 + 250000);
  }
  EXPECT_EQ(merged->agents_size(), 3);
  EXPECT_EQ(merged->status(), rig::v1::RUN_STATUS_PASSED);
  EXPECT_EQ(merged->run_id(), "merged:ra+rb");
  EXPECT_EQ(merged->started_at().seconds(), kStart / 1000000);
}

TEST(MergeTest, AgentsWithOneNameAreToldApartByRun) {
  const rig::v1::Report a = MakeReport("ra", "plan", kStart, {{{100}}});
  const rig::v1::Report b = MakeReport("rb", "plan", kStart, {{{200}}});
  auto merged = MergeReports({{"a.json", a}, {"b.json", b}});
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->agents(0).name(), "ra/agent-1");
  EXPECT_EQ(merged->agents(1).name(), "rb/agent-1");
}

TEST(MergeTest, ADifferentPlanIsRefusedNamingTheFileAndTheField) {
  const rig::v1::Report a = MakeReport("ra", "plan", kStart, {{{100}}});
  rig::v1::Report b = MakeReport("rb", "plan", kStart, {{{100}}});
  b.mutable_plan()->mutable_load()->set_connections(8);
  auto merged = MergeReports({{"a.json", a}, {"b.json", b}});
  ASSERT_FALSE(merged.ok());
  EXPECT_EQ(merged.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(merged.status().message(),
                                "b.json: not the plan of a.json"))
      << merged.status();
  EXPECT_TRUE(absl::StrContains(merged.status().message(), "connections"))
      << merged.status();
  // The report paths may differ: each coordinator writes its own.
  b = MakeReport("rb", "plan", kStart, {{{100}}});
  b.mutable_plan()->mutable_report()->set_json("elsewhere.json");
  EXPECT_TRUE(MergeReports({{"a.json", a}, {"b.json", b}}).ok());
}

TEST(MergeTest, AnIntervalWithoutItsHistogramIsRefused) {
  const rig::v1::Report a = MakeReport("ra", "plan", kStart, {{{100}}});
  rig::v1::Report b = MakeReport("rb", "plan", kStart, {{{100}, {200}}});
  b.set_schema_version(1);
  b.mutable_intervals(1)->mutable_latency()->clear_histogram();
  auto merged = MergeReports({{"a.json", a}, {"b.json", b}});
  ASSERT_FALSE(merged.ok());
  EXPECT_TRUE(absl::StrContains(merged.status().message(),
                                "b.json: interval 1: 1 samples but no stored "
                                "histogram"))
      << merged.status();
}

TEST(MergeTest, OneIncompleteRunMakesTheMergeIncompleteAndThresholdsApply) {
  rig::v1::Report a = MakeReport("ra", "plan", kStart, {{{100, 100}}});
  a.mutable_plan()->add_thresholds("p99 < 1ms");
  rig::v1::Report b = MakeReport("rb", "plan", kStart, {{{5000, 5000}}});
  b.mutable_plan()->add_thresholds("p99 < 1ms");
  auto merged = MergeReports({{"a.json", a}, {"b.json", b}});
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->status(), rig::v1::RUN_STATUS_THRESHOLDS_FAILED);
  EXPECT_EQ(merged->exit_code(), 1);
  b.set_status(rig::v1::RUN_STATUS_INCOMPLETE);
  b.set_error("agent lost");
  merged = MergeReports({{"a.json", a}, {"b.json", b}});
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->status(), rig::v1::RUN_STATUS_INCOMPLETE);
  EXPECT_TRUE(
      absl::StrContains(merged->error(), "b.json (run rb): agent lost"));
}

TEST(MergeTest, ErrorSamplesAndRoundsKeepTheReportsBounds) {
  rig::v1::Report a = MakeReport("ra", "plan", kStart, {{{100}}});
  rig::v1::Report b = MakeReport("rb", "plan", kStart + 1000000, {{{100}}});
  for (rig::v1::Report* r : {&a, &b}) {
    for (int i = 0; i < 80; ++i) r->add_error_samples()->set_agent("x");
    for (int i = 0; i < 1500; ++i) {
      auto* rec = r->add_scenario_rounds();
      rec->mutable_round()->set_round(i);
      rec->mutable_round()->set_start_offset_us(i * 1000);
      rec->mutable_round()->set_status(rig::v1::CHECK_STATUS_PASSED);
    }
    r->set_scenario_rounds_omitted(5);
  }
  auto merged = MergeReports({{"a.json", a}, {"b.json", b}});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->error_samples_size(), 100);
  EXPECT_EQ(merged->scenario_rounds_size(), 2000);
  EXPECT_EQ(merged->scenario_rounds_omitted(), 1000 + 10);
  // In time order on the merged timeline (b's moved by 1 s).
  for (int i = 1; i < merged->scenario_rounds_size(); ++i) {
    EXPECT_LE(merged->scenario_rounds(i - 1).round().start_offset_us(),
              merged->scenario_rounds(i).round().start_offset_us());
  }
}

TEST(MergeTest, OneReportIsNotAMerge) {
  const rig::v1::Report a = MakeReport("ra", "plan", kStart, {{{100}}});
  EXPECT_FALSE(MergeReports({{"a.json", a}}).ok());
}

// sysbench's read/write/other query counts: summed in the total, per
// interval and kept per agent, like every counter.
TEST(MergeTest, QueryKindsAddUp) {
  rig::v1::Report a = MakeReport("ra", "plan", kStart, {RandomRun(1, 3, 10)});
  rig::v1::Report b = MakeReport("rb", "plan", kStart, {RandomRun(2, 3, 10)});
  int64_t n = 1;
  for (rig::v1::Report* r : {&a, &b}) {
    r->mutable_total()->mutable_counters()->set_read_queries(1400 * n);
    r->mutable_total()->mutable_counters()->set_write_queries(400 * n);
    r->mutable_total()->mutable_counters()->set_other_queries(200 * n);
    r->mutable_agents(0)
        ->mutable_summary()
        ->mutable_counters()
        ->set_read_queries(1400 * n);
    for (auto& iv : *r->mutable_intervals()) {
      iv.mutable_counters()->set_read_queries(10 * n);
      iv.mutable_counters()->set_other_queries(n);
    }
    n *= 2;
  }
  auto merged = MergeReports({{"a.json", a}, {"b.json", b}});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->total().counters().read_queries(), 1400 * 3);
  EXPECT_EQ(merged->total().counters().write_queries(), 400 * 3);
  EXPECT_EQ(merged->total().counters().other_queries(), 200 * 3);
  ASSERT_EQ(merged->agents_size(), 2);
  EXPECT_EQ(merged->agents(1).summary().counters().read_queries(), 2800);
  ASSERT_EQ(merged->intervals_size(), 3);
  for (const auto& iv : merged->intervals()) {
    EXPECT_EQ(iv.counters().read_queries(), 30);
    EXPECT_EQ(iv.counters().other_queries(), 3);
  }
}

}  // namespace
}  // namespace rig::coordinator
