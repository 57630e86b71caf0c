#include "agent/resilience/retry.h"

#include <algorithm>
#include <cmath>

#include "common/base/proto_duration.h"

namespace rig::agent {
namespace {

// Keeps the arithmetic in Delay() finite (an infinite Duration would turn
// into an infinite double); no sane plan waits a day between attempts.
constexpr absl::Duration kLongestBackoff = absl::Hours(24);

Backoff::Options Normalize(Backoff::Options o) {
  o.max_attempts = std::max(o.max_attempts, 1);
  o.initial_backoff =
      std::clamp(o.initial_backoff, absl::ZeroDuration(), kLongestBackoff);
  o.max_backoff =
      std::clamp(o.max_backoff, absl::ZeroDuration(), kLongestBackoff);
  // !(x >= 0) also catches NaN.
  if (!(o.jitter >= 0)) o.jitter = 0;
  o.jitter = std::min(o.jitter, 1.0);
  if (!(o.multiplier > 0)) o.multiplier = 1;
  return o;
}

Backoff::Options FromPolicy(const rig::v1::RetryPolicy& p) {
  Backoff::Options o;
  o.max_attempts = p.max_attempts();
  o.initial_backoff = FromProto(p.initial_backoff());
  o.max_backoff = FromProto(p.max_backoff());
  o.jitter = p.jitter();  // unset: 0
  o.multiplier = p.multiplier();
  return o;
}

}  // namespace

Backoff::Backoff(const rig::v1::RetryPolicy& policy)
    : options_(Normalize(FromPolicy(policy))) {}

Backoff::Backoff(const Options& options) : options_(Normalize(options)) {}

absl::Duration Backoff::Delay(int attempt, Rng& rng) const {
  const Options& o = options_;
  const double max_s = absl::ToDoubleSeconds(o.max_backoff);
  // In double seconds: multiplier^(attempt-1) overflows any integer type
  // after a few dozen attempts; pow() saturates to inf, which min() caps.
  const double initial_s = absl::ToDoubleSeconds(o.initial_backoff);
  double base_s = initial_s > 0 ? initial_s * std::pow(o.multiplier,
                                                       std::max(attempt, 1) - 1)
                                : 0;
  if (!(base_s < max_s)) base_s = max_s;  // also catches NaN
  double factor = 1;
  if (o.jitter > 0) {
    factor =
        std::uniform_real_distribution<double>(1 - o.jitter, 1 + o.jitter)(rng);
  }
  // Whole microseconds, clamped after rounding so the bound is exact.
  const auto cap_us = static_cast<int64_t>(
      std::floor(absl::ToDoubleMicroseconds(o.max_backoff) * (1 + o.jitter)));
  const int64_t delay_us = std::llround(base_s * factor * 1e6);
  return absl::Microseconds(std::clamp<int64_t>(delay_us, 0, cap_us));
}

}  // namespace rig::agent
