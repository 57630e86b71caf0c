// A worker's statistics: every attempt's statements are counted, by kind,
// in total and for its operation type; rows only for operations that
// succeeded; the deltas merge and reach the wire's Counters.

#include "agent/load/stats.h"

#include <gtest/gtest.h>

namespace rig::agent {
namespace {

TEST(ThreadStatsTest, StatementKindsAddUpOverOpsRetriesAndErrors) {
  ThreadStats stats(2);
  // A read/write transaction: 14 reads, 4 writes, BEGIN and COMMIT.
  stats.RecordOp(100, 90, {20, 30, 14, 4, 2}, /*type=*/1);
  // A retried attempt that failed after BEGIN and 3 reads.
  stats.RecordRetry({5, 3, 3, 0, 1}, /*type=*/1);
  // A failed one after BEGIN and a read.
  rig::v1::ErrorSample sample;
  stats.RecordError(1213, "deadlock", {3, 1, 1, 0, 1}, sample, /*type=*/0);
  StatsDelta d;
  d.types.resize(2);
  stats.SwapInto(&d);
  EXPECT_EQ(d.counters.queries, 28);
  EXPECT_EQ(d.counters.read_queries, 18);
  EXPECT_EQ(d.counters.write_queries, 4);
  EXPECT_EQ(d.counters.other_queries, 4);
  EXPECT_EQ(d.counters.rows, 30);  // the failed attempts' rows are not
  EXPECT_EQ(d.types[1].counters.read_queries, 17);
  EXPECT_EQ(d.types[1].counters.other_queries, 3);
  EXPECT_EQ(d.types[0].counters.read_queries, 1);
  EXPECT_EQ(d.types[0].counters.other_queries, 1);

  // Merged with another worker's delta, and on the wire.
  StatsDelta other;
  other.counters.read_queries = 100;
  other.counters.write_queries = 10;
  other.counters.other_queries = 1;
  d.Merge(other);
  rig::v1::Counters wire;
  d.counters.ToProto(&wire);
  EXPECT_EQ(wire.read_queries(), 118);
  EXPECT_EQ(wire.write_queries(), 14);
  EXPECT_EQ(wire.other_queries(), 5);
}

}  // namespace
}  // namespace rig::agent
