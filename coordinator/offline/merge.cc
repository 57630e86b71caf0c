#include "coordinator/offline/merge.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/base/proto_duration.h"
#include "common/base/status_macros.h"
#include "common/base/version.h"
#include "common/stats/histogram.h"
#include "coordinator/offline/stored.h"
#include "coordinator/results/aggregate.h"
#include "coordinator/results/rounds.h"
#include "coordinator/results/verdict.h"
#include "coordinator/session/untrusted.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"

namespace rig::coordinator {
namespace {

using google::protobuf::util::TimeUtil;

// The plan as it identifies a run: without the report paths.
rig::v1::Plan Identity(const rig::v1::Plan& plan) {
  rig::v1::Plan p = plan;
  p.clear_report();
  p.mutable_target()->clear_password();
  return p;
}

absl::Status SamePlan(const NamedReport& first, const NamedReport& other) {
  const rig::v1::Plan a = Identity(first.report.plan());
  const rig::v1::Plan b = Identity(other.report.plan());
  google::protobuf::util::MessageDifferencer diff;
  std::string what;
  diff.ReportDifferencesToString(&what);
  if (diff.Compare(a, b)) return absl::OkStatus();
  while (!what.empty() && what.back() == '\n') what.pop_back();
  return absl::InvalidArgumentError(
      absl::StrCat(other.name, ": not the plan of ", first.name,
                   " (merge takes reports of one plan): ", what));
}

int64_t MicrosOf(const google::protobuf::Timestamp& t) {
  return TimeUtil::TimestampToMicroseconds(t);
}

// One operation type's (or endpoint's) share of a slot or of the total.
struct Part {
  rig::v1::Counters counters;
  Histogram latency;
  double ops_per_sec = 0;
};

// Parts by name, in the order names were first seen.
struct Parts {
  std::vector<std::string> order;
  std::map<std::string, Part> by_name;
  Part& operator[](const std::string& name) {
    auto [it, added] = by_name.try_emplace(name);
    if (added) order.push_back(name);
    return it->second;
  }
};

struct Slot {
  rig::v1::Counters counters;
  Histogram latency;
  Parts types;
  int64_t start_us = INT64_MAX;
  int64_t end_us = INT64_MIN;
  double ops_per_sec = 0;
  int agents = 0;
  int breakers_open = 0;
};

}  // namespace

absl::StatusOr<rig::v1::Report> MergeReports(
    const std::vector<NamedReport>& in) {
  if (in.size() < 2) {
    return absl::InvalidArgumentError(
        "merge takes at least two reports (A.json B.json ...)");
  }
  for (size_t i = 1; i < in.size(); ++i) {
    if (auto s = SamePlan(in[0], in[i]); !s.ok()) return s;
  }
  // The earliest start is the merged timeline's origin; each report's
  // offsets move by how much later it started.
  int64_t origin_us = INT64_MAX;
  for (const NamedReport& n : in) {
    origin_us = std::min(origin_us, MicrosOf(n.report.started_at()));
  }
  std::vector<int64_t> shift;
  for (const NamedReport& n : in) {
    shift.push_back(MicrosOf(n.report.started_at()) - origin_us);
  }

  rig::v1::Report out;
  out.set_schema_version(kReportSchemaVersion);
  out.set_tool_version(kToolVersion);
  *out.mutable_plan() = in[0].report.plan();
  out.mutable_plan()->clear_report();
  *out.mutable_started_at() = TimeUtil::MicrosecondsToTimestamp(origin_us);
  int64_t finished_us = 0;
  std::vector<std::string> run_ids;
  std::map<std::string, int> name_count;
  for (const NamedReport& n : in) {
    for (const auto& a : n.report.agents()) name_count[a.name()]++;
  }

  rig::v1::Counters counters;
  Histogram latency, service;
  int64_t measured_us = 0;
  bool completed = true;
  std::vector<std::string> incomplete;
  rig::v1::VerificationResult verification;
  std::vector<std::string> journal_errors;

  // Slots of load.report_interval from the earliest interval's start.
  const int64_t nominal_us = std::max<int64_t>(
      1, absl::ToInt64Microseconds(
             FromProto(in[0].report.plan().load().report_interval())));
  int64_t first_start = INT64_MAX;
  for (size_t i = 0; i < in.size(); ++i) {
    for (const auto& iv : in[i].report.intervals()) {
      first_start = std::min(first_start, iv.start_offset_us() + shift[i]);
    }
  }
  std::map<int64_t, Slot> slots;
  Parts types, endpoints;
  std::vector<rig::v1::ScenarioRoundRecord> rounds;

  for (size_t i = 0; i < in.size(); ++i) {
    const NamedReport& n = in[i];
    const rig::v1::Report& r = n.report;
    const int64_t sh = shift[i];
    run_ids.push_back(r.run_id());
    finished_us = std::max(finished_us, MicrosOf(r.finished_at()));

    // Totals.
    AddCounters(counters, r.total().counters());
    auto lat = StoredHistogram(r.total().latency(),
                               absl::StrCat(n.name, ": total latency"));
    if (!lat.ok()) return lat.status();
    auto svc = StoredHistogram(r.total().service_latency(),
                               absl::StrCat(n.name, ": total service time"));
    if (!svc.ok()) return svc.status();
    latency.Merge(*lat);
    service.Merge(*svc);
    measured_us = std::max(measured_us, r.total().measured_us());
    // Per operation type and per endpoint: counters summed, histograms
    // merged, by name.
    auto add = [&n](Parts& parts, const std::string& name,
                    const rig::v1::Summary& s) -> absl::Status {
      auto h = StoredHistogram(s.latency(),
                               absl::StrCat(n.name, ": ", name, " latency"));
      if (!h.ok()) return h.status();
      Part& p = parts[name];
      AddCounters(p.counters, s.counters());
      p.latency.Merge(*h);
      return absl::OkStatus();
    };
    for (const auto& o : r.operations()) {
      RETURN_IF_ERROR(add(types, o.type(), o.summary()));
    }
    for (const auto& e : r.endpoints()) {
      RETURN_IF_ERROR(
          add(endpoints, absl::StrCat("endpoint ", e.endpoint()), e.summary()));
    }

    // Intervals.
    for (const auto& iv : r.intervals()) {
      auto h = StoredHistogram(iv.latency(),
                               absl::StrCat(n.name, ": interval ", iv.seq()));
      if (!h.ok()) return h.status();
      const int64_t start = iv.start_offset_us() + sh;
      const int64_t k = static_cast<int64_t>(
          std::llround(static_cast<double>(start - first_start) / nominal_us));
      Slot& s = slots[k];
      AddCounters(s.counters, iv.counters());
      s.latency.Merge(*h);
      s.start_us = std::min(s.start_us, start);
      s.end_us = std::max(s.end_us, iv.end_offset_us() + sh);
      s.ops_per_sec += iv.ops_per_sec();
      s.agents += iv.agents_reporting();
      s.breakers_open += iv.breakers_open();
      for (const auto& o : iv.operations()) {
        auto oh = StoredHistogram(
            o.latency(),
            absl::StrCat(n.name, ": interval ", iv.seq(), " ", o.type()));
        if (!oh.ok()) return oh.status();
        Part& p = s.types[o.type()];
        AddCounters(p.counters, o.counters());
        p.latency.Merge(*oh);
        p.ops_per_sec += o.ops_per_sec();
      }
    }

    // Agents and what happened on the timeline.
    for (const auto& a : r.agents()) {
      rig::v1::AgentReport* ar = out.add_agents();
      *ar = a;
      if (name_count[a.name()] > 1) {
        ar->set_name(absl::StrCat(r.run_id(), "/", a.name()));
      }
      ar->set_index(out.agents_size() - 1);
      // Its own intervals (report.csv_per_agent) onto the merged timeline;
      // seq stays its report's.
      for (auto& iv : *ar->mutable_intervals()) {
        iv.set_start_offset_us(iv.start_offset_us() + sh);
        iv.set_end_offset_us(iv.end_offset_us() + sh);
      }
    }
    for (const auto& b : r.breaker_events()) {
      auto* e = out.add_breaker_events();
      *e = b;
      e->set_offset_us(b.offset_us() + sh);
    }
    // Faults as each run measured them (its own baseline and recovery),
    // moved onto the merged timeline.
    for (const auto& f : r.faults()) {
      rig::v1::FaultRecord* m = out.add_faults();
      *m = f;
      m->set_start_offset_us(f.start_offset_us() + sh);
      m->set_end_offset_us(f.end_offset_us() + sh);
      // A step that never ran (0 to 0) stays so.
      auto shift = [sh](rig::v1::FaultStep* step) {
        if (step->start_offset_us() == 0 && step->end_offset_us() == 0) return;
        step->set_start_offset_us(step->start_offset_us() + sh);
        step->set_end_offset_us(step->end_offset_us() + sh);
      };
      shift(m->mutable_action());
      if (m->has_recover()) shift(m->mutable_recover());
    }
    for (const auto& e : r.error_samples()) {
      // The report's bound: the first ones tell.
      if (out.error_samples_size() < kMaxErrorSamples) {
        *out.add_error_samples() = e;
      }
    }
    for (const auto& rec : r.scenario_rounds()) {
      rounds.push_back(rec);
      rounds.back().mutable_round()->set_start_offset_us(
          rec.round().start_offset_us() + sh);
      rounds.back().mutable_round()->set_end_offset_us(
          rec.round().end_offset_us() + sh);
    }
    out.set_scenario_rounds_omitted(out.scenario_rounds_omitted() +
                                    r.scenario_rounds_omitted());
    out.set_agent_messages_refused(out.agent_messages_refused() +
                                   r.agent_messages_refused());
    for (const auto& c : r.verification().checks()) {
      *verification.add_checks() = c;
    }
    if (r.verification().status() == rig::v1::CHECK_STATUS_FAILED) {
      verification.set_status(rig::v1::CHECK_STATUS_FAILED);
    } else if (verification.status() != rig::v1::CHECK_STATUS_FAILED &&
               r.verification().status() != rig::v1::CHECK_STATUS_UNSPECIFIED) {
      verification.set_status(r.verification().status());
    }
    if (r.degraded()) out.set_degraded(true);
    if (!r.journal_error().empty()) {
      journal_errors.push_back(absl::StrCat(n.name, ": ", r.journal_error()));
    }
    if (r.status() == rig::v1::RUN_STATUS_INCOMPLETE) {
      completed = false;
      incomplete.push_back(
          absl::StrCat(n.name, " (run ", r.run_id(), "): ", r.error()));
    }
    if (out.server().flavor().empty()) *out.mutable_server() = r.server();
  }

  out.set_run_id(absl::StrCat("merged:", absl::StrJoin(run_ids, "+")));
  *out.mutable_finished_at() = TimeUtil::MicrosecondsToTimestamp(finished_us);
  *out.mutable_total() =
      RunAggregate::MakeSummary(counters, latency, service, measured_us);
  int64_t seq = 0;
  for (auto& [k, s] : slots) {
    rig::v1::IntervalReport* iv = out.add_intervals();
    iv->set_seq(seq++);
    iv->set_start_offset_us(s.start_us);
    iv->set_end_offset_us(s.end_us);
    *iv->mutable_counters() = s.counters;
    iv->set_ops_per_sec(s.ops_per_sec);
    *iv->mutable_latency() = LatencyOf(s.latency, /*with_histogram=*/true);
    iv->set_agents_reporting(s.agents);
    iv->set_breakers_open(s.breakers_open);
    for (const std::string& type : types.order) {
      auto it = s.types.by_name.find(type);
      if (it == s.types.by_name.end()) continue;
      rig::v1::OperationInterval* o = iv->add_operations();
      o->set_type(type);
      *o->mutable_counters() = it->second.counters;
      o->set_ops_per_sec(it->second.ops_per_sec);
      *o->mutable_latency() = LatencyOf(it->second.latency, true);
    }
  }
  for (const std::string& type : types.order) {
    const Part& p = types.by_name.at(type);
    rig::v1::OperationReport* o = out.add_operations();
    o->set_type(type);
    *o->mutable_summary() =
        RunAggregate::PartSummary(p.counters, p.latency, measured_us);
  }
  for (const std::string& name : endpoints.order) {
    const Part& p = endpoints.by_name.at(name);
    rig::v1::EndpointReport* e = out.add_endpoints();
    e->set_endpoint(name.substr(std::string("endpoint ").size()));
    *e->mutable_summary() =
        RunAggregate::PartSummary(p.counters, p.latency, measured_us);
  }
  // The report's bound on rounds, over all of them in time order.
  std::stable_sort(rounds.begin(), rounds.end(),
                   [](const rig::v1::ScenarioRoundRecord& x,
                      const rig::v1::ScenarioRoundRecord& y) {
                     return x.round().start_offset_us() <
                            y.round().start_offset_us();
                   });
  int64_t omitted = 0;
  for (auto& round : RoundsForReport(rounds, kMaxReportRounds, &omitted)) {
    *out.add_scenario_rounds() = std::move(round);
  }
  out.set_scenario_rounds_omitted(out.scenario_rounds_omitted() + omitted);
  if (verification.checks_size() > 0) {
    *out.mutable_verification() = verification;
  }
  out.set_journal_error(absl::StrJoin(journal_errors, "; "));
  DecideVerdict(out.plan(), completed,
                absl::StrCat("not every merged run completed: ",
                             absl::StrJoin(incomplete, "; ")),
                out);
  return out;
}

}  // namespace rig::coordinator
