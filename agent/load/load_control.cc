#include "agent/load/load_control.h"

#include <algorithm>
#include <limits>

namespace rig::agent {
namespace {

constexpr int64_t kForever = std::numeric_limits<int64_t>::max();

// The rate of `s` at `t` (inside it).
double RateIn(const RateSegment& s, int64_t t) {
  if (s.from == s.to || s.end_us == kForever || s.end_us == s.start_us) {
    return s.from;
  }
  const double f = static_cast<double>(t - s.start_us) /
                   static_cast<double>(s.end_us - s.start_us);
  return s.from + (s.to - s.from) * f;
}

// `plan` clipped to [begin, end), times `factor`, appended to `out`.
void AppendClipped(const std::vector<RateSegment>& plan, int64_t begin,
                   int64_t end, double factor, std::vector<RateSegment>& out) {
  for (const RateSegment& s : plan) {
    const int64_t lo = std::max(s.start_us, begin);
    const int64_t hi = std::min(s.end_us, end);
    if (lo >= hi) continue;
    const double to = hi == kForever ? RateIn(s, lo) : RateIn(s, hi);
    out.push_back({lo, hi, RateIn(s, lo) * factor, to * factor});
  }
}

}  // namespace

bool LoadControl::Begin(Key key, const rig::v1::FaultAction& action,
                        int64_t t_us) {
  LoadState change;
  if (action.pause_load()) {
    change.paused = true;
  } else if (action.has_set_rate() && action.set_rate().factor() > 0) {
    change.factor = action.set_rate().factor();
  } else if (action.has_set_rate() && action.set_rate().rate() > 0) {
    change.rate = action.set_rate().rate() * share_;
  } else {
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [k, state] : active_) {
    if (k == key) return false;
  }
  active_.emplace_back(key, change);
  const int64_t from =
      history_.empty() ? t_us : std::max(t_us, history_.back().from_us);
  history_.push_back({from, EffectiveLocked()});
  generation_.fetch_add(1, std::memory_order_release);
  return true;
}

bool LoadControl::End(Key key, int64_t t_us) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find_if(active_.begin(), active_.end(),
                         [&key](const auto& a) { return a.first == key; });
  if (it == active_.end()) return false;
  active_.erase(it);
  const int64_t from =
      history_.empty() ? t_us : std::max(t_us, history_.back().from_us);
  history_.push_back({from, EffectiveLocked()});
  generation_.fetch_add(1, std::memory_order_release);
  return true;
}

LoadState LoadControl::EffectiveLocked() const {
  LoadState out;
  for (const auto& [key, change] : active_) {
    if (change.paused) {
      out.paused = true;
    } else {  // the latest set_rate wins
      out.factor = change.factor;
      out.rate = change.rate;
    }
  }
  return out;
}

std::vector<LoadStep> LoadControl::History(int64_t since_us) const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t first = history_.size();
  while (first > 0 && history_[first - 1].from_us > since_us) --first;
  if (first > 0) --first;  // the step in force at since_us
  return {history_.begin() + static_cast<std::ptrdiff_t>(first),
          history_.end()};
}

LoadState LoadControl::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return EffectiveLocked();
}

std::vector<RateSegment> ShapeSegments(const std::vector<RateSegment>& plan,
                                       const std::vector<LoadStep>& steps,
                                       int workers, int64_t since_us) {
  std::vector<RateSegment> out;
  if (plan.empty()) return out;
  const double n = std::max(1, workers);
  // Spans of one state each: the plan's before the first step.
  int64_t begin = since_us;
  LoadState state;
  for (size_t i = 0; i <= steps.size(); ++i) {
    const int64_t end = i < steps.size() ? steps[i].from_us : kForever;
    if (end > begin) {
      if (state.paused) {
        out.push_back({begin, end, 0, 0});
      } else if (state.rate > 0) {
        out.push_back({begin, end, state.rate / n, state.rate / n});
      } else {
        AppendClipped(plan, begin, end, state.factor, out);
      }
      begin = end;
    }
    if (i < steps.size()) state = steps[i].state;
  }
  return out;
}

}  // namespace rig::agent
