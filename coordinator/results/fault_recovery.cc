#include "coordinator/results/fault_recovery.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/base/proto_duration.h"
#include "common/stats/histogram.h"
#include "coordinator/report/partial_interval.h"
#include "plan/fault_kinds.h"

namespace rig::coordinator {
namespace {

using Intervals = google::protobuf::RepeatedPtrField<rig::v1::IntervalReport>;

struct Limits {
  double min_ops = 0;
  int64_t max_p99 = 0;  // 0: no limit on p99
};

bool Good(const rig::v1::IntervalReport& iv, const Limits& limits) {
  if (iv.latency().count() <= 0) return false;
  if (iv.ops_per_sec() < limits.min_ops) return false;
  return limits.max_p99 <= 0 || iv.latency().p99_us() <= limits.max_p99;
}

std::string Seconds(int64_t us) { return absl::StrFormat("%.1fs", us / 1e6); }

}  // namespace

rig::v1::FaultRecovery MeasureRecovery(const rig::v1::Plan& plan,
                                       const rig::v1::FaultRecord& fault,
                                       const Intervals& intervals) {
  rig::v1::FaultRecovery out;
  const rig::v1::Fault& f = plan.faults(fault.index());
  const int64_t start = fault.start_offset_us();
  const int64_t end = std::max(fault.end_offset_us(), start);
  std::vector<const rig::v1::IntervalReport*> ivs;
  for (const auto& iv : intervals) {
    if (!IsPartialInterval(iv.start_offset_us(), iv.end_offset_us(), plan)) {
      ivs.push_back(&iv);
    }
  }
  // Baseline.
  const int64_t window = absl::ToInt64Microseconds(FromProto(f.baseline()));
  double ops_sum = 0;
  int baseline_n = 0;
  Histogram pooled;
  for (const auto* iv : ivs) {
    if (iv->start_offset_us() < start - window || iv->end_offset_us() > start) {
      continue;
    }
    ops_sum += iv->ops_per_sec();
    ++baseline_n;
    if (auto h = Histogram::Decode(iv->latency().histogram()); h.ok()) {
      pooled.Merge(*h);
    }
  }
  // A load action changes the load on purpose: its band is not judged, the
  // recovery counts from its end; a pause's band is not even measured (no
  // operation starts in it).
  const bool load = plan::IsLoadAction(f.action());
  out.set_from_end(load);
  const int64_t judged_from = load ? end : start;
  const bool pause = f.action().pause_load();
  // Worst point and errors from S on (after a pause: from the first
  // interval wholly after it), until the recovery.
  auto span = [&](int64_t until) {
    out.set_worst_ops_per_sec(-1);
    for (const auto* iv : ivs) {
      if ((pause ? iv->start_offset_us() < end
                 : iv->end_offset_us() <= start) ||
          iv->start_offset_us() >= until) {
        continue;
      }
      if (out.worst_ops_per_sec() < 0 ||
          iv->ops_per_sec() < out.worst_ops_per_sec()) {
        out.set_worst_ops_per_sec(iv->ops_per_sec());
      }
      out.set_worst_p99_us(
          std::max(out.worst_p99_us(), iv->latency().p99_us()));
      out.set_errors(out.errors() + iv->counters().errors());
      for (const auto& [cls, n] : iv->counters().errors_by_class()) {
        (*out.mutable_errors_by_class())[cls] += n;
      }
    }
    if (out.worst_ops_per_sec() < 0) out.set_worst_ops_per_sec(0);
  };
  if (baseline_n == 0) {
    span(INT64_MAX);
    out.set_summary("no baseline (no interval before the fault)");
    return out;
  }
  out.set_has_baseline(true);
  out.set_baseline_ops_per_sec(ops_sum / baseline_n);
  out.set_baseline_p99_us(pooled.count() > 0 ? pooled.ValueAtPercentile(99.0)
                                             : 0);
  Limits limits;
  limits.min_ops = f.recovered_throughput() * out.baseline_ops_per_sec();
  limits.max_p99 = static_cast<int64_t>(
      f.recovered_p99() * static_cast<double>(out.baseline_p99_us()));
  const int64_t interval_us =
      absl::ToInt64Microseconds(FromProto(plan.load().report_interval()));
  // The first interval the fault made bad.
  // (For a load action: the first interval wholly after its end, the
  // plan's load restored, that is bad; those of the band are what the
  // action made them.)
  size_t bad = ivs.size();
  int64_t first_judged_end = end;
  for (size_t i = 0; i < ivs.size(); ++i) {
    const auto* iv = ivs[i];
    if (load ? iv->start_offset_us() < judged_from
             : iv->end_offset_us() <= judged_from) {
      continue;
    }
    if (iv->start_offset_us() >= end + 2 * interval_us) break;
    if (first_judged_end == end) first_judged_end = iv->end_offset_us();
    if (!Good(*iv, limits)) {
      bad = i;
      break;
    }
  }
  if (bad == ivs.size()) {
    out.set_recovered(true);
    out.set_recovery_us(0);
    span(load ? first_judged_end : end);
    out.set_summary(load ? "no impact after the load was restored: every "
                           "interval stayed within the limits"
                         : "no impact: every interval stayed within the "
                           "limits");
    return out;
  }
  for (size_t i = bad + 1; i < ivs.size(); ++i) {
    if (Good(*ivs[i], limits)) {
      out.set_recovered(true);
      out.set_recovery_us(ivs[i]->start_offset_us() - judged_from);
      span(ivs[i]->start_offset_us());
      out.set_summary(absl::StrCat("recovered in ", Seconds(out.recovery_us()),
                                   load ? " after the load was restored" : ""));
      return out;
    }
  }
  span(INT64_MAX);
  out.set_summary("not recovered by the end");
  return out;
}

void MeasureRecoveries(const rig::v1::Plan& plan, rig::v1::Report& report) {
  for (auto& fault : *report.mutable_faults()) {
    if (fault.index() < 0 || fault.index() >= plan.faults_size()) continue;
    *fault.mutable_recovery() =
        MeasureRecovery(plan, fault, report.intervals());
  }
}

}  // namespace rig::coordinator
