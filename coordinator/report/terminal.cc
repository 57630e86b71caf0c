#include "coordinator/report/terminal.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace rig::coordinator {
namespace {

const char* StatusWord(rig::v1::RunStatus s) {
  switch (s) {
    case rig::v1::RUN_STATUS_PASSED:
      return "PASSED";
    case rig::v1::RUN_STATUS_THRESHOLDS_FAILED:
      return "THRESHOLDS FAILED";
    case rig::v1::RUN_STATUS_VERIFICATION_FAILED:
      return "VERIFICATION FAILED";
    case rig::v1::RUN_STATUS_INCOMPLETE:
      return "INCOMPLETE";
    default:
      return "UNKNOWN";
  }
}

// Latency in milliseconds with three decimals, one unit per column (as
// sysbench, go-tpc and k6 print it).
std::string Ms(int64_t us) { return absl::StrFormat("%.3f", us / 1e3); }

std::string Row(const std::string& name, const rig::v1::Summary& s) {
  const auto& l = s.latency();
  return absl::StrFormat("%-24s %10d %11.1f %11.1f %8d %9s %9s %9s %9s\n", name,
                         s.counters().ops(), s.ops_per_sec(),
                         s.queries_per_sec(), s.counters().errors(),
                         Ms(l.p50_us()), Ms(l.p95_us()), Ms(l.p99_us()),
                         Ms(l.max_us()));
}

// sysbench's "queries performed" block, for workloads that count the
// kinds (oltp_*, sql); empty for the others.
std::string QueriesPerformed(const rig::v1::Summary& s) {
  const rig::v1::Counters& c = s.counters();
  const int64_t total =
      c.read_queries() + c.write_queries() + c.other_queries();
  if (total == 0) return "";
  const double seconds = s.measured_us() / 1e6;
  return absl::StrFormat(
      "\nqueries performed:\n"
      "    read:                            %d\n"
      "    write:                           %d\n"
      "    other:                           %d\n"
      "    total:                           %d (%.2f per sec.)\n",
      c.read_queries(), c.write_queries(), c.other_queries(), total,
      seconds > 0 ? total / seconds : 0.0);
}

}  // namespace

std::string TpccLine(const rig::v1::Report& r) {
  if (r.plan().workload().kind() != "tpcc") return "";
  const double minutes = r.total().measured_us() / 60e6;
  if (minutes <= 0) return "";
  int64_t new_orders = -1;
  for (const auto& o : r.operations()) {
    if (o.type() == "new_order") new_orders = o.summary().counters().ops();
  }
  if (new_orders < 0) return "";
  const double tpmc = new_orders / minutes;
  std::string line = absl::StrFormat("tpmC %.1f, tpmTotal %.1f", tpmc,
                                     r.total().counters().ops() / minutes);
  const auto& fields = r.plan().workload().options().fields();
  if (auto it = fields.find("warehouses");
      it != fields.end() && it->second.number_value() > 0) {
    // The specification's most per warehouse: 12.86 New-Orders a minute.
    absl::StrAppend(
        &line, absl::StrFormat(", efficiency %.1f%% of %g warehouse(s)",
                               100 * tpmc / (12.86 * it->second.number_value()),
                               it->second.number_value()));
  }
  return line;
}

std::string FormatMicros(int64_t us) {
  if (us < 1000) return absl::StrCat(us, "us");
  if (us < 1000000) return absl::StrFormat("%.2fms", us / 1e3);
  return absl::StrFormat("%.2fs", us / 1e6);
}

namespace {

// A rate in few characters: "0.4", "12.5", "1234".
std::string ShortRate(double per_sec) {
  return absl::StrFormat(per_sec < 100 ? "%.1f" : "%.0f", per_sec);
}

}  // namespace

std::string TypeRates(const rig::v1::IntervalReport& iv) {
  // The types that ran in this interval, in the workload's order.
  std::vector<const rig::v1::OperationInterval*> ran;
  for (const auto& o : iv.operations()) {
    if (o.counters().ops() > 0 || o.counters().errors() > 0) ran.push_back(&o);
  }
  if (ran.empty()) return "";
  size_t more = 0;
  if (ran.size() > kTypesOnProgressLine) {
    // The busiest, still in the workload's order.
    std::vector<const rig::v1::OperationInterval*> busiest = ran;
    std::stable_sort(busiest.begin(), busiest.end(),
                     [](const auto* a, const auto* b) {
                       return a->ops_per_sec() > b->ops_per_sec();
                     });
    busiest.resize(kTypesOnProgressLine - 1);
    more = ran.size() - busiest.size();
    std::vector<const rig::v1::OperationInterval*> kept;
    for (const auto* o : ran) {
      if (std::find(busiest.begin(), busiest.end(), o) != busiest.end()) {
        kept.push_back(o);
      }
    }
    ran = kept;
  }
  std::vector<std::string> parts;
  for (const auto* o : ran) {
    std::string name = o->type();
    if (name.size() > kTypeNameOnProgressLine) {
      name = name.substr(0, kTypeNameOnProgressLine - 1) + "~";
    }
    parts.push_back(absl::StrCat(name, " ", ShortRate(o->ops_per_sec())));
  }
  std::string out = absl::StrJoin(parts, " ");
  if (more > 0) absl::StrAppend(&out, " +", more, " more");
  return out + " ops/s";
}

std::string FormatIntervalLine(const rig::v1::IntervalReport& iv,
                               int agents_total, int64_t elapsed_us,
                               int64_t total_us) {
  const double span_s =
      std::max<int64_t>(1, iv.end_offset_us() - iv.start_offset_us()) / 1e6;
  const rig::v1::Counters& c = iv.counters();
  // sysbench's "(r/w/o: ...)" after qps, for workloads that count them.
  std::string kinds;
  if (c.read_queries() + c.write_queries() + c.other_queries() > 0) {
    kinds = absl::StrCat(" (r/w/o ", ShortRate(c.read_queries() / span_s), "/",
                         ShortRate(c.write_queries() / span_s), "/",
                         ShortRate(c.other_queries() / span_s), ")");
  }
  // An interval without a sample (the load paused, or nothing finished)
  // has no latency: a dash, not 0.000ms.
  const bool no_latency =
      iv.latency().count() == 0 && iv.latency().p99_us() == 0;
  auto ms = [no_latency](int64_t us) {
    return no_latency ? std::string("         -")
                      : absl::StrFormat("%8.3fms", us / 1e3);
  };
  std::string line = absl::StrFormat(
      "[%5.1fs/%.0fs] ops/s %10.1f  qps %10.1f%s  p50 %s  p99 %s  "
      "err/s %.1f  reconn/s %.1f  agents %d/%d  breakers open %d",
      elapsed_us / 1e6, total_us / 1e6, iv.ops_per_sec(), c.queries() / span_s,
      kinds, ms(iv.latency().p50_us()), ms(iv.latency().p99_us()),
      c.errors() / span_s, c.reconnects() / span_s, iv.agents_reporting(),
      agents_total, iv.breakers_open());
  if (const std::string types = TypeRates(iv); !types.empty()) {
    absl::StrAppend(&line, "  | ", types);
  }
  return line;
}

std::vector<std::string> FormatFault(const rig::v1::Report& r,
                                     const rig::v1::FaultRecord& f) {
  // Offsets as seconds into the measured run (the first interval's start).
  const int64_t origin =
      r.intervals_size() > 0 ? r.intervals(0).start_offset_us() : 0;
  auto at = [origin](int64_t us) {
    return absl::StrFormat("%.1fs", (us - origin) / 1e6);
  };
  auto step = [](const rig::v1::FaultStep& s) {
    return absl::StrCat(s.what(), " -> ",
                        s.ok() ? "" : "FAILED: ", s.outcome());
  };
  std::string first =
      absl::StrCat("fault ", f.index() + 1, " \"", f.name(), "\" #",
                   f.occurrence(), " ", at(f.start_offset_us()), "-",
                   at(f.end_offset_us()), ": ", step(f.action()));
  if (f.has_recover()) absl::StrAppend(&first, "; recover ", step(f.recover()));
  const rig::v1::FaultRecovery& rec = f.recovery();
  std::string second;
  if (rec.has_baseline()) {
    second = absl::StrFormat(
        "baseline %.1f ops/s, p99 %s; worst %.1f ops/s, p99 %s; ",
        rec.baseline_ops_per_sec(), FormatMicros(rec.baseline_p99_us()),
        rec.worst_ops_per_sec(), FormatMicros(rec.worst_p99_us()));
  }
  absl::StrAppend(&second, rec.errors(), " errors");
  if (!rec.errors_by_class().empty()) {
    std::vector<std::string> classes;
    for (const auto& [cls, n] : rec.errors_by_class()) {
      classes.push_back(absl::StrCat(cls, "=", n));
    }
    std::sort(classes.begin(), classes.end());
    absl::StrAppend(&second, " (", absl::StrJoin(classes, " "), ")");
  }
  absl::StrAppend(&second, "; ", rec.summary());
  return {first, second};
}

std::string TerminalWriter::Render(const rig::v1::Report& r) const {
  std::string out;
  absl::StrAppend(&out, "\nRun ", r.run_id(), " (plan \"", r.plan().name(),
                  "\"): ", StatusWord(r.status()),
                  r.degraded() ? " (degraded)" : "", "\n");
  absl::StrAppend(&out, "workload ", r.plan().workload().kind(), ", ",
                  r.plan().load().connections(), " connections on ",
                  r.agents_size(), " agent(s), ",
                  absl::StrFormat("%.1f", r.total().measured_us() / 1e6),
                  "s measured");
  if (!r.server().flavor().empty()) {
    absl::StrAppend(&out, ", server ", r.server().flavor(), " ",
                    r.server().version());
  }
  out += "\n\n";
  absl::StrAppend(
      &out, absl::StrFormat("%-24s %10s %11s %11s %8s %9s %9s %9s %9s\n", "",
                            "ops", "ops/s", "qps", "errors", "p50 ms", "p95 ms",
                            "p99 ms", "max ms"));
  out += Row("total", r.total());
  for (const auto& a : r.agents()) {
    std::string name = a.name().empty() ? a.address() : a.name();
    if (a.lost()) name += " (lost)";
    out += Row(name, a.summary());
  }
  out += QueriesPerformed(r.total());
  if (r.endpoints_size() > 0) {
    out += "\nby endpoint:\n";
    for (const auto& e : r.endpoints()) out += Row(e.endpoint(), e.summary());
  }
  if (r.operations_size() > 0) {
    out += "\nby operation:\n";
    std::string rollbacks;
    for (const auto& o : r.operations()) {
      const auto& c = o.summary().counters();
      // Types the mix never ran (YCSB's scan in workload a) are left out.
      if (c.ops() == 0 && c.errors() == 0) continue;
      out += Row(o.type(), o.summary());
      if (c.rollbacks() > 0) {
        absl::StrAppend(
            &rollbacks, " ", o.type(), "=", c.rollbacks(),
            absl::StrFormat(" (%.2f%%)", 100.0 * c.rollbacks() /
                                             std::max<int64_t>(1, c.ops())));
      }
    }
    if (!rollbacks.empty())
      absl::StrAppend(&out, "rollbacks:", rollbacks, "\n");
  }
  if (const std::string tpcc = TpccLine(r); !tpcc.empty()) {
    absl::StrAppend(&out, "\n", tpcc, "\n");
  }
  if (!r.total().counters().errors_by_code().empty()) {
    out += "\nerrors by server code:";
    for (const auto& [code, n] : r.total().counters().errors_by_code()) {
      absl::StrAppend(&out, " ", code, "=", n);
    }
    out += "\n";
  }
  if (r.faults_size() > 0) {
    out += "\nfaults (seconds into the measured run):\n";
    for (const auto& f : r.faults()) {
      const std::vector<std::string> lines = FormatFault(r, f);
      absl::StrAppend(&out, "  ", lines[0], "\n    ", lines[1], "\n");
      if (!f.action().ok() && !f.action().output().empty()) {
        absl::StrAppend(&out, "    output: ", f.action().output(), "\n");
      }
    }
  }
  if (r.thresholds_size() > 0) {
    out += "\nthresholds:\n";
    for (const auto& t : r.thresholds()) {
      absl::StrAppend(&out, "  ", t.message(), "\n");
    }
  }
  if (r.verification().checks_size() > 0) {
    out += "\nverification:\n";
    for (const auto& check : r.verification().checks()) {
      absl::StrAppend(&out, "  ", check.message(), "\n");
    }
  }
  for (const auto& a : r.agents()) {
    if (!a.error().empty()) {
      absl::StrAppend(&out, "\nagent ", a.name(), ": ", a.error(), "\n");
    }
  }
  if (!r.journal_error().empty() && r.journal_error() != r.error()) {
    absl::StrAppend(&out, "\njournal: ", r.journal_error(), "\n");
  }
  if (r.agent_messages_refused() > 0) {
    absl::StrAppend(&out, "\n", r.agent_messages_refused(),
                    " message(s) from agents refused (out of sequence, "
                    "repeated or past a limit; see the log)\n");
  }
  if (!r.error().empty()) absl::StrAppend(&out, "\nerror: ", r.error(), "\n");
  return out;
}

std::string FormatSummary(const rig::v1::Report& report) {
  return TerminalWriter().Render(report);
}

}  // namespace rig::coordinator
