#include "agent/load/arrivals.h"

#include <cmath>
#include <limits>

#include "common/base/proto_duration.h"

namespace rig::agent {

ArrivalSchedule::ArrivalSchedule(std::vector<RateSegment> segments,
                                 bool poisson, int64_t first_us)
    : segments_(std::move(segments)), poisson_(poisson), next_us_(first_us) {}

double ArrivalSchedule::RateAt(int64_t t) const {
  for (const auto& s : segments_) {
    if (t >= s.start_us && t < s.end_us) {
      if (s.from == s.to || s.end_us == std::numeric_limits<int64_t>::max()) {
        return s.from;
      }
      const double f = static_cast<double>(t - s.start_us) /
                       static_cast<double>(s.end_us - s.start_us);
      return s.from + (s.to - s.from) * f;
    }
  }
  return 0;
}

std::optional<int64_t> ArrivalSchedule::Next(Rng& rng) {
  previous_us_ = next_us_;
  previous_started_ = started_;
  while (true) {
    std::optional<int64_t> next = NextOne(rng);
    if (!next || *next >= not_before_us_) return next;
  }
}

void ArrivalSchedule::Retract() {
  next_us_ = previous_us_;
  started_ = previous_started_;
}

std::optional<int64_t> ArrivalSchedule::NextOne(Rng& rng) {
  if (!started_) {
    started_ = true;
  } else {
    // The next arrival is where the expected number of arrivals since the
    // last one reaches 1 (constant) or an exponential draw (Poisson): the
    // integral of the rate, solved exactly per linear segment, so ramps are
    // followed without drift.
    double need = poisson_ ? -std::log(1.0 - UniformDouble(rng)) : 1.0;
    double t = static_cast<double>(next_us_) / 1e6;  // seconds
    bool found = false;
    for (const auto& s : segments_) {
      const double start = static_cast<double>(s.start_us) / 1e6;
      const bool open_ended = s.end_us == std::numeric_limits<int64_t>::max();
      const double end =
          open_ended ? 1e300 : static_cast<double>(s.end_us) / 1e6;
      if (end <= t) continue;
      if (t < start) t = start;
      const double slope =
          open_ended || end == start ? 0 : (s.to - s.from) / (end - start);
      const double r0 = s.from + slope * (t - start);  // rate at t
      if (open_ended && r0 <= 0) break;                // never another arrival
      // Area from t to end: r0 * d + slope / 2 * d^2.
      const double d_end = end - t;
      const double area =
          open_ended ? 1e300 : r0 * d_end + slope / 2 * d_end * d_end;
      if (area < need) {
        need -= area;
        t = end;
        continue;
      }
      double d;
      if (std::fabs(slope) < 1e-12) {
        d = need / r0;
      } else {
        d = (-r0 + std::sqrt(std::max(0.0, r0 * r0 + 2 * slope * need))) /
            slope;
      }
      t += d;
      found = true;
      break;
    }
    if (!found) return std::nullopt;
    next_us_ =
        std::max(next_us_ + 1, static_cast<int64_t>(std::llround(t * 1e6)));
  }
  if (segments_.empty() || next_us_ >= segments_.back().end_us) {
    return std::nullopt;
  }
  return next_us_;
}

std::vector<RateSegment> ArrivalSchedule::ForWorker(
    const rig::v1::Assignment& a, int workers) {
  std::vector<RateSegment> out;
  const rig::v1::Load& load = a.plan().load();
  const double n = std::max(1, workers);
  const bool staged =
      load.stages_size() > 0 && a.stage_rates_size() == load.stages_size();
  if (!staged && a.rate() <= 0) return out;
  int64_t t = 0;
  const double first = (staged ? a.stage_rates(0) : a.rate()) / n;
  const int64_t warmup = absl::ToInt64Microseconds(FromProto(load.warmup()));
  if (warmup > 0) {
    out.push_back({0, warmup, first, first});
    t = warmup;
  }
  if (!staged) {
    out.push_back({t, std::numeric_limits<int64_t>::max(), first, first});
    return out;
  }
  double previous = first;
  for (int i = 0; i < load.stages_size(); ++i) {
    const int64_t len =
        absl::ToInt64Microseconds(FromProto(load.stages(i).duration()));
    const double rate = a.stage_rates(i) / n;
    out.push_back({t, t + len, load.stages(i).ramp() ? previous : rate, rate});
    t += len;
    previous = rate;
  }
  // Past the last stage the worker keeps the last rate until it is stopped.
  out.push_back({t, std::numeric_limits<int64_t>::max(), previous, previous});
  return out;
}

}  // namespace rig::agent
