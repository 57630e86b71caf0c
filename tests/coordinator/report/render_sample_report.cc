// Writes the HTML report of a synthetic run, for looking at the page in a
// browser and for html_chromium_test.sh.
//
//   render_sample_report OUT.html [INTERVALS]
//
// INTERVALS (default 30) one-second intervals after a 5s warm-up, 3 agents
// (one lost), a breaker that opens, probes and closes, failed and passed
// thresholds, verification checks, and error text full of markup to show
// the escaping. Exit code 0 when written, 1 on a write error, 2 on usage.

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "coordinator/report/html.h"
#include "coordinator/report/writer.h"
#include "rig/v1/report.pb.h"

namespace {

void AddBreaker(rig::v1::Report* r, const std::string& agent, int64_t at_us,
                rig::v1::BreakerState from, rig::v1::BreakerState to,
                const std::string& reason) {
  rig::v1::BreakerEventRecord* b = r->add_breaker_events();
  b->set_agent(agent);
  b->set_offset_us(at_us);
  b->mutable_event()->set_target("127.0.0.1:4000");
  b->mutable_event()->set_from(from);
  b->mutable_event()->set_to(to);
  b->mutable_event()->set_reason(reason);
  b->mutable_event()->set_failures(20);
  b->mutable_event()->set_requests(31);
}

rig::v1::Report SampleReport(int intervals) {
  rig::v1::Report r;
  r.set_schema_version(1);
  r.set_tool_version("0.1.0-sample");
  r.set_run_id("20240501-120000-7f3a");
  r.mutable_plan()->set_name("point-select <smoke> & friends");
  r.mutable_plan()->mutable_workload()->set_kind("oltp_point_select");
  r.mutable_plan()->mutable_load()->set_connections(64);
  r.mutable_plan()->mutable_load()->mutable_report_interval()->set_seconds(1);
  r.mutable_started_at()->set_seconds(1714564800);
  r.mutable_finished_at()->set_seconds(1714564800 + 5 + intervals + 2);
  r.set_status(rig::v1::RUN_STATUS_THRESHOLDS_FAILED);
  r.set_exit_code(1);
  r.set_degraded(true);
  r.set_error("agent \"rig-agent-2\" lost: stream closed <EOF> & not back");
  r.mutable_server()->set_flavor("mariadb");
  r.mutable_server()->set_version("10.11.6-MariaDB-0+deb12u1");

  int64_t ops = 0, errors = 0;
  for (int i = 0; i < intervals; ++i) {
    rig::v1::IntervalReport* iv = r.add_intervals();
    iv->set_seq(i);
    iv->set_start_offset_us(5000000 + i * 1000000LL);
    iv->set_end_offset_us(iv->start_offset_us() + 1000000);
    // A dip with errors while the breaker is open (12s..17s of 30).
    const bool dip = i >= intervals * 2 / 5 && i < intervals * 3 / 5;
    const int64_t n = static_cast<int64_t>(
        (dip ? 900 : 2400) + 250 * std::sin(i / 2.5) + 13 * (i % 4));
    const int64_t e = dip ? 60 + 7 * (i % 3) : (i % 7 == 0 ? 2 : 0);
    iv->mutable_counters()->set_ops(n);
    iv->mutable_counters()->set_errors(e);
    iv->mutable_counters()->set_queries(3 * n);
    iv->set_ops_per_sec(static_cast<double>(n));
    iv->mutable_latency()->set_count(n);
    iv->mutable_latency()->set_p50_us(1100 + 40 * (i % 5) + (dip ? 2500 : 0));
    iv->mutable_latency()->set_p99_us(
        static_cast<int64_t>(9000 + 1500 * std::cos(i / 3.0)) +
        (dip ? 38000 : 0));
    iv->mutable_latency()->set_max_us(120000 + 1000 * i);
    iv->set_agents_reporting(i < intervals - 4 ? 3 : 2);
    ops += n;
    errors += e;
  }

  rig::v1::Summary* t = r.mutable_total();
  t->mutable_counters()->set_ops(ops);
  t->mutable_counters()->set_queries(3 * ops);
  t->mutable_counters()->set_errors(errors);
  t->mutable_counters()->set_retries(errors / 2);
  t->mutable_counters()->set_reconnects(4);
  t->mutable_counters()->set_rows(ops);
  (*t->mutable_counters()->mutable_errors_by_class())["retry_txn"] =
      errors - errors / 5;
  (*t->mutable_counters()->mutable_errors_by_class())["reconnect"] = errors / 5;
  (*t->mutable_counters()->mutable_errors_by_code())[1213] =
      errors - errors / 5;
  (*t->mutable_counters()->mutable_errors_by_code())[2013] = errors / 5;
  t->set_measured_us(intervals * 1000000LL);
  if (intervals > 0) {
    t->set_ops_per_sec(ops * 1e6 / t->measured_us());
    t->set_queries_per_sec(3 * ops * 1e6 / t->measured_us());
  }
  if (ops + errors > 0) {
    t->set_error_rate(static_cast<double>(errors) / (ops + errors));
  }
  for (rig::v1::Latency* l :
       {t->mutable_latency(), t->mutable_service_latency()}) {
    l->set_count(ops);
    l->set_min_us(180);
    l->set_mean_us(2950.5);
    l->set_p50_us(1310);
    l->set_p90_us(4200);
    l->set_p95_us(8800);
    l->set_p99_us(61200);
    l->set_p999_us(148000);
    l->set_max_us(2510000);
  }
  t->mutable_service_latency()->set_p99_us(40100);

  const char* names[] = {"rig-agent-0", "rig-agent-1 <b>&amp;</b>",
                         "rig-agent-2"};
  for (int i = 0; i < 3; ++i) {
    rig::v1::AgentReport* a = r.add_agents();
    a->set_name(names[i]);
    a->set_address(absl::StrCat("10.0.0.", i + 11, ":7070"));
    a->set_index(i);
    a->set_connections(i == 0 ? 22 : 21);
    a->set_final_state(i == 2 ? rig::v1::STATE_FAILED
                              : rig::v1::STATE_COMPLETED);
    a->set_lost(i == 2);
    if (i == 2) a->set_error("heartbeat timeout after 5s: <unavailable>");
    rig::v1::Summary* s = a->mutable_summary();
    s->mutable_counters()->set_ops(ops / 3);
    s->mutable_counters()->set_errors(errors / 3);
    s->set_ops_per_sec(t->ops_per_sec() / 3);
    s->mutable_latency()->set_p50_us(1290 + 20 * i);
    s->mutable_latency()->set_p99_us(59000 + 2000 * i);
    s->mutable_latency()->set_max_us(2400000 + 50000 * i);
  }

  const int64_t open_at = 5000000 + intervals * 2 / 5 * 1000000LL + 250000;
  AddBreaker(&r, names[1], open_at, rig::v1::BREAKER_STATE_CLOSED,
             rig::v1::BREAKER_STATE_OPEN, "20 of 31 requests failed in 10s");
  AddBreaker(&r, names[1], open_at + 3000000, rig::v1::BREAKER_STATE_OPEN,
             rig::v1::BREAKER_STATE_HALF_OPEN, "open_for 3s elapsed");
  AddBreaker(&r, names[1], open_at + 3600000, rig::v1::BREAKER_STATE_HALF_OPEN,
             rig::v1::BREAKER_STATE_CLOSED, "3 probes succeeded");

  for (int i = 0; i < 23; ++i) {
    rig::v1::ErrorSampleRecord* s = r.add_error_samples();
    s->set_agent(names[i % 3]);
    s->mutable_sample()->set_offset_us(open_at + i * 90000);
    s->mutable_sample()->set_error_class(i % 5 == 4 ? "reconnect"
                                                    : "retry_txn");
    rig::v1::ErrorContext* c = s->mutable_sample()->mutable_context();
    c->set_operation("point_select");
    c->set_state(rig::v1::STATE_RUNNING);
    c->set_agent(names[i % 3]);
    c->set_connection_id(100 + i);
    c->set_attempt(1 + i % 3);
    c->set_server_code(i % 5 == 4 ? 2013 : 1213);
    c->set_sqlstate(i % 5 == 4 ? "HY000" : "40001");
    c->set_message(i == 0 ? "Deadlock found <script>alert('x')</script> & "
                            "try restarting transaction"
                          : "Deadlock found when trying to get lock; try "
                            "restarting transaction");
  }

  auto* v = r.add_thresholds();
  v->set_expression("p99 < 50ms");
  v->set_observed(61200);
  v->set_limit(50000);
  v->set_message("p99 = 61.2ms, limit < 50ms: FAILED");
  v = r.add_thresholds();
  v->set_expression("error_rate < 0.05");
  v->set_passed(true);
  v->set_observed(t->error_rate());
  v->set_limit(0.05);
  v->set_message("error_rate = 0.0178, limit < 0.05: passed");

  // scenario/isolation alongside the load on two agents every 5s; one
  // round fails while the breaker is open.
  for (int a = 0; a < 2; ++a) {
    for (int i = 0; i * 5 < intervals; ++i) {
      rig::v1::ScenarioRoundRecord* rec = r.add_scenario_rounds();
      rec->set_agent(absl::StrCat("rig-agent-", a));
      rig::v1::ScenarioRound* round = rec->mutable_round();
      round->set_kind("scenario/isolation");
      round->set_round(i + 1);
      round->set_start_offset_us(5000000 + i * 5000000LL + a * 40000);
      round->set_end_offset_us(round->start_offset_us() + 180000 + a * 30000);
      const bool failed = a == 1 && i == 3;
      rig::v1::Check* c = round->add_checks();
      c->set_name("REPEATABLE READ: B keeps its snapshot after A commits");
      c->set_status(failed ? rig::v1::CHECK_STATUS_FAILED
                           : rig::v1::CHECK_STATUS_PASSED);
      c->set_expected("SUM(v) = 0 until B's transaction ends");
      c->set_seen(failed ? "SUM(v) = 10" : "SUM(v) = 0");
      c->set_message(absl::StrCat(c->name(), ": expected ", c->expected(),
                                  ", saw ", c->seen(),
                                  failed ? " - FAILED" : ""));
      round->set_status(c->status());
    }
  }

  rig::v1::VerificationResult* vr = r.mutable_verification();
  vr->set_status(rig::v1::CHECK_STATUS_PASSED);
  rig::v1::Check* c = vr->add_checks();
  c->set_name("row_count");
  c->set_status(rig::v1::CHECK_STATUS_PASSED);
  c->set_expected("40000");
  c->set_seen("40000");
  c = vr->add_checks();
  c->set_name("checksum");
  c->set_status(rig::v1::CHECK_STATUS_SKIPPED);
  c->set_message("not supported on mariadb");
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s OUT.html [INTERVALS]\n", argv[0]);
    return 2;
  }
  int intervals = 30;
  if (argc == 3) {
    char* end = nullptr;
    const long n = std::strtol(argv[2], &end, 10);
    if (*end != '\0' || n < 0 || n > 1000000) {
      std::fprintf(stderr, "INTERVALS must be 0..1000000, got \"%s\"\n",
                   argv[2]);
      return 2;
    }
    intervals = static_cast<int>(n);
  }
  const absl::Status s = rig::coordinator::WriteReport(
      rig::coordinator::HtmlWriter(), SampleReport(intervals), argv[1]);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
