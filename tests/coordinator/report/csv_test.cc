#include "coordinator/report/csv.h"

#include <gtest/gtest.h>

#include <vector>

#include "absl/strings/str_split.h"
#include "tests/coordinator/offline/report_fixture.h"

namespace rig::coordinator {
namespace {

TEST(CsvWriterTest, OneRowPerIntervalWithItsFigures) {
  std::vector<int64_t> first;  // 1..100 us: every percentile differs
  for (int64_t v = 1; v <= 100; ++v) first.push_back(v);
  rig::v1::Report r =
      testing::MakeReport("r", "p", 1700000000000000, {{first, {500, 500}}},
                          /*errors_per_interval=*/1);
  r.mutable_intervals(1)->set_end_offset_us(r.intervals(1).start_offset_us() +
                                            100000);  // a stub: partial
  r.mutable_intervals(0)->mutable_counters()->set_read_queries(1400);
  r.mutable_intervals(0)->mutable_counters()->set_write_queries(400);
  r.mutable_intervals(0)->mutable_counters()->set_other_queries(200);
  const std::string csv = CsvWriter().Render(r);
  std::vector<std::string> lines = absl::StrSplit(csv, "\r\n");
  ASSERT_EQ(lines.size(), 4u) << csv;  // header, 2 rows, "" after the last
  EXPECT_EQ(lines[3], "");
  const std::vector<std::string> header = absl::StrSplit(lines[0], ',');
  const std::vector<std::string> row = absl::StrSplit(lines[1], ',');
  ASSERT_EQ(header.size(), row.size());
  auto col = [&](const std::vector<std::string>& cells, const char* name) {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return cells[i];
    }
    ADD_FAILURE() << "no column " << name;
    return std::string();
  };
  EXPECT_EQ(col(row, "seq"), "0");
  EXPECT_EQ(col(row, "start_s"), "2.000000");
  EXPECT_EQ(col(row, "end_s"), "3.000000");
  EXPECT_EQ(col(row, "duration_s"), "1.000000");
  EXPECT_EQ(col(row, "partial"), "0");
  EXPECT_EQ(col(row, "ops"), "100");
  EXPECT_EQ(col(row, "ops_per_sec"), "100.000");
  EXPECT_EQ(col(row, "errors"), "1");
  EXPECT_EQ(col(row, "error_rate"), "0.00990099");
  EXPECT_EQ(col(row, "queries"), "100");
  EXPECT_EQ(col(row, "p50_ms"), "0.050");
  EXPECT_EQ(col(row, "p90_ms"), "0.090");
  EXPECT_EQ(col(row, "p95_ms"), "0.095");
  EXPECT_EQ(col(row, "p99_ms"), "0.099");
  EXPECT_EQ(col(row, "p999_ms"), "0.100");
  EXPECT_EQ(col(row, "max_ms"), "0.100");
  EXPECT_EQ(col(row, "agents_reporting"), "1");
  EXPECT_EQ(col(row, "read_queries"), "1400");
  EXPECT_EQ(col(row, "write_queries"), "400");
  EXPECT_EQ(col(row, "other_queries"), "200");
  const std::vector<std::string> stub = absl::StrSplit(lines[2], ',');
  EXPECT_EQ(col(stub, "partial"), "1");
  EXPECT_EQ(col(stub, "p50_ms"), "0.500");
  EXPECT_EQ(col(stub, "mean_ms"), "0.500");
}

// report.csv_per_agent: an `agent` column, the merged rows as "all", then
// each agent's own rows.
TEST(CsvWriterTest, PerAgentRowsFollowTheMergedOnesWhenTheReportHasThem) {
  rig::v1::Report r =
      testing::MakeReport("r", "p", 1700000000000000, {{{100, 200}, {300}}},
                          /*errors_per_interval=*/0);
  const std::string plain = CsvWriter().Render(r);
  EXPECT_EQ(plain.rfind("seq,", 0), 0u) << plain;  // not asked: unchanged
  for (const char* name : {"a-1", "b,2"}) {
    rig::v1::AgentReport* a = r.add_agents();
    a->set_name(name);
    rig::v1::IntervalReport* iv = a->add_intervals();
    iv->set_seq(0);
    iv->set_start_offset_us(2000000);
    iv->set_end_offset_us(3000000);
    iv->mutable_counters()->set_ops(7);
    iv->mutable_latency()->set_p99_us(1500);
    iv->set_agents_reporting(1);
    iv->set_breakers_open(1);
  }
  const std::string csv = CsvWriter().Render(r);
  std::vector<std::string> lines = absl::StrSplit(csv, "\r\n");
  ASSERT_EQ(lines.size(), 6u) << csv;  // header, 2 merged, 2 agents, ""
  EXPECT_EQ(lines[0].rfind("agent,seq,start_s,", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("all,0,", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("all,1,", 0), 0u) << lines[2];
  EXPECT_EQ(lines[3].rfind("a-1,0,2.000000,3.000000,1.000000,0,7,", 0), 0u)
      << lines[3];
  EXPECT_EQ(lines[4].rfind("\"b,2\",0,", 0), 0u) << lines[4];
  const size_t columns =
      std::vector<std::string>(absl::StrSplit(lines[0], ',')).size();
  EXPECT_EQ(std::vector<std::string>(absl::StrSplit(lines[3], ',')).size(),
            columns);
  EXPECT_NE(lines[3].find(",1.500,"), std::string::npos) << lines[3];  // p99
  // agents_reporting 1, breakers_open 1, then no read/write/other.
  EXPECT_EQ(lines[3].substr(lines[3].size() - 10), ",1,1,0,0,0");
}

TEST(CsvWriterTest, NoIntervalsIsTheHeaderAlone) {
  rig::v1::Report r;
  const std::string csv = CsvWriter().Render(r);
  EXPECT_EQ(csv.find("\r\n"), csv.size() - 2);
  EXPECT_EQ(csv.rfind("seq,start_s,", 0), 0u);
}

}  // namespace
}  // namespace rig::coordinator
