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
  // Values taken as given, except: jitter clamped to [0, 1], max_attempts
  // to >= 1, durations to [0, 24h], a multiplier <= 0 becomes 1. The
  // defaults are the plan's (plan/schema.h), filled when it is loaded.
  struct Options {
    int max_attempts = 1;
    absl::Duration initial_backoff = absl::ZeroDuration();
    absl::Duration max_backoff = absl::ZeroDuration();
    double jitter = 0;
    double multiplier = 1;
  };

  // The policy as given (the plan's defaults already filled); an unset or
  // negative jitter is none.
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
