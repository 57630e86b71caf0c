#include "coordinator/report/html/sections.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "coordinator/report/html/escape.h"
#include "coordinator/report/html/format.h"
#include "coordinator/report/html/table.h"
#include "coordinator/report/terminal.h"
#include "coordinator/results/rounds.h"

namespace rig::coordinator::html {
namespace {

// How many error samples the page lists (the JSON report keeps the first 100).
constexpr int kMaxSamples = 20;

std::string LatencyRow(absl::string_view what, const rig::v1::Latency& l) {
  return absl::StrCat(
      "<tr><td>", what, "</td><td class=\"num\">", Grouped(l.count()),
      "</td><td class=\"num\">", FormatMicros(l.min_us()),
      "</td><td class=\"num\">",
      FormatMicros(static_cast<int64_t>(std::llround(l.mean_us()))),
      "</td><td class=\"num\">", FormatMicros(l.p50_us()),
      "</td><td class=\"num\">", FormatMicros(l.p90_us()),
      "</td><td class=\"num\">", FormatMicros(l.p95_us()),
      "</td><td class=\"num\">", FormatMicros(l.p99_us()),
      "</td><td class=\"num\">", FormatMicros(l.p999_us()),
      "</td><td class=\"num\">", FormatMicros(l.max_us()), "</td></tr>\n");
}

}  // namespace

std::string PlanName(const rig::v1::Report& r) {
  return r.plan().name().empty() ? "(unnamed plan)" : r.plan().name();
}

std::string Header(const rig::v1::Report& r) {
  const StatusLook look = LookOf(r.status());
  std::string out =
      absl::StrCat("<header>\n<h1><span class=\"plan\">", H(PlanName(r)),
                   "</span> ", Badge(look.word, look.css));
  if (r.degraded()) {
    absl::StrAppend(&out,
                    " <span class=\"badge warn degraded\" title=\"Agents "
                    "were lost; results cover the rest\">DEGRADED</span>");
  }
  out += "</h1>\n<dl class=\"run-info\">\n";
  auto Item = [&out](absl::string_view k, const std::string& v_html) {
    absl::StrAppend(&out, "<dt>", k, "</dt><dd>", v_html, "</dd>\n");
  };
  int lost = 0;
  for (const auto& a : r.agents()) lost += a.lost() ? 1 : 0;
  Item("Run id", H(r.run_id()));
  Item("Status", H(look.word));
  Item("Workload", H(r.plan().workload().kind()));
  Item("Connections", Grouped(r.plan().load().connections()));
  Item("Agents", absl::StrCat(r.agents_size(),
                              lost ? absl::StrCat(" (", lost, " lost)") : ""));
  Item("Measured", H(Seconds(r.total().measured_us())));
  Item("Started", Timestamp(r.started_at()));
  Item("Finished", Timestamp(r.finished_at()));
  Item("Server",
       r.server().flavor().empty()
           ? std::string("&ndash;")
           : H(absl::StrCat(r.server().flavor(), " ", r.server().version())));
  Item("Tool version", H(r.tool_version()));
  Item("Degraded", r.degraded() ? "yes" : "no");
  Item("Exit code", absl::StrCat(r.exit_code()));
  out += "</dl>\n";
  if (!r.error().empty()) {
    absl::StrAppend(&out, "<div class=\"error-box run-error\">", H(r.error()),
                    "</div>\n");
  }
  return out + "</header>\n";
}

std::string Totals(const rig::v1::Report& r) {
  const rig::v1::Summary& t = r.total();
  const rig::v1::Counters& c = t.counters();
  Table table("totals",
              {"ops", "ops/s", "queries/s", "errors", "error rate", "retries",
               "reconnects", "rows"},
              {true, true, true, true, true, true, true, true});
  table.Row({Grouped(c.ops()), Rate(t.ops_per_sec()), Rate(t.queries_per_sec()),
             Grouped(c.errors()), Percent(t.error_rate()), Grouped(c.retries()),
             Grouped(c.reconnects()), Grouped(c.rows())});
  std::string out =
      absl::StrCat("<section id=\"totals\">\n<h2>Totals</h2>\n", table.Html());
  // sysbench's "queries performed", for the workloads that count them.
  const int64_t kinds =
      c.read_queries() + c.write_queries() + c.other_queries();
  if (kinds > 0) {
    Table queries(
        "queries-performed",
        {"queries performed", "read", "write", "other", "total", "total/s"},
        {false, true, true, true, true, true});
    const double seconds = t.measured_us() / 1e6;
    queries.Row({"statements that succeeded", Grouped(c.read_queries()),
                 Grouped(c.write_queries()), Grouped(c.other_queries()),
                 Grouped(kinds), Rate(seconds > 0 ? kinds / seconds : 0)});
    out += queries.Html();
  }
  out +=
      "<table class=\"latency\"><thead><tr><th>latency</th><th "
      "class=\"num\">count</th><th class=\"num\">min</th><th "
      "class=\"num\">mean</th><th class=\"num\">p50</th><th "
      "class=\"num\">p90</th><th class=\"num\">p95</th><th "
      "class=\"num\">p99</th><th class=\"num\">p99.9</th><th "
      "class=\"num\">max</th></tr></thead><tbody>\n";
  out += LatencyRow("response time", t.latency());
  // Service time differs from response time only in the open model.
  if (t.service_latency().count() > 0) {
    out += LatencyRow("service time", t.service_latency());
  }
  return out + "</tbody></table>\n</section>\n";
}

std::string BreakerTable(const rig::v1::Report& r) {
  std::string out =
      "<section id=\"breaker-events\">\n<h2>Circuit breaker events</h2>\n";
  if (r.breaker_events().empty()) {
    return out + "<p class=\"note\">No breaker transitions.</p>\n</section>\n";
  }
  Table table("breakers",
              {"time", "agent", "target", "transition", "reason",
               "failures / requests"},
              {true, false, false, false, false, true});
  for (const auto& b : r.breaker_events()) {
    const auto& e = b.event();
    table.Row(
        {Seconds(b.offset_us()), H(b.agent()), H(e.target()),
         absl::StrCat(H(BreakerWord(e.from())), " &#8594; ",
                      H(BreakerWord(e.to()))),
         H(e.reason()),
         absl::StrCat(Grouped(e.failures()), " / ", Grouped(e.requests()))});
  }
  return out + table.Html() + "</section>\n";
}

std::string FaultTable(const rig::v1::Report& r) {
  if (r.faults().empty()) return "";
  std::string out = "<section id=\"faults\">\n<h2>Faults</h2>\n";
  Table table("faults",
              {"start", "end", "fault", "action", "recover", "baseline",
               "worst", "errors", "recovery"},
              {true, true, false, false, false, true, true, true, false});
  auto step = [](const rig::v1::FaultStep& s) {
    std::string cell = absl::StrCat(
        H(s.what()), "<br>", s.ok() ? "" : "<b>FAILED</b>: ", H(s.outcome()));
    if (!s.output().empty()) {
      absl::StrAppend(&cell, "<details><summary>output</summary><pre>",
                      H(s.output()), "</pre></details>");
    }
    return cell;
  };
  for (const auto& f : r.faults()) {
    const rig::v1::FaultRecovery& rec = f.recovery();
    std::string classes;
    for (const auto& [cls, n] : rec.errors_by_class()) {
      absl::StrAppend(&classes, classes.empty() ? " (" : ", ", H(cls), " ",
                      Grouped(n));
    }
    if (!classes.empty()) classes += ")";
    table.Row(
        {Seconds(f.start_offset_us()), Seconds(f.end_offset_us()),
         absl::StrCat(f.index() + 1, " ", H(f.name()), " #", f.occurrence()),
         step(f.action()), f.has_recover() ? step(f.recover()) : "",
         rec.has_baseline()
             ? absl::StrCat(absl::StrFormat("%.1f", rec.baseline_ops_per_sec()),
                            " ops/s, p99 ",
                            H(FormatMicros(rec.baseline_p99_us())))
             : "",
         rec.has_baseline()
             ? absl::StrCat(absl::StrFormat("%.1f", rec.worst_ops_per_sec()),
                            " ops/s, p99 ", H(FormatMicros(rec.worst_p99_us())))
             : "",
         absl::StrCat(Grouped(rec.errors()), classes), H(rec.summary())});
  }
  return out + table.Html() + "</section>\n";
}

std::string Agents(const rig::v1::Report& r) {
  std::string out = "<section id=\"agents\">\n<h2>Agents</h2>\n";
  if (r.agents().empty()) {
    return out + "<p class=\"note\">No agents.</p>\n</section>\n";
  }
  Table table("agents",
              {"name", "address", "connections", "final state", "lost", "ops",
               "ops/s", "errors", "p50", "p99", "max", "error"},
              {false, false, true, false, false, true, true, true, true, true,
               true, false});
  for (const auto& a : r.agents()) {
    const auto& s = a.summary();
    table.Row(
        {H(a.name()), H(a.address()), Grouped(a.connections()),
         H(StateWord(a.final_state())), a.lost() ? Badge("LOST", "bad") : "no",
         Grouped(s.counters().ops()), Rate(s.ops_per_sec()),
         Grouped(s.counters().errors()), FormatMicros(s.latency().p50_us()),
         FormatMicros(s.latency().p99_us()), FormatMicros(s.latency().max_us()),
         absl::StrCat("<span class=\"msg\">", H(a.error()), "</span>")});
  }
  return out + table.Html() + "</section>\n";
}

std::string Endpoints(const rig::v1::Report& r) {
  if (r.endpoints().empty()) return "";
  std::string out = "<section id=\"endpoints\">\n<h2>Endpoints</h2>\n";
  Table table("endpoints",
              {"endpoint", "ops", "ops/s", "errors", "reconnects",
               "breaker open", "p50", "p99", "max"},
              {false, true, true, true, true, true, true, true, true});
  for (const auto& e : r.endpoints()) {
    const auto& s = e.summary();
    table.Row(
        {H(e.endpoint()), Grouped(s.counters().ops()), Rate(s.ops_per_sec()),
         Grouped(s.counters().errors()), Grouped(s.counters().reconnects()),
         FormatMicros(s.counters().breaker_open_us()),
         FormatMicros(s.latency().p50_us()), FormatMicros(s.latency().p99_us()),
         FormatMicros(s.latency().max_us())});
  }
  return out + table.Html() + "</section>\n";
}

std::string Operations(const rig::v1::Report& r) {
  if (r.operations().empty()) return "";
  std::string out = "<section id=\"operations\">\n<h2>Operations</h2>\n";
  Table table(
      "operations",
      {"operation", "ops", "share", "ops/s", "errors", "rollbacks", "retries",
       "p50", "p95", "p99", "max"},
      {false, true, true, true, true, true, true, true, true, true, true});
  const double total =
      static_cast<double>(std::max<int64_t>(1, r.total().counters().ops()));
  for (const auto& o : r.operations()) {
    const auto& s = o.summary();
    table.Row(
        {H(o.type()), Grouped(s.counters().ops()),
         absl::StrFormat("%.1f%%", 100.0 * s.counters().ops() / total),
         Rate(s.ops_per_sec()), Grouped(s.counters().errors()),
         Grouped(s.counters().rollbacks()), Grouped(s.counters().retries()),
         FormatMicros(s.latency().p50_us()), FormatMicros(s.latency().p95_us()),
         FormatMicros(s.latency().p99_us()),
         FormatMicros(s.latency().max_us())});
  }
  return out + table.Html() + "</section>\n";
}

std::string Thresholds(const rig::v1::Report& r) {
  std::string out = "<section id=\"thresholds\">\n<h2>Thresholds</h2>\n";
  if (r.thresholds().empty()) {
    return out +
           "<p class=\"note\">The plan sets no thresholds.</p>\n"
           "</section>\n";
  }
  Table table("thresholds", {"threshold", "verdict", "detail"}, {});
  for (const auto& v : r.thresholds()) {
    table.Row({absl::StrCat("<code>", H(v.expression()), "</code>"),
               v.passed() ? Badge("passed", "good") : Badge("FAILED", "bad"),
               H(v.message())});
  }
  return out + table.Html() + "</section>\n";
}

std::string Errors(const rig::v1::Report& r) {
  const rig::v1::Counters& c = r.total().counters();
  std::string out = "<section id=\"errors\">\n<h2>Errors</h2>\n";
  const double attempts =
      static_cast<double>(c.ops()) + static_cast<double>(c.errors());
  auto Share = [attempts](int64_t n) {
    return attempts > 0 ? Percent(static_cast<double>(n) / attempts)
                        : std::string("&ndash;");
  };

  out += "<h3>By class</h3>\n";
  if (c.errors_by_class().empty()) {
    out += "<p class=\"note\">None.</p>\n";
  } else {
    std::vector<std::pair<std::string, int64_t>> rows(
        c.errors_by_class().begin(), c.errors_by_class().end());
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    Table table("errors-by-class", {"class", "count", "of attempts"},
                {false, true, true});
    for (const auto& [name, n] : rows) {
      table.Row({H(name), Grouped(n), Share(n)});
    }
    out += table.Html();
  }

  out += "<h3>By server code</h3>\n";
  if (c.errors_by_code().empty()) {
    out += "<p class=\"note\">None.</p>\n";
  } else {
    std::vector<std::pair<int32_t, int64_t>> rows(c.errors_by_code().begin(),
                                                  c.errors_by_code().end());
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    Table table("errors-by-code", {"code", "count", "of attempts"},
                {true, true, true});
    for (const auto& [code, n] : rows) {
      table.Row({absl::StrCat(code), Grouped(n), Share(n)});
    }
    out += table.Html();
  }

  out += "<h3>Samples</h3>\n";
  const int total = r.error_samples_size();
  if (total == 0) {
    out += "<p class=\"note\">No error samples.</p>\n";
  } else {
    const int shown = std::min(total, kMaxSamples);
    if (shown < total) {
      absl::StrAppend(&out, "<p class=\"note\">The first ", shown, " of ",
                      total, " samples; the JSON report has them all.</p>\n");
    }
    Table table(
        "error-samples",
        {"time", "agent", "class", "operation", "state", "connection",
         "attempt", "code", "SQLSTATE", "message"},
        {true, false, false, false, false, true, true, true, false, false});
    for (int i = 0; i < shown; ++i) {
      const auto& rec = r.error_samples(i);
      const auto& s = rec.sample();
      const auto& ctx = s.context();
      table.Row(
          {Seconds(s.offset_us()),
           H(rec.agent().empty() ? ctx.agent() : rec.agent()),
           H(s.error_class()), H(ctx.operation()), H(StateWord(ctx.state())),
           absl::StrCat(ctx.connection_id()), absl::StrCat(ctx.attempt()),
           ctx.server_code() ? absl::StrCat(ctx.server_code()) : "",
           H(ctx.sqlstate()),
           absl::StrCat("<span class=\"msg\">", H(ctx.message()), "</span>")});
    }
    out += table.Html();
  }
  return out + "</section>\n";
}

std::string ScenarioRounds(const rig::v1::Report& r) {
  if (r.scenario_rounds().empty()) return "";
  std::string out =
      "<section id=\"scenario-rounds\">\n<h2>Scenarios alongside the "
      "load</h2>\n";
  Table table("rounds",
              {"time", "agent", "scenario", "round", "result", "took", "checks",
               "detail"},
              {true, false, false, true, false, true, true, false});
  // Every round that did not pass; passed ones up to a limit (a long run
  // with a short `every` has thousands; the JSON report has up to 2000).
  constexpr int kMaxPassedRows = 50;
  int passed_rows = 0, passed_left_out = 0;
  for (const auto& rec : r.scenario_rounds()) {
    const rig::v1::ScenarioRound& round = rec.round();
    if (round.status() == rig::v1::CHECK_STATUS_PASSED &&
        passed_rows++ >= kMaxPassedRows) {
      ++passed_left_out;
      continue;
    }
    table.Row({Seconds(round.start_offset_us()), H(rec.agent()),
               H(round.kind()), absl::StrCat(round.round()),
               Badge(RoundResult(round), CheckCss(round.status())),
               Seconds(round.end_offset_us() - round.start_offset_us()),
               absl::StrCat(round.checks_size()),
               absl::StrCat("<span class=\"msg\">", H(RoundDetail(round)),
                            "</span>")});
  }
  out += table.Html();
  if (passed_left_out > 0) {
    absl::StrAppend(&out, "<p class=\"note rounds-left-out\">", passed_left_out,
                    " more passed round", passed_left_out == 1 ? "" : "s",
                    " not listed (they are in the JSON report and on the "
                    "charts).</p>\n");
  }
  if (r.scenario_rounds_omitted() > 0) {
    absl::StrAppend(
        &out, "<p class=\"note rounds-omitted\">", r.scenario_rounds_omitted(),
        " more round", r.scenario_rounds_omitted() == 1 ? " is" : "s are",
        " left out of this report, which keeps ", r.scenario_rounds_size(),
        " (the rounds that did not pass first, and passed ones spread over "
        "the run). The verification counts every round",
        r.plan().report().journal().empty()
            ? "."
            : "; the run journal (<code>report.journal</code>) lists each one.",
        "</p>\n");
  }
  return out + "</section>\n";
}

std::string Verification(const rig::v1::Report& r) {
  const rig::v1::VerificationResult& v = r.verification();
  if (v.status() == rig::v1::CHECK_STATUS_UNSPECIFIED && v.checks().empty()) {
    return "";
  }
  std::string out =
      absl::StrCat("<section id=\"verification\">\n<h2>Verification ",
                   CheckBadge(v.status()), "</h2>\n");
  if (v.checks().empty()) {
    return out + "<p class=\"note\">No individual checks.</p>\n</section>\n";
  }
  Table table("checks", {"check", "result", "expected", "seen", "message"}, {});
  for (const auto& c : v.checks()) {
    table.Row({H(c.name()), CheckBadge(c.status()), H(c.expected()),
               H(c.seen()), H(c.message())});
  }
  return out + table.Html() + "</section>\n";
}

}  // namespace rig::coordinator::html
