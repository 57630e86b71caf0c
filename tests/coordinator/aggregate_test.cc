#include "coordinator/aggregate.h"

#include <gtest/gtest.h>

#include <random>

namespace rig::coordinator {
namespace {

TEST(AggregateTest, MergedIntervalsEqualThePooledHistogram) {
  constexpr int kAgents = 5;
  constexpr int kIntervals = 8;
  RunAggregate agg(kAgents);
  Histogram pooled;
  std::vector<Histogram> per_agent(kAgents);
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(6.0, 1.5);
  int64_t ops = 0;
  for (int seq = 0; seq < kIntervals; ++seq) {
    for (int a = 0; a < kAgents; ++a) {
      Histogram h;
      const int n = 100 + 37 * a + seq;
      for (int i = 0; i < n; ++i) {
        const auto v = static_cast<int64_t>(dist(rng)) + 1;
        h.Record(v);
        pooled.Record(v);
        per_agent[a].Record(v);
      }
      ops += n;
      rig::v1::IntervalStats s;
      s.set_seq(seq);
      s.set_start_offset_us(seq * 1000000);
      s.set_end_offset_us((seq + 1) * 1000000);
      s.mutable_counters()->set_ops(n);
      (*s.mutable_counters()->mutable_errors_by_code())[1213] = a;
      s.set_latency(h.Encode());
      s.set_service_latency(h.Encode());
      bool complete = false;
      ASSERT_TRUE(agg.AddInterval(a, s, kAgents, &complete).ok());
      EXPECT_EQ(complete, a == kAgents - 1);
    }
  }
  const rig::v1::Summary total = agg.Total();
  EXPECT_EQ(total.counters().ops(), ops);
  EXPECT_EQ(total.counters().errors_by_code().at(1213),
            kIntervals * (0 + 1 + 2 + 3 + 4));
  EXPECT_EQ(total.latency().histogram(), pooled.Encode());
  EXPECT_EQ(total.latency().p50_us(), pooled.ValueAtPercentile(50));
  EXPECT_EQ(total.latency().p99_us(), pooled.ValueAtPercentile(99));
  EXPECT_EQ(total.latency().p999_us(), pooled.ValueAtPercentile(99.9));
  EXPECT_EQ(total.latency().max_us(), pooled.max());
  EXPECT_EQ(total.measured_us(), kIntervals * 1000000);
  for (int a = 0; a < kAgents; ++a) {
    EXPECT_EQ(agg.AgentSummary(a).latency().histogram(), per_agent[a].Encode());
  }
  auto intervals = agg.Intervals();
  ASSERT_EQ(intervals.size(), static_cast<size_t>(kIntervals));
  EXPECT_EQ(intervals[3].agents_reporting(), kAgents);
}

TEST(AggregateTest, ResultTakesPrecedenceOverIntervals) {
  RunAggregate agg(1);
  Histogram h;
  h.Record(100);
  rig::v1::RunResult r;
  r.mutable_counters()->set_ops(1);
  r.set_latency(h.Encode());
  r.set_service_latency(h.Encode());
  r.set_measured_us(2000000);
  ASSERT_TRUE(agg.SetResult(0, r).ok());
  EXPECT_EQ(agg.Total().counters().ops(), 1);
  EXPECT_DOUBLE_EQ(agg.Total().ops_per_sec(), 0.5);
}

TEST(AggregateTest, CorruptHistogramIsRejected) {
  RunAggregate agg(1);
  rig::v1::IntervalStats s;
  s.set_latency("garbage");
  EXPECT_FALSE(agg.AddInterval(0, s, 1, nullptr).ok());
}

}  // namespace
}  // namespace rig::coordinator
