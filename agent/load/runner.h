#pragma once

// The load: one worker thread per connection running the workload's
// transactions, and a reporter that turns the workers' statistics into
// IntervalStats every report interval.
//
// Failed operations are retried as their error class says (error_class.h)
// with exponential backoff (retry.h), through the agent's circuit breaker
// (circuit_breaker.h): while it is open, workers wait instead of hammering a
// failing database; a lost connection is replaced, and counted.
//
// Several endpoints (target.endpoints): each worker has a home endpoint
// (round robin over the fleet's connections, or the least used one when a
// connection is replaced under least_connections) and each endpoint its own
// breaker. While its home's breaker is open, a worker works on the least
// used endpoint whose breaker is closed (only when none is closed does it
// wait at home); when its home's breaker goes half-open, workers that find a
// probe free go home as the probes, and once it closes every worker goes
// home. Statistics are kept per (worker, endpoint) and reported per
// endpoint as well as in total. target.connection_lifetime closes a
// connection that old and opens it again (next endpoint under round robin,
// least used under least_connections); the first ones expire spread over
// the first lifetime, later ones after the lifetime +-10%. Moves and
// planned closes are not counted as reconnects; replacing a lost connection
// is.
//
// Closed model (rate 0): each worker runs back to back, with the plan's
// think time between operations. Open model (rate > 0): each worker runs at
// rate / connections with evenly spaced intended start times, and latency is
// measured from the intended start (coordinated omission corrected, as wrk2
// does); service time is measured from the actual start.
//
// A fault's pause_load or set_rate (ChangeLoad, load_control.h says what
// each means): every worker checks a generation counter before each
// operation; when it moved, an open-model worker reshapes its arrivals from
// its last issued one (a pending arrival it was waiting for is recomputed,
// so a change takes effect at once), and a paused worker waits for the
// next change instead of issuing operations.
//
// Lifecycle: Start() (warm-up begins, nothing is reported), BeginMeasuring()
// (what was recorded is dropped; intervals are reported from now on), Stop()
// (workers end, the last partial interval is reported). Not thread-safe
// itself: one state handler drives it.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "agent/engine/run_context.h"
#include "agent/load/arrivals.h"
#include "agent/load/load_control.h"
#include "agent/load/stats.h"
#include "agent/resilience/circuit_breaker.h"
#include "agent/resilience/error_class.h"
#include "agent/resilience/retry.h"

namespace rig::agent {

class LoadRunner {
 public:
  // The hot path reads std::chrono time points; ctx.clock.UsAt() turns one
  // into the run's offset (RunContext::clock is the run's one time source).
  using Clock = std::chrono::steady_clock;

  // `classifier`: the error table with the plan's overrides.
  LoadRunner(RunContext& ctx, ErrorClassifier classifier);
  ~LoadRunner();
  LoadRunner(const LoadRunner&) = delete;
  LoadRunner& operator=(const LoadRunner&) = delete;

  // Binds the workload to every connection and starts the workers.
  absl::Status Start();
  void BeginMeasuring();
  void Stop();

  // Shuts down the sockets of `share` of the workers' connections (a
  // fault's kill_connections; any thread): {dropped, open connections}.
  // The workers find them lost and reconnect (counted as reconnects).
  std::pair<int, int> SeverConnections(double share);

  // A fault's pause_load or set_rate (`end` false) or its end (`end` true),
  // for the occurrence `key`; any thread. False if there was nothing to
  // begin or end. *before and *after: this agent's target rate (ops/s) just
  // before and after; 0 while paused or in the closed model.
  bool ChangeLoad(LoadControl::Key key, const rig::v1::FaultAction& action,
                  bool end, double* before, double* after);

  // The measured phase; valid after Stop().
  const StatsDelta& totals() const { return totals_; }
  int64_t measured_us() const { return measured_us_; }

 private:
  // One attempt at an operation: its status, what it sent, and the span
  // its service time runs over.
  struct Attempt {
    absl::Status status;
    OpResult result;
    Clock::time_point begin;
    Clock::time_point end;
  };

  // Where a worker's connection belongs and is. Touched only by its worker
  // once the workers run.
  struct Place {
    size_t home = 0;    // where it belongs (balance; moved by lifetime)
    size_t at = 0;      // where its connection is, or is to be opened
    bool lost = false;  // lost, not moved: its replacement is a reconnect
    Clock::time_point expires = Clock::time_point::max();  // lifetime
  };

  void Worker(size_t index, std::unique_ptr<Transaction> txn);
  // Admission of one attempt by the breaker of the endpoint it goes to
  // (the class comment says which); moves the worker's connection there if
  // it is elsewhere. False when the load stops first. *at_once: admitted by
  // a closed breaker without waiting.
  bool Admit(size_t index, std::unique_ptr<Transaction>& txn, bool* at_once);
  // Drops the worker's connection (not lost: no reconnect is counted) and
  // places it at `endpoint`; it is opened there by the next attempt.
  void MoveTo(size_t index, std::unique_ptr<Transaction>& txn, size_t endpoint);
  // Connection older than the lifetime: dropped, and the worker's home
  // moves on (balance).
  void Retire(size_t index, std::unique_ptr<Transaction>& txn);
  // The endpoint, other than `except`, with the fewest of this agent's
  // connections whose breaker is closed; -1 when there is none.
  int LeastUsedClosed(size_t except) const;
  ThreadStats& StatsAt(size_t index) {
    return *stats_[index * endpoints_ + places_[index].at];
  }
  CircuitBreaker& BreakerAt(size_t index) {
    return *breakers_[places_[index].at];
  }
  // One operation with its retries; false when the load stops. `txn` is
  // null while the worker's connection is lost. The steps: admission by the
  // breaker, TryOnce, then on failure NoteFailure and either a retry (after
  // a Pause if the class backs off) or GiveUp.
  bool RunOperation(size_t index, std::unique_ptr<Transaction>& txn, Rng& rng,
                    const Clock::time_point* intended);
  // Reconnects first if the connection is lost, then runs the transaction;
  // service time runs from `begin` (or from after the reconnect).
  Attempt TryOnce(size_t index, std::unique_ptr<Transaction>& txn, Rng& rng,
                  Clock::time_point begin);
  // Tells the breaker, and drops a connection that the error class (or a
  // check) says is gone.
  void NoteFailure(size_t index, std::unique_ptr<Transaction>& txn,
                   const ClassPolicy& policy, const absl::Status& status);
  // Not retried (fail_fast, other) or retries exhausted: counted, with an
  // error sample naming agent, state, connection, attempt and server code.
  void GiveUp(size_t index, bool reconnecting, ErrorClass cls, int attempt,
              const Attempt& a);
  // The backoff before attempt + 1; false if stopped first.
  bool Pause(int attempt, Rng& rng);
  void Reporter();
  // Swaps every thread's delta out and reports it as one interval.
  void Collect(bool final) ABSL_LOCKS_EXCLUDED(collect_mu_);
  // After an error that did not say so, checks the connection before it is
  // used again (SELECT 1); false if it is gone.
  bool Healthy(size_t index);
  // One attempt to open the worker's connection at its place (counted as a
  // reconnect on success when the old one was lost).
  absl::Status Reconnect(size_t index, std::unique_ptr<Transaction>& txn,
                         Rng& rng);
  rig::v1::State StateEnumForLoad() const;
  // Replaces a worker's connection (by its worker only) under
  // connections_mu_, which SeverConnections reads it under.
  void SetConnection(size_t index, std::unique_ptr<db::Connection> conn);
  // Sleeps until `deadline`; false if stopped or cancelled first.
  bool WaitUntil(Clock::time_point deadline);
  // Sleeps until `deadline` or until the load changes (control_'s
  // generation is no longer `seen`); kStopped if stopped or cancelled.
  enum class Wake { kReached, kChanged, kStopped };
  Wake WaitForArrival(Clock::time_point deadline, uint64_t seen);
  // The agent's target rate now (0 paused or closed).
  double TargetRateNow() const;

  RunContext& ctx_;
  // Guards replacing a slot of ctx_.connections against SeverConnections;
  // a worker reads its own slot without it (only it writes the slot).
  std::mutex connections_mu_;
  const absl::Duration interval_;
  const ErrorClassifier classifier_;
  const Backoff backoff_;
  const size_t endpoints_;  // ctx.endpoints.size(), at least 1
  // The workload's operation types; statistics are kept per type when
  // there are two or more.
  const std::vector<std::string> types_;
  // Per-type slots a StatsDelta keeps: one per type with two or more.
  size_t TypeSlots() const { return types_.size() > 1 ? types_.size() : 0; }
  const rig::v1::Balance balance_;
  const absl::Duration lifetime_;  // zero: connections kept for the run
  std::vector<std::unique_ptr<CircuitBreaker>> breakers_;  // per endpoint
  // Drops the worker's transaction (its statements die with the
  // connection) and counts the connection as no longer open.
  void DropTxn(std::unique_ptr<Transaction>& txn);

  // This agent's connections placed at each endpoint.
  std::unique_ptr<std::atomic<int>[]> used_;
  std::vector<Place> places_;  // per worker
  // Per (worker, endpoint): stats_[worker * endpoints_ + endpoint].
  std::vector<std::unique_ptr<ThreadStats>> stats_;
  std::vector<std::thread> workers_;
  std::thread reporter_;
  // The faults' changes to the load; changed under nothing of ours, then
  // stop_cv_ notified under stop_mu_ so that no waiting worker misses it.
  LoadControl control_;
  // This agent's plan segments (ForWorker with one worker): its target rate.
  const std::vector<RateSegment> agent_segments_;
  std::atomic<bool> stop_{false};  // set under stop_mu_, read anywhere
  // stop_ or the run cancelled; made once (a std::function per operation
  // cost ~20 instructions).
  const std::function<bool()> stopped_fn_{
      [this] { return stop_.load() || ctx_.cancel.cancelled(); }};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;          // wakes sleeping workers on Stop()
  Clock::time_point origin_;                 // the open model's time 0
  std::atomic<bool> measuring_flag_{false};  // for error samples
  // Connections with a usable transaction (IntervalStats.open_connections).
  std::atomic<int> open_{0};

  std::mutex collect_mu_;  // one Collect at a time
  std::condition_variable reporter_cv_;
  bool measuring_ = false;               // guarded by collect_mu_
  bool reporter_stop_ = false;           // guarded by collect_mu_
  int64_t seq_ = 0;                      // guarded by collect_mu_
  int64_t interval_start_us_ = 0;        // guarded by collect_mu_
  int64_t measure_start_us_ = 0;         // guarded by collect_mu_
  StatsDelta scratch_;                   // guarded by collect_mu_
  StatsDelta current_;                   // guarded by collect_mu_
  std::vector<StatsDelta> by_endpoint_;  // guarded by collect_mu_
  StatsDelta totals_;                    // guarded by collect_mu_ until Stop()
  int64_t measured_us_ = 0;
  bool stopped_ = false;
};

}  // namespace rig::agent
