// The oltp_* workloads' read/write/other counts, by sysbench's rule (its
// MySQL driver: a result set is a read; no result set and rows changed a
// write; neither, other), on the fake database, which answers every
// statement with `execute_rows` rows and BEGIN/COMMIT with none.

#include <gtest/gtest.h>

#include "tests/agent/workloads/workload_fixture.h"

namespace rig::agent {
namespace {

TEST(OpResultTest, CountStatementFollowsSysbenchsRule) {
  OpResult r;
  r.CountStatement(/*result_set=*/true, 0);   // SELECT that found nothing
  r.CountStatement(/*result_set=*/true, 5);   // SELECT of 5 rows
  r.CountStatement(/*result_set=*/false, 1);  // UPDATE of one row
  r.CountStatement(/*result_set=*/false, 0);  // DELETE of no row
  r.CountStatement(/*result_set=*/false, 0);  // COMMIT
  EXPECT_EQ(r.read, 2);
  EXPECT_EQ(r.write, 1);
  EXPECT_EQ(r.other, 2);
}

struct Kinds {
  const char* kind;
  int64_t read, write, other;
};

void PrintTo(const Kinds& k, std::ostream* os) { *os << k.kind; }

// sysbench 1.0.20 with default options: what its "queries performed" adds
// per transaction (oltp_read_write: 10 point selects and 4 ranges; 2
// updates, a delete and an insert; BEGIN and COMMIT).
const Kinds kPerTransaction[] = {
    {"oltp_point_select", 1, 0, 0},
    {"oltp_read_only", 14, 0, 2},
    {"oltp_read_write", 14, 4, 2},
    {"oltp_write_only", 0, 4, 2},
    // The fake's plain Execute (oltp_insert's query) affects no row: other.
    {"oltp_insert", 0, 0, 1},
    {"oltp_update_index", 0, 1, 0},
    {"oltp_update_non_index", 0, 1, 0},
    {"oltp_delete", 0, 1, 0},
};

class OltpKindsTest : public ::testing::TestWithParam<Kinds> {};

TEST_P(OltpKindsTest, ATransactionCountsItsStatementsAsSysbenchDoes) {
  const Kinds& k = GetParam();
  testing::BoundWorkload w;
  ASSERT_TRUE(
      w.Bind(absl::StrCat("{kind: ", k.kind, ", table_size: 100}")).ok());
  Rng rng(1);
  for (int i = 0; i < 3; ++i) {
    OpResult r;
    ASSERT_TRUE(w.txn->Run(rng, r).ok());
    EXPECT_EQ(r.read, k.read);
    EXPECT_EQ(r.write, k.write);
    EXPECT_EQ(r.other, k.other);
    EXPECT_EQ(r.read + r.write + r.other, r.queries);
  }
}

INSTANTIATE_TEST_SUITE_P(Sysbench, OltpKindsTest,
                         ::testing::ValuesIn(kPerTransaction),
                         [](const ::testing::TestParamInfo<Kinds>& info) {
                           return std::string(info.param.kind);
                         });

// A write that changes no row is "other", as sysbench counts it; a SELECT
// that finds nothing is still a read.
TEST(OltpKindsTest, WritesThatChangeNoRowAreOtherAndEmptyReadsAreReads) {
  testing::BoundWorkload w;
  ASSERT_TRUE(w.Bind("{kind: oltp_read_write, table_size: 100}").ok());
  w.driver.execute_rows = 0;
  Rng rng(2);
  OpResult r;
  ASSERT_TRUE(w.txn->Run(rng, r).ok());
  EXPECT_EQ(r.read, 14);
  EXPECT_EQ(r.write, 0);
  EXPECT_EQ(r.other, 6);
}

// A statement that fails is in none of the three; those before it are.
TEST(OltpKindsTest, AFailedStatementIsNotCountedButThoseBeforeItAre) {
  testing::BoundWorkload w;
  ASSERT_TRUE(w.Bind("{kind: oltp_read_write, table_size: 100}").ok());
  w.driver.fail_every = 12;  // the 12th prepared statement of the run
  Rng rng(3);
  OpResult r;
  EXPECT_FALSE(w.txn->Run(rng, r).ok());
  // BEGIN, 11 point/range selects that succeeded, the 12th failed.
  EXPECT_EQ(r.queries, 13);
  EXPECT_EQ(r.read, 11);
  EXPECT_EQ(r.write, 0);
  EXPECT_EQ(r.other, 1);
}

// skip_trx: no BEGIN/COMMIT, so nothing is "other".
TEST(OltpKindsTest, SkipTrxSendsNoOther) {
  testing::BoundWorkload w;
  ASSERT_TRUE(
      w.Bind("{kind: oltp_read_write, table_size: 100, options: {skip_trx: "
             "true}}")
          .ok());
  Rng rng(4);
  OpResult r;
  ASSERT_TRUE(w.txn->Run(rng, r).ok());
  EXPECT_EQ(r.read, 14);
  EXPECT_EQ(r.write, 4);
  EXPECT_EQ(r.other, 0);
}

}  // namespace
}  // namespace rig::agent
