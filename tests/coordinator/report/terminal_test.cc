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

}  // namespace
}  // namespace rig::coordinator
