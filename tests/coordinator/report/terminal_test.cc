// The terminal's progress line and summary table: one unit per latency
// column (ms with decimals), rates per second of the interval.

#include "coordinator/report/terminal.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace rig::coordinator {
namespace {

TEST(TerminalTest, TheProgressLineHasRatesPerSecondAndLatencyInMs) {
  rig::v1::IntervalReport iv;
  iv.set_start_offset_us(1'000'000);
  iv.set_end_offset_us(1'500'000);  // half a second
  iv.set_ops_per_sec(2000);
  iv.mutable_counters()->set_ops(1000);
  iv.mutable_counters()->set_queries(2000);
  iv.mutable_counters()->set_errors(5);
  iv.mutable_counters()->set_reconnects(2);
  iv.mutable_latency()->set_p50_us(450);
  iv.mutable_latency()->set_p99_us(12'345);
  iv.set_agents_reporting(2);
  iv.set_breakers_open(1);
  const std::string line = FormatIntervalLine(iv, 3, 1'500'000, 10'000'000);
  EXPECT_EQ(line,
            "[  1.5s/10s] ops/s     2000.0  qps     4000.0  p50    0.450ms  "
            "p99   12.345ms  err/s 10.0  reconn/s 4.0  agents 2/3  "
            "breakers open 1");
}

TEST(TerminalTest, AnIntervalWithoutSamplesShowsNoLatency) {
  rig::v1::IntervalReport iv;  // e.g. the load paused by a fault
  iv.set_start_offset_us(1'000'000);
  iv.set_end_offset_us(2'000'000);
  iv.set_agents_reporting(2);
  EXPECT_EQ(FormatIntervalLine(iv, 2, 2'000'000, 10'000'000),
            "[  2.0s/10s] ops/s        0.0  qps        0.0  p50          -  "
            "p99          -  err/s 0.0  reconn/s 0.0  agents 2/2  "
            "breakers open 0");
}

TEST(TerminalTest, TheSummaryHasAQpsColumnAndLatencyInMs) {
  rig::v1::Report r;
  r.set_run_id("r1");
  rig::v1::Summary* t = r.mutable_total();
  t->set_measured_us(10'000'000);
  t->mutable_counters()->set_ops(1000);
  t->set_ops_per_sec(100);
  t->set_queries_per_sec(250);
  t->mutable_latency()->set_p50_us(54);
  t->mutable_latency()->set_p95_us(1'500);
  t->mutable_latency()->set_p99_us(2'000);
  t->mutable_latency()->set_max_us(1'234'567);
  const std::string out = FormatSummary(r);
  EXPECT_TRUE(absl::StrContains(
      out,
      "   ops       ops/s         qps   errors    p50 ms    p95 ms    "
      "p99 ms    max ms"))
      << out;
  EXPECT_TRUE(absl::StrContains(
      out,
      "total                          1000       100.0       250.0        "
      "0     0.054     1.500     2.000  1234.567"))
      << out;
}

// Workloads of several operation types: a "by operation:" table of the
// types that ran, the rollbacks' share, and for tpcc go-tpc's tpmC line.
TEST(TerminalTest, TheSummaryBreaksTheRunDownByOperationType) {
  rig::v1::Report r;
  r.mutable_plan()->mutable_workload()->set_kind("tpcc");
  (*r.mutable_plan()
        ->mutable_workload()
        ->mutable_options()
        ->mutable_fields())["warehouses"]
      .set_number_value(2);
  r.mutable_total()->set_measured_us(120'000'000);  // 2 minutes
  r.mutable_total()->mutable_counters()->set_ops(1000);
  for (const auto& [type, ops] :
       {std::pair<const char*, int64_t>{"new_order", 450},
        {"payment", 550},
        {"stock_level", 0}}) {
    rig::v1::OperationReport* o = r.add_operations();
    o->set_type(type);
    o->mutable_summary()->mutable_counters()->set_ops(ops);
    o->mutable_summary()->mutable_latency()->set_p99_us(25'000);
    if (ops == 450) o->mutable_summary()->mutable_counters()->set_rollbacks(5);
  }
  const std::string out = FormatSummary(r);
  EXPECT_TRUE(absl::StrContains(out, "\nby operation:\nnew_order ")) << out;
  EXPECT_TRUE(absl::StrContains(out, "\npayment ")) << out;
  EXPECT_FALSE(absl::StrContains(out, "stock_level")) << out;
  EXPECT_TRUE(absl::StrContains(out, "rollbacks: new_order=5 (1.11%)")) << out;
  // 450 New-Orders in 2 minutes: 225 a minute, of 2 x 12.86 at most.
  EXPECT_TRUE(absl::StrContains(
      out, "tpmC 225.0, tpmTotal 500.0, efficiency 874.8% of 2 warehouse(s)"))
      << out;
  r.mutable_plan()->mutable_workload()->set_kind("ycsb");
  EXPECT_FALSE(absl::StrContains(FormatSummary(r), "tpmC")) << out;
}

rig::v1::IntervalReport HalfSecond() {
  rig::v1::IntervalReport iv;
  iv.set_start_offset_us(1'000'000);
  iv.set_end_offset_us(1'500'000);
  iv.set_ops_per_sec(200);
  iv.mutable_counters()->set_ops(100);
  iv.set_agents_reporting(1);
  return iv;
}

void AddType(rig::v1::IntervalReport& iv, const std::string& type,
             int64_t ops) {
  rig::v1::OperationInterval* o = iv.add_operations();
  o->set_type(type);
  o->mutable_counters()->set_ops(ops);
  o->set_ops_per_sec(ops * 2.0);  // a half-second interval
}

// Per type: the types that ran, in the workload's order, each with its
// rate; a long name cut; at the end of the line.
TEST(TerminalTest, TheProgressLineShowsEachTypesRate) {
  rig::v1::IntervalReport iv = HalfSecond();
  AddType(iv, "new_order", 45);
  AddType(iv, "payment", 43);
  AddType(iv, "order_status", 2);
  AddType(iv, "delivery", 0);  // did not run in this interval
  AddType(iv, "a_very_long_statement_name", 1000);
  EXPECT_EQ(TypeRates(iv),
            "new_order 90.0 payment 86.0 order_status 4.0 a_very_long~ 2000 "
            "ops/s");
  const std::string line = FormatIntervalLine(iv, 1, 1'500'000, 10'000'000);
  EXPECT_TRUE(absl::EndsWith(
      line,
      "breakers open 0  | new_order 90.0 payment 86.0 order_status 4.0 "
      "a_very_long~ 2000 ops/s"))
      << line;
  // One type (or none): nothing added.
  EXPECT_EQ(TypeRates(HalfSecond()), "");
  EXPECT_FALSE(absl::StrContains(
      FormatIntervalLine(HalfSecond(), 1, 1'500'000, 10'000'000), "|"));
}

// More types than fit: the busiest, still in the workload's order, and how
// many more ran; the line stays short.
TEST(TerminalTest, TheProgressLineKeepsTheBusiestTypesWhenThereAreMany) {
  rig::v1::IntervalReport iv = HalfSecond();
  const int64_t ops[] = {5, 50, 1, 40, 30, 2, 20};
  for (int t = 0; t < 7; ++t) AddType(iv, absl::StrCat("s", t), ops[t]);
  EXPECT_EQ(TypeRates(iv), "s1 100 s3 80.0 s4 60.0 s6 40.0 +3 more ops/s");
  // Twelve types with names of the longest shown: the line stays within
  // 260 characters.
  rig::v1::IntervalReport many = HalfSecond();
  for (int t = 0; t < 12; ++t) {
    AddType(many, absl::StrCat("statement_", t, "_with_a_long_name"), 1000);
  }
  many.set_ops_per_sec(123456789);
  const std::string line = FormatIntervalLine(many, 1, 1'500'000, 10'000'000);
  EXPECT_LE(line.size(), 260u) << line;
}

// Workloads that count sysbench's read/write/other: per second after qps,
// as sysbench's progress line has "(r/w/o: ...)".
TEST(TerminalTest, TheProgressLineShowsReadsWritesAndOtherPerSecond) {
  rig::v1::IntervalReport iv = HalfSecond();
  iv.mutable_counters()->set_queries(2000);
  iv.mutable_counters()->set_read_queries(1400);
  iv.mutable_counters()->set_write_queries(400);
  iv.mutable_counters()->set_other_queries(20);
  const std::string line = FormatIntervalLine(iv, 1, 1'500'000, 10'000'000);
  EXPECT_TRUE(
      absl::StrContains(line, "qps     4000.0 (r/w/o 2800/800/40.0)  p50"))
      << line;
}

// The summary's "queries performed" block, laid out as sysbench prints it;
// none for workloads that do not count the kinds.
TEST(TerminalTest, TheSummaryShowsQueriesPerformedAsSysbenchDoes) {
  rig::v1::Report r;
  r.mutable_total()->set_measured_us(10'000'000);
  r.mutable_total()->mutable_counters()->set_ops(1000);
  EXPECT_FALSE(absl::StrContains(FormatSummary(r), "queries performed"));
  r.mutable_total()->mutable_counters()->set_read_queries(14000);
  r.mutable_total()->mutable_counters()->set_write_queries(4000);
  r.mutable_total()->mutable_counters()->set_other_queries(2000);
  const std::string out = FormatSummary(r);
  EXPECT_TRUE(absl::StrContains(
      out,
      "\nqueries performed:\n"
      "    read:                            14000\n"
      "    write:                           4000\n"
      "    other:                           2000\n"
      "    total:                           20000 (2000.00 per sec.)\n"))
      << out;
}

}  // namespace
}  // namespace rig::coordinator
