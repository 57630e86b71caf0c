#pragma once

// Exponential backoff with jitter for retried operations (Resilience.retry).
//
//   Delay(n) = min(max_backoff, initial_backoff * multiplier^(n-1))
//              * U[1 - jitter, 1 + jitter]
//
// Jitter spreads the retries of workers that failed together (a deadlock's
// two victims, every worker after a TiDB restart) so they do not collide
// again. The result never exceeds max_backoff * (1 + jitter) nor drops below
// zero.
//
// A Backoff is immutable: share one between threads; each thread passes its
// own Rng. It only computes delays; the caller decides how to wait (so a
// cancelled run can stop waiting).

#include <random>

#include "absl/time/time.h"
#include "common/base/rng.h"
#include "rig/v1/plan.pb.h"

namespace rig::agent {

class Backoff {
 public:
  // Defaults from plan.proto, used for unset (zero) fields.
  static constexpr int kDefaultMaxAttempts = 3;
  static constexpr absl::Duration kDefaultInitialBackoff =
      absl::Milliseconds(50);
  static constexpr absl::Duration kDefaultMaxBackoff = absl::Seconds(2);
  static constexpr double kDefaultJitter = 0.2;
  static constexpr double kDefaultMultiplier = 2;

  // Values taken as given, except: jitter clamped to [0, 1], max_attempts
  // to >= 1, durations to [0, 24h], a multiplier <= 0 becomes 2.
  struct Options {
    int max_attempts = kDefaultMaxAttempts;
    absl::Duration initial_backoff = kDefaultInitialBackoff;
    absl::Duration max_backoff = kDefaultMaxBackoff;
    double jitter = kDefaultJitter;
    double multiplier = kDefaultMultiplier;
  };

  // Zero, unset or negative fields take the defaults above, except jitter:
  // unset means the default 0.2, an explicit 0 (or a negative value) none.
  // Jitter above 1 is clamped to 1.
  explicit Backoff(const rig::v1::RetryPolicy& policy);
  explicit Backoff(const Options& options);

  // The wait after the attempt-th failed attempt (1, 2, ...) before the next
  // one; attempt < 1 counts as 1.
  absl::Duration Delay(int attempt, Rng& rng) const;

  // Total attempts including the first (>= 1): retries = max_attempts() - 1.
  int max_attempts() const { return options_.max_attempts; }
  const Options& options() const { return options_; }

 private:
  Options options_;
};

}  // namespace rig::agent
