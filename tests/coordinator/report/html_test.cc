// The HTML report (html.h and html/), through the rendered page: its parts,
// its escaping and the chart data blocks parsed back. Long (~540 lines)
// because one synthetic report and its parsing helpers serve every case; to
// split into charts and sections tests once those helpers have a header of
// their own.

#include "coordinator/report/html.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace rig::coordinator {
namespace {

constexpr char kNastyMessage[] =
    "Duplicate entry <script>alert(\"x\")</script> & 'k' for key PRIMARY";

// Substring checks without pulling in gmock (as tests/common does).
::testing::AssertionResult Has(absl::string_view s, absl::string_view sub) {
  if (absl::StrContains(s, sub)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "page lacks \"" << sub << "\"";
}
::testing::AssertionResult Lacks(absl::string_view s, absl::string_view sub) {
  const size_t at = s.find(sub);
  if (at == absl::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "page has \"" << sub << "\" at " << at << ": ..."
         << s.substr(at > 80 ? at - 80 : 0, 200) << "...";
}

int Count(absl::string_view s, absl::string_view sub) {
  int n = 0;
  for (size_t at = s.find(sub); at != absl::string_view::npos;
       at = s.find(sub, at + sub.size())) {
    ++n;
  }
  return n;
}

rig::v1::IntervalReport Interval(int i, int64_t start_us, int64_t len_us) {
  rig::v1::IntervalReport iv;
  iv.set_seq(i);
  iv.set_start_offset_us(start_us);
  iv.set_end_offset_us(start_us + len_us);
  const bool dip = i >= 12 && i < 16;
  const int64_t ops = dip ? 700 + 13 * i : 1900 + 37 * (i % 5);
  const int64_t errors = dip ? 40 + i : i % 3;
  iv.mutable_counters()->set_ops(ops);
  iv.mutable_counters()->set_errors(errors);
  iv.set_ops_per_sec(ops * 1e6 / len_us + 0.25);
  iv.mutable_latency()->set_count(ops);
  iv.mutable_latency()->set_p50_us(1200 + 17 * i);
  iv.mutable_latency()->set_p99_us(dip ? 48000 + 333 * i : 8100 + 71 * i);
  iv.mutable_latency()->set_max_us(90000 + i);
  iv.set_agents_reporting(3);
  return iv;
}

// 30 one-second intervals after a 5s warm-up, 3 agents (one lost), 2
// breaker events, a failed threshold, error samples with markup in them.
rig::v1::Report Synthetic(int intervals = 30) {
  rig::v1::Report r;
  r.set_schema_version(1);
  r.set_tool_version("0.1.0-test");
  r.set_run_id("run-42");
  r.mutable_plan()->set_name("smoke & <b>bold</b>");
  r.mutable_plan()->mutable_workload()->set_kind("oltp_point_select");
  r.mutable_plan()->mutable_load()->set_connections(64);
  // A report's plan has its defaults filled; the charts read this one.
  r.mutable_plan()->mutable_load()->mutable_report_interval()->set_seconds(1);
  r.mutable_started_at()->set_seconds(1700000000);
  r.mutable_finished_at()->set_seconds(1700000040);
  r.set_status(rig::v1::RUN_STATUS_THRESHOLDS_FAILED);
  r.set_exit_code(1);
  r.set_degraded(true);
  r.set_error("agent-2 lost: stream closed <EOF>");
  r.mutable_server()->set_flavor("mariadb");
  r.mutable_server()->set_version("10.11.6-MariaDB-0+deb12u1");

  rig::v1::Summary* t = r.mutable_total();
  t->mutable_counters()->set_ops(60000);
  t->mutable_counters()->set_errors(250);
  t->mutable_counters()->set_retries(31);
  t->mutable_counters()->set_reconnects(4);
  (*t->mutable_counters()->mutable_errors_by_class())["retry_txn"] = 200;
  (*t->mutable_counters()->mutable_errors_by_class())["reconnect<x>"] = 50;
  (*t->mutable_counters()->mutable_errors_by_code())[1213] = 200;
  (*t->mutable_counters()->mutable_errors_by_code())[2013] = 50;
  t->set_measured_us(30000000);
  t->set_ops_per_sec(2000);
  t->set_queries_per_sec(6000);
  t->set_error_rate(250.0 / 60250.0);
  t->mutable_latency()->set_count(60000);
  t->mutable_latency()->set_p50_us(1300);
  t->mutable_latency()->set_p99_us(61200);
  t->mutable_latency()->set_max_us(2500000);

  for (int i = 0; i < 3; ++i) {
    rig::v1::AgentReport* a = r.add_agents();
    a->set_name(i == 1 ? "agent<1>&co" : absl::StrCat("agent-", i));
    a->set_address(absl::StrCat("10.0.0.", i + 1, ":7070"));
    a->set_index(i);
    a->set_connections(i == 0 ? 22 : 21);
    a->set_final_state(i == 2 ? rig::v1::STATE_FAILED
                              : rig::v1::STATE_COMPLETED);
    a->set_lost(i == 2);
    if (i == 2) a->set_error("stream closed: <unavailable>");
    a->mutable_summary()->mutable_counters()->set_ops(20000);
    a->mutable_summary()->set_ops_per_sec(666.7);
  }
  for (int i = 0; i < intervals; ++i) {
    *r.add_intervals() = Interval(i, 5000000 + i * 1000000LL, 1000000);
  }
  rig::v1::BreakerEventRecord* b = r.add_breaker_events();
  b->set_agent("agent<1>&co");
  b->set_offset_us(17250000);
  b->mutable_event()->set_from(rig::v1::BREAKER_STATE_CLOSED);
  b->mutable_event()->set_to(rig::v1::BREAKER_STATE_OPEN);
  b->mutable_event()->set_reason("20 failures in 10s");
  b->mutable_event()->set_target("127.0.0.1:4000");
  b = r.add_breaker_events();
  b->set_agent("agent-0");
  b->set_offset_us(22500000);
  b->mutable_event()->set_from(rig::v1::BREAKER_STATE_HALF_OPEN);
  b->mutable_event()->set_to(rig::v1::BREAKER_STATE_CLOSED);
  b->mutable_event()->set_reason("probes succeeded");

  // scenario/isolation alongside the load: two rounds, the second failed.
  for (int i = 0; i < 2; ++i) {
    rig::v1::ScenarioRoundRecord* rec = r.add_scenario_rounds();
    rec->set_agent("agent-0");
    rig::v1::ScenarioRound* round = rec->mutable_round();
    round->set_kind("scenario/isolation");
    round->set_round(i + 1);
    round->set_start_offset_us(6000000 + i * 10000000LL);
    round->set_end_offset_us(round->start_offset_us() + 250000);
    rig::v1::Check* c = round->add_checks();
    c->set_name("snapshot <kept>");
    c->set_status(i == 0 ? rig::v1::CHECK_STATUS_PASSED
                         : rig::v1::CHECK_STATUS_FAILED);
    c->set_message(i == 0 ? "snapshot <kept>: expected 0, saw 0"
                          : "snapshot <kept>: expected 0, saw 10 - FAILED");
    round->set_status(c->status());
  }

  rig::v1::ErrorSampleRecord* s = r.add_error_samples();
  s->set_agent("agent-0");
  s->mutable_sample()->set_offset_us(13000000);
  s->mutable_sample()->set_error_class("retry_txn");
  rig::v1::ErrorContext* ctx = s->mutable_sample()->mutable_context();
  ctx->set_operation("point_select");
  ctx->set_state(rig::v1::STATE_RUNNING);
  ctx->set_connection_id(77);
  ctx->set_attempt(3);
  ctx->set_server_code(1062);
  ctx->set_sqlstate("23000");
  ctx->set_message(kNastyMessage);

  rig::v1::ThresholdVerdict* v = r.add_thresholds();
  v->set_expression("p99 < 50ms");
  v->set_passed(false);
  v->set_observed(61200);
  v->set_limit(50000);
  v->set_message("p99 = 61.2ms, limit < 50ms: FAILED");
  return r;
}

// The text of <script type="application/json" id="ID">...</script>.
std::string DataBlock(const std::string& html, const std::string& id) {
  const std::string open =
      absl::StrCat("<script type=\"application/json\" id=\"", id, "\">");
  const size_t at = html.find(open);
  if (at == std::string::npos) return "";
  const size_t begin = at + open.size();
  const size_t end = html.find("</script>", begin);
  if (end == std::string::npos) return "";
  return html.substr(begin, end - begin);
}

google::protobuf::Value ParseBlock(const std::string& html,
                                   const std::string& id) {
  google::protobuf::Value v;
  const std::string json = DataBlock(html, id);
  EXPECT_FALSE(json.empty()) << "no data block " << id;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &v);
  EXPECT_TRUE(status.ok()) << id << ": " << status.ToString();
  return v;
}

// Points of series `name` in a parsed data block.
std::vector<std::pair<double, double>> Points(
    const google::protobuf::Value& block, const std::string& name) {
  std::vector<std::pair<double, double>> out;
  for (const auto& s :
       block.struct_value().fields().at("series").list_value().values()) {
    const auto& f = s.struct_value().fields();
    if (f.at("name").string_value() != name) continue;
    for (const auto& p : f.at("points").list_value().values()) {
      out.emplace_back(p.list_value().values(0).number_value(),
                       p.list_value().values(1).number_value());
    }
  }
  return out;
}

TEST(HtmlReportTest, PageIsSelfContained) {
  const std::string html = RenderHtmlReport(Synthetic());
  EXPECT_TRUE(absl::StartsWith(html, "<!DOCTYPE html>"));
  EXPECT_TRUE(Has(html, "</html>"));
  EXPECT_TRUE(Lacks(html, "http://"));
  EXPECT_TRUE(Lacks(html, "https://"));
  EXPECT_TRUE(Lacks(html, "<link"));
  EXPECT_TRUE(Lacks(html, " src="));
  EXPECT_TRUE(Lacks(html, "url("));
  EXPECT_TRUE(Lacks(html, "@import"));
  EXPECT_TRUE(Lacks(html, "@font-face"));
  // The only scripts are the three inert data blocks.
  EXPECT_EQ(Count(html, "<script"), 3);
  EXPECT_EQ(Count(html, "<script type=\"application/json\""), 3);
}

TEST(HtmlReportTest, DataBlocksHoldEveryIntervalValue) {
  const rig::v1::Report r = Synthetic();
  const std::string html = RenderHtmlReport(r);
  const auto throughput = ParseBlock(html, "chart-throughput-data");
  const auto latency = ParseBlock(html, "chart-latency-data");
  const auto errors = ParseBlock(html, "chart-error-rate-data");
  EXPECT_EQ(throughput.struct_value().fields().at("unit").string_value(),
            "ops/s");
  EXPECT_EQ(latency.struct_value().fields().at("unit").string_value(), "ms");

  const auto ops = Points(throughput, "ops_per_sec");
  const auto p50 = Points(latency, "p50");
  const auto p99 = Points(latency, "p99");
  const auto rate = Points(errors, "error_rate");
  ASSERT_EQ(ops.size(), 30u);
  ASSERT_EQ(p50.size(), 30u);
  ASSERT_EQ(p99.size(), 30u);
  ASSERT_EQ(rate.size(), 30u);
  for (int i = 0; i < 30; ++i) {
    const auto& iv = r.intervals(i);
    const double t = iv.end_offset_us() / 1e6;
    // Exact: the block's numbers round-trip.
    EXPECT_EQ(ops[i].first, t);
    EXPECT_EQ(ops[i].second, iv.ops_per_sec()) << i;
    EXPECT_EQ(p50[i].first, t);
    EXPECT_EQ(p50[i].second, iv.latency().p50_us() / 1e3) << i;
    EXPECT_EQ(p99[i].second, iv.latency().p99_us() / 1e3) << i;
    const double attempts =
        static_cast<double>(iv.counters().ops() + iv.counters().errors());
    EXPECT_EQ(rate[i].first, t);
    EXPECT_EQ(rate[i].second, iv.counters().errors() / attempts) << i;
  }
  // Every point is also a marker in the SVG, with its exact value.
  EXPECT_EQ(Count(html, "<circle "), 4 * 30);
  EXPECT_TRUE(Has(html, "data-v=\"1900.25\""));
  EXPECT_EQ(Count(html, "<polyline class=\"series-line\""), 4);
}

TEST(HtmlReportTest, BreakerEventsAreMarkedAndListed) {
  const std::string html = RenderHtmlReport(Synthetic());
  // Two events on each of three charts, each with a tooltip.
  EXPECT_EQ(Count(html, "<g class=\"breaker-event\""), 6);
  EXPECT_TRUE(Has(html,
                  "<title>agent&lt;1&gt;&amp;co: breaker closed &#8594; open "
                  "at 17.25s (20 failures in 10s)</title>"));
  EXPECT_TRUE(Has(html, "data-to=\"closed\""));
  EXPECT_TRUE(Has(html, "breaker open</text>"));  // legend
  const auto block = ParseBlock(html, "chart-throughput-data");
  const auto& events =
      block.struct_value().fields().at("breaker_events").list_value();
  ASSERT_EQ(events.values_size(), 2);
  const auto& e0 = events.values(0).struct_value().fields();
  EXPECT_EQ(e0.at("t").number_value(), 17.25);
  EXPECT_EQ(e0.at("agent").string_value(), "agent<1>&co");
  EXPECT_EQ(e0.at("to").string_value(), "open");
  EXPECT_TRUE(Has(html, "<section id=\"breaker-events\">"));
  EXPECT_TRUE(Has(html, "probes succeeded"));
  EXPECT_TRUE(Has(html, "half-open &#8594; closed"));
}

TEST(HtmlReportTest, ScenarioRoundsAreOnTheTimelineAndListed) {
  const std::string html = RenderHtmlReport(Synthetic());
  // Two rounds on each of three charts, coloured by result, with tooltips.
  EXPECT_EQ(Count(html, "<rect class=\"scenario-round\""), 6);
  EXPECT_EQ(Count(html, "data-result=\"failed\""), 3);
  EXPECT_TRUE(Has(html,
                  "<title>agent-0: scenario/isolation round 2 failed (16s "
                  "to 16.25s): snapshot &lt;kept&gt;: expected 0, saw 10 - "
                  "FAILED</title>"))
      << html;
  EXPECT_TRUE(Has(html, "round passed</text>"));  // legend
  EXPECT_TRUE(Has(html, "round failed</text>"));
  const auto block = ParseBlock(html, "chart-latency-data");
  const auto& rounds =
      block.struct_value().fields().at("scenario_rounds").list_value();
  ASSERT_EQ(rounds.values_size(), 2);
  const auto& r1 = rounds.values(1).struct_value().fields();
  EXPECT_EQ(r1.at("t0").number_value(), 16);
  EXPECT_EQ(r1.at("t1").number_value(), 16.25);
  EXPECT_EQ(r1.at("kind").string_value(), "scenario/isolation");
  EXPECT_EQ(r1.at("result").string_value(), "failed");
  EXPECT_TRUE(Has(html, "<section id=\"scenario-rounds\">"));
  EXPECT_TRUE(Has(html, "Scenarios alongside the load"));

  // A long run: every failed round is listed, passed ones up to 50.
  rig::v1::Report many = Synthetic();
  for (int i = 0; i < 120; ++i) {
    rig::v1::ScenarioRoundRecord* rec = many.add_scenario_rounds();
    rec->set_agent("agent-1");
    rec->mutable_round()->set_kind("scenario/isolation");
    rec->mutable_round()->set_round(i + 1);
    rec->mutable_round()->set_start_offset_us(5000000 + i * 200000LL);
    rec->mutable_round()->set_end_offset_us(5100000 + i * 200000LL);
    rec->mutable_round()->set_status(i == 100 ? rig::v1::CHECK_STATUS_FAILED
                                              : rig::v1::CHECK_STATUS_PASSED);
  }
  const std::string long_html = RenderHtmlReport(many);
  EXPECT_EQ(Count(long_html, "<rect class=\"scenario-round\""), 3 * 122);
  EXPECT_TRUE(Has(long_html, "70 more passed rounds not listed"));
  const size_t table_at = long_html.find("<section id=\"scenario-rounds\">");
  ASSERT_NE(table_at, std::string::npos);
  // Both failed rounds (Synthetic's and round 101) are in the table.
  EXPECT_EQ(Count(long_html.substr(table_at), ">failed<"), 2);
  EXPECT_TRUE(Lacks(long_html, "left out of this report"));
  // Rounds the coordinator left out of the report are said to be.
  many.set_scenario_rounds_omitted(4000);
  EXPECT_TRUE(Has(RenderHtmlReport(many),
                  "4000 more rounds are left out of this report, which "
                  "keeps 122"));
  EXPECT_TRUE(Lacks(RenderHtmlReport(many), "report.journal"));
  many.mutable_plan()->mutable_report()->set_journal("/reports/journal.jsonl");
  EXPECT_TRUE(Has(RenderHtmlReport(many),
                  "the run journal (<code>report.journal</code>) lists each "
                  "one"));

  // Without rounds, neither bars nor the section.
  rig::v1::Report none = Synthetic();
  none.clear_scenario_rounds();
  const std::string plain = RenderHtmlReport(none);
  EXPECT_TRUE(Lacks(plain, "scenario-round"));
}

TEST(HtmlReportTest, EscapesEveryReportString) {
  const std::string html = RenderHtmlReport(Synthetic());
  EXPECT_TRUE(Lacks(html, "<script>alert"));
  EXPECT_TRUE(Lacks(html, "<b>bold"));
  EXPECT_TRUE(Lacks(html, "agent<1>"));
  EXPECT_TRUE(Lacks(html, "<EOF>"));
  EXPECT_TRUE(Lacks(html, "<unavailable>"));
  EXPECT_TRUE(Lacks(html, "reconnect<x>"));
  EXPECT_TRUE(Has(html,
                  "Duplicate entry &lt;script&gt;alert(&quot;x&quot;)&lt;/"
                  "script&gt; &amp; &#39;k&#39; for key PRIMARY"));
  EXPECT_TRUE(Has(html, "smoke &amp; &lt;b&gt;bold&lt;/b&gt;"));
  EXPECT_TRUE(Has(html, "agent&lt;1&gt;&amp;co"));
  EXPECT_TRUE(Has(html, "reconnect&lt;x&gt;"));
  // Inside the JSON blocks markup characters are \u escapes.
  EXPECT_TRUE(Has(DataBlock(html, "chart-latency-data"),
                  "\"agent\\u003c1\\u003e\\u0026co\""));
}

TEST(HtmlReportTest, ShowsHeaderTablesAndVerdicts) {
  rig::v1::Report r = Synthetic();
  rig::v1::Check* c = r.mutable_verification()->add_checks();
  r.mutable_verification()->set_status(rig::v1::CHECK_STATUS_FAILED);
  c->set_name("row_count");
  c->set_status(rig::v1::CHECK_STATUS_FAILED);
  c->set_expected("10000");
  c->set_seen("9999");
  const std::string html = RenderHtmlReport(r);
  for (const char* s : {"THRESHOLDS FAILED",
                        "DEGRADED",
                        "run-42",
                        "oltp_point_select",
                        "mariadb 10.11.6-MariaDB-0+deb12u1",
                        "0.1.0-test",
                        "2023-11-14 22:13:20 UTC",
                        "30.00s",
                        "agent-2 lost: stream closed",
                        "10.0.0.2:7070",
                        "LOST",
                        "failed",
                        "60,000",
                        "2000.0",
                        "6000.0",
                        "61.20ms",
                        "2.50s",
                        "p99 &lt; 50ms",
                        "p99 = 61.2ms, limit &lt; 50ms: FAILED",
                        "1213",
                        "2013",
                        "retry_txn",
                        "point_select",
                        "23000",
                        "1062",
                        "<section id=\"verification\">",
                        "row_count",
                        "9999",
                        "id=\"chart-throughput\"",
                        "id=\"chart-latency\"",
                        "id=\"chart-error-rate\""}) {
    EXPECT_TRUE(Has(html, s));
  }
  EXPECT_TRUE(Lacks(html, "no-intervals"));

  // Each status gets its word.
  r.set_status(rig::v1::RUN_STATUS_PASSED);
  EXPECT_TRUE(Has(RenderHtmlReport(r), "badge good\">PASSED"));
  r.set_status(rig::v1::RUN_STATUS_VERIFICATION_FAILED);
  EXPECT_TRUE(Has(RenderHtmlReport(r), "badge bad\">VERIFICATION FAILED"));
  r.set_status(rig::v1::RUN_STATUS_INCOMPLETE);
  EXPECT_TRUE(Has(RenderHtmlReport(r), "badge warn\">INCOMPLETE"));
}

TEST(HtmlReportTest, ListsOnlyTheFirstTwentySamples) {
  rig::v1::Report r = Synthetic();
  for (int i = 0; i < 24; ++i) {
    rig::v1::ErrorSampleRecord* s = r.add_error_samples();
    s->set_agent("agent-1");
    s->mutable_sample()->mutable_context()->set_message(
        absl::StrCat("sample number ", 100 + i));
  }
  const std::string html = RenderHtmlReport(r);
  EXPECT_TRUE(Has(html, "The first 20 of 25 samples"));
  EXPECT_TRUE(Has(html, "sample number 118"));
  EXPECT_TRUE(Lacks(html, "sample number 119"));
}

// Every coordinate and data value in the SVG is a finite number, and the
// JSON blocks hold no nulls (how non-finite numbers are written).
void ExpectNoNonFiniteNumbers(const std::string& html) {
  for (const char* attr :
       {" x=\"", " y=\"", " x1=\"", " y1=\"", " x2=\"", " y2=\"", " cx=\"",
        " cy=\"", " data-t=\"", " data-v=\"", " points=\""}) {
    const std::string a = attr;
    for (size_t at = html.find(a); at != std::string::npos;
         at = html.find(a, at + 1)) {
      const size_t begin = at + a.size();
      const std::string value =
          html.substr(begin, html.find('"', begin) - begin);
      for (absl::string_view token :
           absl::StrSplit(value, absl::ByAnyChar(" ,"), absl::SkipEmpty())) {
        const std::string t(token);
        char* end = nullptr;
        const double d = std::strtod(t.c_str(), &end);
        EXPECT_TRUE(*end == '\0' && std::isfinite(d))
            << a << value << "\" is not all finite numbers";
      }
    }
  }
  for (const char* id : {"chart-throughput-data", "chart-latency-data",
                         "chart-error-rate-data"}) {
    EXPECT_TRUE(Lacks(DataBlock(html, id), "null"));
  }
}

TEST(HtmlReportTest, EmptyReportRendersANote) {
  const std::string html = RenderHtmlReport(rig::v1::Report());
  EXPECT_TRUE(absl::StartsWith(html, "<!DOCTYPE html>"));
  EXPECT_TRUE(Has(html, "</html>"));
  EXPECT_TRUE(Has(html, "class=\"note no-intervals\""));
  EXPECT_TRUE(Has(html, "No intervals"));
  EXPECT_TRUE(Lacks(html, "<svg"));
  EXPECT_TRUE(Lacks(html, "chart-throughput-data"));
  EXPECT_TRUE(Has(html, "UNKNOWN"));
  ExpectNoNonFiniteNumbers(html);

  // Breaker events without intervals are still listed.
  rig::v1::Report r = Synthetic(0);
  const std::string with_events = RenderHtmlReport(r);
  EXPECT_TRUE(Has(with_events, "no-intervals"));
  EXPECT_TRUE(Has(with_events, "20 failures in 10s"));
}

TEST(HtmlReportTest, OneIntervalDoesNotDivideByZero) {
  rig::v1::Report r = Synthetic(1);
  r.clear_breaker_events();
  std::string html = RenderHtmlReport(r);
  ExpectNoNonFiniteNumbers(html);
  EXPECT_EQ(
      Points(ParseBlock(html, "chart-throughput-data"), "ops_per_sec").size(),
      1u);
  EXPECT_EQ(Count(html, "<circle "), 4);

  // Zero-length and all-zero: no span on either axis.
  r.clear_intervals();
  rig::v1::IntervalReport* iv = r.add_intervals();
  iv->set_start_offset_us(3000000);
  iv->set_end_offset_us(3000000);
  html = RenderHtmlReport(r);
  ExpectNoNonFiniteNumbers(html);
  const auto rate =
      Points(ParseBlock(html, "chart-error-rate-data"), "error_rate");
  ASSERT_EQ(rate.size(), 1u);
  EXPECT_EQ(rate[0].second, 0);
}

// The stub left when the load stops is not plotted (it would read as a
// throughput collapse), and the page says so.
TEST(HtmlReportTest, ThePartialLastIntervalIsNotPlotted) {
  rig::v1::Report r = Synthetic(5);
  const int64_t end = r.intervals(4).end_offset_us();
  rig::v1::IntervalReport stub = Interval(5, end, 20000);
  stub.mutable_counters()->set_ops(7);
  *r.add_intervals() = stub;
  const std::string html = RenderHtmlReport(r);
  EXPECT_EQ(
      Points(ParseBlock(html, "chart-throughput-data"), "ops_per_sec").size(),
      5u);
  EXPECT_EQ(Points(ParseBlock(html, "chart-latency-data"), "p99").size(), 5u);
  EXPECT_TRUE(Has(html,
                  "The last 0.020 s (a partial interval as the load stopped, "
                  "7 ops) are in the totals but not plotted."));
  // A full last interval is plotted, without the note.
  const std::string full = RenderHtmlReport(Synthetic(5));
  EXPECT_EQ(
      Points(ParseBlock(full, "chart-throughput-data"), "ops_per_sec").size(),
      5u);
  EXPECT_TRUE(Lacks(full, "partial-interval"));
}

TEST(HtmlReportTest, LongRunsKeepEveryPointInTheDataBlocks) {
  const rig::v1::Report r = Synthetic(400);
  const std::string html = RenderHtmlReport(r);
  // Too many markers to draw; the lines and the JSON still have them all.
  EXPECT_EQ(Count(html, "<circle "), 0);
  EXPECT_EQ(Count(html, "<polyline class=\"series-line\""), 4);
  const auto p99 = Points(ParseBlock(html, "chart-latency-data"), "p99");
  ASSERT_EQ(p99.size(), 400u);
  EXPECT_EQ(p99[399].first, r.intervals(399).end_offset_us() / 1e6);
  EXPECT_EQ(p99[399].second, r.intervals(399).latency().p99_us() / 1e3);
  ExpectNoNonFiniteNumbers(html);
}

TEST(HtmlReportTest, ADayOfIntervalsIsThinnedAndKeepsItsSpikes) {
  rig::v1::Report r = Synthetic(86400);  // 24 h at 1 s
  r.mutable_intervals(50000)->mutable_latency()->set_p99_us(9'999'000);
  const std::string html = RenderHtmlReport(r);
  EXPECT_LT(html.size(), 4u << 20) << "a day's report must stay usable";
  const auto p99 = Points(ParseBlock(html, "chart-latency-data"), "p99");
  EXPECT_LE(p99.size(), 2000u);
  EXPECT_GE(p99.size(), 1000u);
  double top = 0;
  for (const auto& [t, v] : p99) top = std::max(top, v);
  EXPECT_EQ(top, 9999.0) << "the spike was thinned away";
  for (size_t i = 1; i < p99.size(); ++i) {
    ASSERT_LT(p99[i - 1].first, p99[i].first) << "out of time order at " << i;
  }
  EXPECT_NE(html.find("86400 intervals: each line shows the least and the "
                      "most value"),
            std::string::npos);
}

// sysbench's read/write/other (oltp_*): a table of them under the totals
// and a chart of each per second; neither for a workload without them.
TEST(HtmlReportTest, ShowsQueriesPerformedWhereTheWorkloadCountsThem) {
  rig::v1::Report r = Synthetic();
  std::string html = RenderHtmlReport(r);
  EXPECT_TRUE(Lacks(html, "queries-performed"));
  rig::v1::Counters* c = r.mutable_total()->mutable_counters();
  c->set_read_queries(840000);
  c->set_write_queries(240000);
  c->set_other_queries(120000);
  for (auto& iv : *r.mutable_intervals()) {
    iv.mutable_counters()->set_read_queries(14 * iv.counters().ops());
    iv.mutable_counters()->set_write_queries(4 * iv.counters().ops());
    iv.mutable_counters()->set_other_queries(2 * iv.counters().ops());
  }
  html = RenderHtmlReport(r);
  EXPECT_TRUE(Has(html, "<table class=\"queries-performed\">"));
  EXPECT_TRUE(Has(html,
                  "<td class=\"num\">840,000</td><td class=\"num\">"
                  "240,000</td><td class=\"num\">120,000</td><td "
                  "class=\"num\">1,200,000</td>"));
  const auto block = ParseBlock(html, "chart-queries-performed-data");
  const auto read = Points(block, "read");
  const auto other = Points(block, "other");
  ASSERT_EQ(read.size(), 30u);
  ASSERT_EQ(other.size(), 30u);
  for (int i = 0; i < 30; ++i) {
    const auto& iv = r.intervals(i);
    const double span = (iv.end_offset_us() - iv.start_offset_us()) / 1e6;
    EXPECT_DOUBLE_EQ(read[i].second, 14 * iv.counters().ops() / span) << i;
    EXPECT_DOUBLE_EQ(other[i].second, 2 * iv.counters().ops() / span) << i;
  }
}

}  // namespace
}  // namespace rig::coordinator
