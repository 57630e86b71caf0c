#include "coordinator/results/aggregate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace rig::coordinator {
namespace {

TEST(AggregateTest, MergedIntervalsEqualThePooledHistogram) {
  constexpr int kAgents = 5;
  constexpr int kIntervals = 8;
  RunAggregate agg(kAgents);
  Histogram pooled, pooled_service;
  std::vector<Histogram> per_agent(kAgents);
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(6.0, 1.5);
  int64_t ops = 0;
  for (int seq = 0; seq < kIntervals; ++seq) {
    for (int a = 0; a < kAgents; ++a) {
      Histogram h, service;
      const int n = 100 + 37 * a + seq;
      for (int i = 0; i < n; ++i) {
        const auto v = static_cast<int64_t>(dist(rng)) + 1;
        h.Record(v);
        pooled.Record(v);
        per_agent[a].Record(v);
        // Service time: a different sample (at most the response time), so
        // a swap of the two histograms anywhere in the merge shows.
        const int64_t sv = std::max<int64_t>(1, v / 3);
        service.Record(sv);
        pooled_service.Record(sv);
      }
      ops += n;
      rig::v1::IntervalStats s;
      s.set_seq(seq);
      s.set_start_offset_us(seq * 1000000);
      s.set_end_offset_us((seq + 1) * 1000000);
      s.mutable_counters()->set_ops(n);
      (*s.mutable_counters()->mutable_errors_by_code())[1213] = a;
      s.set_latency(h.Encode());
      s.set_service_latency(service.Encode());
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
  EXPECT_EQ(total.service_latency().histogram(), pooled_service.Encode());
  EXPECT_EQ(total.service_latency().p99_us(),
            pooled_service.ValueAtPercentile(99));
  EXPECT_NE(total.latency().histogram(), total.service_latency().histogram());
  EXPECT_EQ(total.measured_us(), kIntervals * 1000000);
  for (int a = 0; a < kAgents; ++a) {
    EXPECT_EQ(agg.AgentSummary(a).latency().histogram(), per_agent[a].Encode());
  }
  auto intervals = agg.Intervals();
  ASSERT_EQ(intervals.size(), static_cast<size_t>(kIntervals));
  EXPECT_EQ(intervals[3].agents_reporting(), kAgents);
}

rig::v1::IntervalStats IntervalOf(int64_t seq, const Histogram& h) {
  rig::v1::IntervalStats s;
  s.set_seq(seq);
  s.set_start_offset_us(seq * 1000000);
  s.set_end_offset_us((seq + 1) * 1000000);
  s.mutable_counters()->set_ops(h.count());
  s.set_latency(h.Encode());
  return s;
}

// An hour of 1 s intervals from 2 agents; `spill_dir` as RunAggregate's.
// Returns each interval's pooled histogram.
std::vector<Histogram> AnHourOfIntervals(RunAggregate& agg) {
  constexpr int kIntervals = 3600;
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(6.5, 1.0);  // ~0.1 to 20 ms
  std::vector<Histogram> pooled(kIntervals);
  for (int seq = 0; seq < kIntervals; ++seq) {
    for (int a = 0; a < 2; ++a) {
      Histogram h;
      for (int i = 0; i < 400; ++i) h.Record(static_cast<int64_t>(dist(rng)));
      pooled[seq].Merge(h);
      EXPECT_TRUE(agg.AddInterval(a, IntervalOf(seq, h), 2, nullptr).ok());
    }
  }
  return pooled;
}

void ExpectTheHourIsWhole(const RunAggregate& agg,
                          const std::vector<Histogram>& pooled) {
  const int kIntervals = static_cast<int>(pooled.size());
  const auto intervals = agg.Intervals();
  ASSERT_EQ(intervals.size(), static_cast<size_t>(kIntervals));
  for (int seq : {0, 1799, kIntervals - 1}) {
    const rig::v1::Latency& l = intervals[seq].latency();
    EXPECT_EQ(l.count(), pooled[seq].count());
    EXPECT_EQ(l.p50_us(), pooled[seq].ValueAtPercentile(50));
    EXPECT_EQ(l.p99_us(), pooled[seq].ValueAtPercentile(99));
    EXPECT_EQ(l.max_us(), pooled[seq].max());
    EXPECT_EQ(l.histogram(), pooled[seq].Encode());
  }
  // Progress and journal lines go without the histogram.
  EXPECT_TRUE(agg.Interval(0).latency().histogram().empty());
  EXPECT_EQ(agg.Interval(1799).latency().count(), pooled[1799].count());
  EXPECT_TRUE(agg.SpillReadError().empty()) << agg.SpillReadError();
}

// Closed intervals go to the spill file: what stays in memory is their
// place (~64 bytes each), so a night-long run does not grow the coordinator
// by the intervals its report will carry (~1.3 KiB each here, in the file).
TEST(AggregateTest, AnHourOfClosedIntervalsLiesInTheSpillFileNotInMemory) {
  RunAggregate agg(2);
  const std::vector<Histogram> pooled = AnHourOfIntervals(agg);
  const size_t n = pooled.size();
  EXPECT_TRUE(agg.SpillWriteError().empty()) << agg.SpillWriteError();
  EXPECT_LT(agg.IntervalBytesInMemory(), n * 128);
  EXPECT_GT(agg.SpilledBytes(), static_cast<int64_t>(n * 1024));
  ExpectTheHourIsWhole(agg, pooled);
}

// Without a spill file (its directory is missing), closed intervals stay in
// memory: nothing is lost, and it is said.
TEST(AggregateTest, WithoutASpillFileClosedIntervalsStayInMemory) {
  RunAggregate agg(2, {}, "/nonexistent/spill-dir");
  const std::vector<Histogram> pooled = AnHourOfIntervals(agg);
  const size_t n = pooled.size();
  EXPECT_NE(agg.SpillWriteError().find("/nonexistent/spill-dir"),
            std::string::npos)
      << agg.SpillWriteError();
  EXPECT_EQ(agg.SpilledBytes(), 0);
  EXPECT_GT(agg.IntervalBytesInMemory(), n * 1024);
  EXPECT_LT(agg.IntervalBytesInMemory(), n * 4096 + 16 * 64 * 1024);
  ExpectTheHourIsWhole(agg, pooled);
}

TEST(AggregateTest, AnIntervalClosedEarlyStillMergesALateAdditionExactly) {
  RunAggregate agg(2);
  std::mt19937_64 rng(9);
  std::lognormal_distribution<double> dist(7.0, 1.5);
  auto sample = [&] {
    Histogram h;
    for (int i = 0; i < 500; ++i) h.Record(static_cast<int64_t>(dist(rng)));
    return h;
  };
  // Agent 0 runs ahead by more than kOpenBehind: its early intervals close
  // with agent 1's part still missing.
  std::vector<Histogram> pooled;
  for (int seq = 0; seq < 2 * RunAggregate::kOpenBehind + 2; ++seq) {
    pooled.push_back(sample());
    ASSERT_TRUE(
        agg.AddInterval(0, IntervalOf(seq, pooled[seq]), 2, nullptr).ok());
  }
  const size_t closed_bytes = agg.IntervalBytesInMemory();
  const Histogram late = sample();
  pooled[0].Merge(late);
  bool complete = false;
  ASSERT_TRUE(agg.AddInterval(1, IntervalOf(0, late), 2, &complete).ok());
  EXPECT_TRUE(complete);
  const rig::v1::IntervalReport iv = agg.Interval(0);
  EXPECT_EQ(iv.agents_reporting(), 2);
  EXPECT_EQ(iv.latency().count(), pooled[0].count());
  EXPECT_EQ(iv.latency().p50_us(), pooled[0].ValueAtPercentile(50));
  EXPECT_EQ(iv.latency().p999_us(), pooled[0].ValueAtPercentile(99.9));
  EXPECT_EQ(iv.latency().max_us(), pooled[0].max());
  // Closed again once complete.
  EXPECT_LT(agg.IntervalBytesInMemory(), closed_bytes + 4096);
}

TEST(AggregateTest, AnAdditionLongAfterItsIntervalClosedStillMergesExactly) {
  RunAggregate agg(2);
  Histogram h;
  h.RecordN(1000, 10);
  const int64_t last = 300 + 2 * RunAggregate::kOpenBehind;
  for (int64_t seq = 0; seq <= last; ++seq) {
    ASSERT_TRUE(agg.AddInterval(0, IntervalOf(seq, h), 1, nullptr).ok());
  }
  Histogram slow;
  slow.RecordN(900000, 10);
  ASSERT_TRUE(agg.AddInterval(1, IntervalOf(0, slow), 1, nullptr).ok());
  const rig::v1::IntervalReport iv = agg.Interval(0, true);
  EXPECT_EQ(iv.counters().ops(), 20);
  EXPECT_EQ(iv.latency().max_us(), 900000);
  Histogram pooled = h;
  pooled.Merge(slow);
  EXPECT_EQ(iv.latency().histogram(), pooled.Encode());
}

// The same with operation types: a closed interval read back from the spill
// file merges a late addition per type too, and keeps its rates.
TEST(AggregateTest, ALateAdditionMergesPerOperationTypeToo) {
  RunAggregate agg(2);
  auto typed = [](int64_t seq, const Histogram& h, const char* type) {
    rig::v1::IntervalStats s = IntervalOf(seq, h);
    rig::v1::OperationStats* o = s.add_operations();
    o->set_type(type);
    o->mutable_counters()->set_ops(h.count());
    o->set_latency(h.Encode());
    return s;
  };
  Histogram h;
  h.RecordN(1000, 10);
  const int64_t last = 2 * RunAggregate::kOpenBehind + 2;
  for (int64_t seq = 0; seq <= last; ++seq) {
    ASSERT_TRUE(agg.AddInterval(0, typed(seq, h, "read"), 2, nullptr).ok());
  }
  Histogram slow;
  slow.RecordN(900000, 4);
  bool complete = false;
  ASSERT_TRUE(agg.AddInterval(1, typed(0, slow, "read"), 2, &complete).ok());
  EXPECT_TRUE(complete);
  const rig::v1::IntervalReport iv = agg.Interval(0, true);
  ASSERT_EQ(iv.operations_size(), 1);
  const rig::v1::OperationInterval& read = iv.operations(0);
  EXPECT_EQ(read.type(), "read");
  EXPECT_EQ(read.counters().ops(), 14);
  EXPECT_DOUBLE_EQ(read.ops_per_sec(), 14.0);  // each agent's, summed
  Histogram pooled = h;
  pooled.Merge(slow);
  EXPECT_EQ(read.latency().histogram(), pooled.Encode());
  EXPECT_EQ(read.latency().max_us(), 900000);
  EXPECT_EQ(iv.agents_reporting(), 2);
}

TEST(AggregateTest, ResultTakesPrecedenceOverIntervals) {
  RunAggregate agg(1);
  // Two intervals first: 10 operations at 50us and 70us...
  Histogram early;
  for (int i = 0; i < 5; ++i) early.Record(50);
  for (int i = 0; i < 5; ++i) early.Record(70);
  for (int seq = 0; seq < 2; ++seq) {
    rig::v1::IntervalStats s;
    s.set_seq(seq);
    s.set_start_offset_us(seq * 500000);
    s.set_end_offset_us((seq + 1) * 500000);
    s.mutable_counters()->set_ops(10);
    s.set_latency(early.Encode());
    s.set_service_latency(early.Encode());
    ASSERT_TRUE(agg.AddInterval(0, s, 1, nullptr).ok());
  }
  ASSERT_EQ(agg.Total().counters().ops(), 20);
  // ...then the agent's result, which covers the whole measured phase (the
  // intervals may miss the last partial one): it alone counts.
  Histogram h, service;
  h.Record(100);
  service.Record(40);
  rig::v1::RunResult r;
  r.mutable_counters()->set_ops(1);
  r.set_latency(h.Encode());
  r.set_service_latency(service.Encode());
  r.set_measured_us(2000000);
  ASSERT_TRUE(agg.SetResult(0, r).ok());
  EXPECT_EQ(agg.Total().counters().ops(), 1);
  EXPECT_DOUBLE_EQ(agg.Total().ops_per_sec(), 0.5);
  EXPECT_EQ(agg.Total().latency().histogram(), h.Encode());
  EXPECT_EQ(agg.Total().service_latency().histogram(), service.Encode());
  EXPECT_EQ(agg.AgentSummary(0).counters().ops(), 1);
  // The intervals stay what they were on the timeline.
  ASSERT_EQ(agg.Intervals().size(), 2u);
  EXPECT_EQ(agg.Intervals()[0].counters().ops(), 10);
}

// Per operation type: each type's counters and histogram, per interval and
// over the run, equal those of its samples pooled across agents; types keep
// the order agents send them in; a bad type histogram leaves nothing added;
// past kMaxTypes names are not taken.
TEST(AggregateTest, OperationTypesMergeExactlyPerIntervalAndInTotal) {
  constexpr int kAgents = 3;
  const std::vector<std::string> kTypes = {"new_order", "payment", "delivery"};
  RunAggregate agg(kAgents);
  std::vector<Histogram> pooled(kTypes.size());
  std::vector<std::vector<Histogram>> per_interval(
      2, std::vector<Histogram>(kTypes.size()));
  std::vector<int64_t> ops(kTypes.size()), rollbacks(kTypes.size());
  std::mt19937_64 rng(7);
  for (int seq = 0; seq < 2; ++seq) {
    for (int a = 0; a < kAgents; ++a) {
      rig::v1::IntervalStats s;
      s.set_seq(seq);
      s.set_start_offset_us(seq * 1000000);
      s.set_end_offset_us((seq + 1) * 1000000);
      Histogram all;
      for (size_t t = 0; t < kTypes.size(); ++t) {
        Histogram h;
        // Each type its own range, so a mix-up of types shows.
        std::uniform_int_distribution<int64_t> d(1000 * (t + 1),
                                                 3000 * (t + 1));
        const int n = 50 + 10 * a + 5 * static_cast<int>(t);
        for (int i = 0; i < n; ++i) {
          const int64_t v = d(rng);
          h.Record(v);
          all.Record(v);
          pooled[t].Record(v);
          per_interval[seq][t].Record(v);
        }
        rig::v1::OperationStats* os = s.add_operations();
        os->set_type(kTypes[t]);
        os->mutable_counters()->set_ops(n);
        os->mutable_counters()->set_rollbacks(t == 0 ? a : 0);
        os->set_latency(h.Encode());
        ops[t] += n;
        rollbacks[t] += t == 0 ? a : 0;
      }
      s.mutable_counters()->set_ops(all.count());
      s.mutable_counters()->set_rollbacks(a);  // new_order's, as above
      s.set_latency(all.Encode());
      s.set_service_latency(all.Encode());
      ASSERT_TRUE(agg.AddInterval(a, s, kAgents, nullptr).ok());
    }
  }
  const auto types = agg.Operations();
  ASSERT_EQ(types.size(), kTypes.size());
  for (size_t t = 0; t < kTypes.size(); ++t) {
    EXPECT_EQ(types[t].type(), kTypes[t]);
    EXPECT_EQ(types[t].summary().counters().ops(), ops[t]);
    EXPECT_EQ(types[t].summary().counters().rollbacks(), rollbacks[t]);
    EXPECT_EQ(types[t].summary().latency().histogram(), pooled[t].Encode());
    EXPECT_EQ(types[t].summary().latency().p99_us(),
              pooled[t].ValueAtPercentile(99));
    EXPECT_NEAR(types[t].summary().ops_per_sec(), ops[t] / 2.0, 1e-9);
  }
  const auto intervals = agg.Intervals();
  ASSERT_EQ(intervals.size(), 2u);
  for (int seq = 0; seq < 2; ++seq) {
    ASSERT_EQ(intervals[seq].operations_size(), 3);
    for (size_t t = 0; t < kTypes.size(); ++t) {
      const auto& o = intervals[seq].operations(t);
      EXPECT_EQ(o.type(), kTypes[t]);
      EXPECT_EQ(o.counters().ops(), per_interval[seq][t].count());
      EXPECT_EQ(o.latency().histogram(), per_interval[seq][t].Encode());
      EXPECT_EQ(o.latency().p50_us(),
                per_interval[seq][t].ValueAtPercentile(50));
    }
  }
  // Rollbacks add up in the total like every counter.
  EXPECT_EQ(agg.Total().counters().rollbacks(), rollbacks[0]);

  // A bad histogram of one type: the interval is refused whole.
  rig::v1::IntervalStats bad;
  bad.set_seq(2);
  bad.mutable_counters()->set_ops(1);
  bad.add_operations()->set_type("payment");
  bad.mutable_operations(0)->set_latency("garbage");
  EXPECT_FALSE(agg.AddInterval(0, bad, kAgents, nullptr).ok());
  EXPECT_EQ(agg.Operations()[1].summary().counters().ops(), ops[1]);

  // At most kMaxTypes names.
  rig::v1::IntervalStats many;
  many.set_seq(3);
  for (size_t i = 0; i < RunAggregate::kMaxTypes + 10; ++i) {
    many.add_operations()->set_type("t" + std::to_string(i));
  }
  ASSERT_TRUE(agg.AddInterval(0, many, kAgents, nullptr).ok());
  EXPECT_EQ(agg.Operations().size(), RunAggregate::kMaxTypes);
}

TEST(AggregateTest, CorruptHistogramIsRejected) {
  RunAggregate agg(1);
  rig::v1::IntervalStats s;
  s.set_latency("garbage");
  EXPECT_FALSE(agg.AddInterval(0, s, 1, nullptr).ok());
}

// report.csv_per_agent: each agent's own intervals, on the coordinator's
// timeline; none kept otherwise.
TEST(AggregateTest, KeepsAgentIntervalsOnlyWhenAsked) {
  Histogram h;
  h.Record(100);
  h.Record(900);
  for (bool keep : {false, true}) {
    RunAggregate agg(2);
    agg.KeepAgentIntervals(keep);
    agg.SetAgentOrigin(1, 5000);
    bool complete = false;
    ASSERT_TRUE(agg.AddInterval(0, IntervalOf(0, h), 2, &complete).ok());
    ASSERT_TRUE(agg.AddInterval(1, IntervalOf(0, h), 2, &complete).ok());
    if (!keep) {
      EXPECT_TRUE(agg.AgentIntervals(0).empty());
      EXPECT_TRUE(agg.AgentIntervals(1).empty());
      continue;
    }
    ASSERT_EQ(agg.AgentIntervals(1).size(), 1u);
    const rig::v1::IntervalReport& iv = agg.AgentIntervals(1)[0];
    const rig::v1::IntervalStats sent = IntervalOf(0, h);
    EXPECT_EQ(iv.start_offset_us(), sent.start_offset_us() + 5000);
    EXPECT_EQ(iv.counters().ops(), sent.counters().ops());
    EXPECT_EQ(iv.latency().max_us(), 900);
    EXPECT_EQ(iv.latency().count(), 2);
    EXPECT_TRUE(iv.latency().histogram().empty());
    EXPECT_EQ(iv.agents_reporting(), 1);
  }
}

// sysbench's read/write/other query counts add up like every counter: per
// interval across agents, per agent, in total (from the agents' results
// once they arrive) and per operation type; a sum that would overflow is
// held at the maximum.
TEST(AggregateTest, QueryKindsAddUpPerIntervalPerAgentAndInTotal) {
  constexpr int kAgents = 3;
  RunAggregate agg(kAgents);
  Histogram h;
  h.Record(100);
  int64_t read = 0, write = 0, other = 0;
  std::vector<int64_t> agent_read(kAgents);
  for (int seq = 0; seq < 2; ++seq) {
    for (int a = 0; a < kAgents; ++a) {
      rig::v1::IntervalStats s = IntervalOf(seq, h);
      const int64_t r = 140 * (a + 1) + seq, w = 40 * (a + 1), o = 20 + a;
      s.mutable_counters()->set_read_queries(r);
      s.mutable_counters()->set_write_queries(w);
      s.mutable_counters()->set_other_queries(o);
      rig::v1::OperationStats* t = s.add_operations();
      t->set_type("txn");
      t->mutable_counters()->set_ops(1);
      t->mutable_counters()->set_read_queries(r);
      t->set_latency(h.Encode());
      ASSERT_TRUE(agg.AddInterval(a, s, kAgents, nullptr).ok());
      read += r;
      write += w;
      other += o;
      agent_read[a] += r;
    }
  }
  const auto intervals = agg.Intervals();
  ASSERT_EQ(intervals.size(), 2u);
  EXPECT_EQ(intervals[1].counters().read_queries(), 140 + 280 + 420 + 3);
  EXPECT_EQ(intervals[1].counters().write_queries(), 40 + 80 + 120);
  EXPECT_EQ(intervals[1].counters().other_queries(), 20 + 21 + 22);
  EXPECT_EQ(intervals[1].operations(0).counters().read_queries(),
            140 + 280 + 420 + 3);
  EXPECT_EQ(agg.Total().counters().read_queries(), read);
  EXPECT_EQ(agg.Total().counters().write_queries(), write);
  EXPECT_EQ(agg.Total().counters().other_queries(), other);
  EXPECT_EQ(agg.Operations()[0].summary().counters().read_queries(), read);
  for (int a = 0; a < kAgents; ++a) {
    EXPECT_EQ(agg.AgentSummary(a).counters().read_queries(), agent_read[a]);
  }

  // The agents' results replace their intervals in the total.
  for (int a = 0; a < kAgents; ++a) {
    rig::v1::RunResult result;
    result.mutable_counters()->set_ops(2);
    result.mutable_counters()->set_read_queries(1000);
    result.mutable_counters()->set_write_queries(a == 2 ? INT64_MAX : 1);
    result.mutable_counters()->set_other_queries(7);
    result.set_latency(h.Encode());
    result.set_measured_us(2000000);
    ASSERT_TRUE(agg.SetResult(a, result).ok());
  }
  EXPECT_EQ(agg.Total().counters().read_queries(), 3000);
  EXPECT_EQ(agg.Total().counters().other_queries(), 21);
  EXPECT_EQ(agg.Total().counters().write_queries(), INT64_MAX);
}

}  // namespace
}  // namespace rig::coordinator
