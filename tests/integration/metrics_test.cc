// /metrics scraped by a real Prometheus: Debian's prometheus binary on
// loopback scrapes a real coordinator and two real agents every second
// while they run against the private MariaDB; its HTTP API must then agree
// with the JSON report. Skipped when prometheus is not installed.

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iostream>

#include "common/metrics/latency_buckets.h"
#include "google/protobuf/struct.pb.h"
#include "tests/integration/real_rig.h"
#include "tests/support/has_substr.h"
#include "tests/support/http_get.h"

namespace rig {
namespace {

using metrics::LatencyBuckets;
using testing::HasSubstr;
using testing::HttpGet;
using testing::UrlEncode;

class MetricsTest : public RealRigTest {
 protected:
  // The one value of an instant query's answer; NaN when it has none.
  absl::StatusOr<double> Query(int port, const std::string& promql) {
    auto answer = HttpGet(port, "/api/v1/query?query=" + UrlEncode(promql));
    if (!answer.ok()) return answer.status();
    google::protobuf::Struct json;
    if (!google::protobuf::util::JsonStringToMessage(answer->body, &json)
             .ok()) {
      return absl::DataLossError("not JSON: " + answer->body);
    }
    const auto& fields = json.fields();
    if (fields.at("status").string_value() != "success") {
      return absl::InvalidArgumentError(promql + ": " + answer->body);
    }
    const auto& result =
        fields.at("data").struct_value().fields().at("result").list_value();
    if (result.values_size() == 0) return std::nan("");
    const auto& value =
        result.values(0).struct_value().fields().at("value").list_value();
    return std::stod(value.values(1).string_value());
  }
  // Waits (bounded: 30 s) for a "metrics on 127.0.0.1:PORT" log line.
  int MetricsPort(const std::string& log) {
    for (int i = 0; i < 600; ++i) {
      if (int p = PortInLog(log, "metrics on 127.0.0.1:"); p > 0) return p;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return 0;
  }
};

TEST_F(MetricsTest, PrometheusScrapesAgreeWithTheReport) {
  auto prometheus = testing::FindExecutable("prometheus");
  if (!prometheus.ok()) {
    GTEST_SKIP() << "prometheus is not installed (apt-get install prometheus)";
  }
  // Two agents, each serving /metrics on a port of its own.
  std::vector<std::unique_ptr<Subprocess>> agents;
  std::vector<std::string> addresses, agent_targets;
  for (int i = 0; i < 2; ++i) {
    int port = 0;
    const std::string name = absl::StrCat("metrics-", i);
    agents.push_back(
        StartAgent(name, &port, {"--metrics-listen", "127.0.0.1:0"}));
    ASSERT_NE(agents.back(), nullptr);
    addresses.push_back(absl::StrCat("127.0.0.1:", port));
    const int mport = MetricsPort(agents.back()->log_path());
    ASSERT_GT(mport, 0) << testing::ReadFile(agents.back()->log_path());
    agent_targets.push_back(absl::StrCat("'127.0.0.1:", mport, "'"));
  }
  const std::string report_path = absl::StrCat(*dir_, "/metrics.json");
  const std::string plan = WritePlan(
      "metrics.yaml",
      absl::StrCat(TargetYaml(),
                   "workload: {kind: oltp_point_select, table_size: 1000}\n"
                   "load: {connections: 4, duration: 8s, "
                   "report_interval: 500ms}\n"
                   "report: {json: ",
                   report_path, "}\n"));
  const std::string log = absl::StrCat(*dir_, "/coordinator-metrics.log");
  // It keeps serving /metrics after the run until it gets SIGTERM (below),
  // so that Prometheus' last scrape sees the totals.
  auto coord = Subprocess::Start(
      {RIG_COORDINATOR_BIN, plan, "--agents", absl::StrJoin(addresses, ","),
       "--metrics-listen", "127.0.0.1:0", "--metrics-linger", "5m"},
      {{"RIG_DB_PASSWORD", server_->password()}}, log);
  ASSERT_TRUE(coord.ok()) << coord.status();
  const int coord_port = MetricsPort(log);
  ASSERT_GT(coord_port, 0) << testing::ReadFile(log);

  // Prometheus: its own data directory, a free port, 1 s scrapes.
  const std::string pdir = absl::StrCat(*dir_, "/prometheus");
  mkdir(pdir.c_str(), 0700);
  std::ofstream(pdir + "/prometheus.yml")
      << "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
         "scrape_configs:\n"
         "  - job_name: coordinator\n"
         "    static_configs: [{targets: ['127.0.0.1:"
      << coord_port
      << "']}]\n"
         "  - job_name: agents\n"
         "    static_configs: [{targets: ["
      << absl::StrJoin(agent_targets, ", ") << "]}]\n";
  std::unique_ptr<Subprocess> prom;
  int prom_port = 0;
  for (int attempt = 0; attempt < 5 && prom == nullptr; ++attempt) {
    prom_port = testing::PickFreePort();
    auto started = Subprocess::Start(
        {*prometheus, "--config.file=" + pdir + "/prometheus.yml",
         "--storage.tsdb.path=" + pdir + "/data",
         absl::StrCat("--web.listen-address=127.0.0.1:", prom_port)},
        {}, pdir + "/prometheus.log");
    ASSERT_TRUE(started.ok()) << started.status();
    for (int i = 0; i < 600 && (*started)->Running(); ++i) {
      auto ready = HttpGet(prom_port, "/-/ready");
      if (ready.ok() && ready->status == 200) break;
      absl::SleepFor(absl::Milliseconds(50));
    }
    // Another process may have taken the port: try another.
    if ((*started)->Running()) prom = std::move(*started);
  }
  ASSERT_NE(prom, nullptr) << testing::ReadFile(pdir + "/prometheus.log");

  // Wait (bounded: 90 s) until Prometheus has scraped the coordinator after
  // the run: the report is written by then.
  bool finished = false;
  for (int i = 0; i < 900 && !finished; ++i) {
    auto v = Query(prom_port,
                   "rig_coordinator_state{job=\"coordinator\","
                   "state=\"finished\"}");
    finished = v.ok() && *v == 1;
    if (!finished) absl::SleepFor(absl::Milliseconds(100));
    ASSERT_TRUE((*coord)->Running() || finished) << testing::ReadFile(log);
  }
  ASSERT_TRUE(finished) << testing::ReadFile(log);
  const rig::v1::Report report = ReadReport(report_path);
  ASSERT_EQ(report.status(), rig::v1::RUN_STATUS_PASSED)
      << testing::ReadFile(log);
  const int64_t ops = report.total().counters().ops();
  ASSERT_GT(ops, 0);
  // The coordinator's series were scraped after the run finished
  // (--metrics-linger): equal to the report. The agents' last scrape may
  // precede their last interval: within one scrape interval's worth.
  for (const char* job : {"coordinator", "agents"}) {
    const double slack = std::string(job) == "coordinator"
                             ? 0.0
                             : report.total().ops_per_sec() * 1.0;
    auto scraped =
        Query(prom_port, absl::StrCat("sum(rig_operations_total{job=\"", job,
                                      "\",outcome=\"success\"})"));
    ASSERT_TRUE(scraped.ok()) << scraped.status();
    std::cout << job << ": Prometheus has " << *scraped
              << " operations, the report " << ops << " (slack " << slack
              << ")\n";
    EXPECT_NEAR(*scraped, static_cast<double>(ops), slack) << job;
    auto count = Query(prom_port,
                       absl::StrCat("sum(rig_operation_duration_seconds_count{"
                                    "job=\"",
                                    job, "\"})"));
    ASSERT_TRUE(count.ok()) << count.status();
    EXPECT_NEAR(*count, static_cast<double>(ops), slack) << job;
  }
  auto errors = Query(prom_port,
                      "sum(rig_operations_total{job=\"coordinator\","
                      "outcome=\"error\"})");
  ASSERT_TRUE(errors.ok());
  EXPECT_EQ(*errors, static_cast<double>(report.total().counters().errors()));
  // Statements by kind, as the report counts them (point selects: reads).
  const rig::v1::Counters& c = report.total().counters();
  ASSERT_GT(c.read_queries(), 0);
  for (const auto& [kind, n] : {std::pair{"read", c.read_queries()},
                                std::pair{"write", c.write_queries()},
                                std::pair{"other", c.other_queries()}}) {
    auto scraped =
        Query(prom_port, absl::StrCat("sum(rig_statements_total{job=\"",
                                      "coordinator\",kind=\"", kind, "\"})"));
    ASSERT_TRUE(scraped.ok()) << kind << ": " << scraped.status();
    std::cout << "statements " << kind << ": Prometheus has " << *scraped
              << ", the report " << n << "\n";
    EXPECT_EQ(*scraped, static_cast<double>(n)) << kind;
  }
  auto live =
      Query(prom_port, "rig_agents{job=\"coordinator\",status=\"done\"}");
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(*live, 2);

  // p99 over the whole run from the scraped buckets lands in the bucket
  // that holds the report's p99.
  auto p99 = Query(prom_port,
                   "histogram_quantile(0.99, sum by (le) "
                   "(rig_operation_duration_seconds_bucket{job="
                   "\"coordinator\"}))");
  ASSERT_TRUE(p99.ok()) << p99.status();
  const int64_t report_p99_us = report.total().latency().p99_us();
  const size_t bucket = LatencyBuckets::BucketOf(report_p99_us);
  ASSERT_LT(bucket, LatencyBuckets::kBoundsUs.size()) << report_p99_us;
  const double hi = LatencyBuckets::kBoundsUs[bucket] / 1e6;
  const double lo =
      bucket == 0 ? 0 : LatencyBuckets::kBoundsUs[bucket - 1] / 1e6;
  std::cout << "histogram_quantile(0.99) " << *p99 << " s, report p99 "
            << report_p99_us << " us, bucket (" << lo << ", " << hi << "]\n";
  EXPECT_GT(*p99, lo) << "report p99 " << report_p99_us << "us";
  EXPECT_LE(*p99, hi * (1 + 1e-9)) << "report p99 " << report_p99_us << "us";

  // The coordinator leaves when told, with the run's exit code.
  (*coord)->Signal(SIGTERM);
  auto code = (*coord)->Wait(absl::Seconds(30));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << testing::ReadFile(log);
  EXPECT_TRUE(HasSubstr(testing::ReadFile(log), "--metrics-linger"));
  EXPECT_EQ(prom->Terminate(absl::Seconds(10)), 0)
      << testing::ReadFile(pdir + "/prometheus.log");
}

// A bad --metrics-listen is named in one line, exit code 2, on both.
TEST_F(MetricsTest, ABadListenAddressIsNamed) {
  auto agent = testing::RunCommand(
      {RIG_AGENT_BIN, "--listen", "127.0.0.1:0", "--metrics-listen", "nowhere"},
      absl::Seconds(30));
  ASSERT_TRUE(agent.ok());
  EXPECT_EQ(agent->exit_code, 2);
  EXPECT_TRUE(HasSubstr(agent->stderr_text,
                        "rig-agent: --metrics-listen \"nowhere\": expected "
                        "host:port"));
  const std::string plan = WritePlan(
      "bad-metrics.yaml",
      absl::StrCat(TargetYaml(), "workload: {kind: oltp_point_select}\n"));
  auto coord =
      testing::RunCommand({RIG_COORDINATOR_BIN, plan, "--agents", "127.0.0.1:1",
                           "--metrics-listen", "127.0.0.1:99999"},
                          absl::Seconds(30));
  ASSERT_TRUE(coord.ok());
  EXPECT_EQ(coord->exit_code, 2);
  EXPECT_TRUE(HasSubstr(coord->stderr_text,
                        "--metrics-listen \"127.0.0.1:99999\": the port must "
                        "be a number from 0 to 65535"));
}

}  // namespace
}  // namespace rig
