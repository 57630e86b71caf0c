#pragma once

// What one worker thread measures, and how the agent gathers it.
//
// Hot paths share nothing: each worker owns a ThreadStats and records into
// it under its own (uncontended) spin lock (common/base/spin_lock.h says why
// not a mutex); the interval reporter swaps each thread's current delta for an
// empty one at every interval boundary and merges the deltas. Nothing is lost
// at a swap: a sample lands either in the interval before it or in the one
// after.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/base/spin_lock.h"
#include "common/stats/histogram.h"
#include "rig/v1/agent.pb.h"

namespace rig::agent {

struct OpCounters {
  int64_t ops = 0;
  int64_t queries = 0;
  int64_t errors = 0;
  int64_t retries = 0;
  int64_t reconnects = 0;
  int64_t rows = 0;
  int64_t breaker_open_us = 0;
  int64_t rollbacks = 0;
  std::map<std::string, int64_t> errors_by_class;
  std::map<int32_t, int64_t> errors_by_code;

  void Add(const OpCounters& other);
  void ToProto(rig::v1::Counters* out) const;
};

// One operation type's share of a delta (workloads of several types).
struct TypeDelta {
  OpCounters counters;
  Histogram latency;  // response time, microseconds
};

struct StatsDelta {
  Histogram latency;          // response time, microseconds
  Histogram service_latency;  // service time, microseconds
  OpCounters counters;
  std::vector<rig::v1::ErrorSample> error_samples;  // at most kMaxSamples
  // Per operation type, indexed by OpResult::type; empty for a workload of
  // one type. Merge() sizes it to the larger of the two.
  std::vector<TypeDelta> types;

  static constexpr size_t kMaxSamples = 4;
  void Merge(const StatsDelta& other);
  void Reset();
};

class ThreadStats {
 public:
  // `types`: the workload's operation types; with two or more, each record
  // also goes to its type (an index out of range goes to the totals only).
  explicit ThreadStats(size_t types = 0) { current_.types.resize(types); }

  // Records one finished operation of operation type `type`.
  void RecordOp(int64_t response_us, int64_t service_us, int64_t queries,
                int64_t rows, int type = 0, bool rolled_back = false) {
    std::lock_guard<SpinLock> lock(mu_);
    current_.latency.Record(response_us);
    current_.service_latency.Record(service_us);
    current_.counters.ops++;
    current_.counters.queries += queries;
    current_.counters.rows += rows;
    current_.counters.rollbacks += rolled_back;
    if (TypeDelta* t = TypeAt(type)) {
      t->latency.Record(response_us);
      t->counters.ops++;
      t->counters.queries += queries;
      t->counters.rows += rows;
      t->counters.rollbacks += rolled_back;
    }
  }
  // Records a failed operation (after any retries) and keeps a sample.
  void RecordError(int32_t code, const std::string& error_class,
                   int64_t queries, const rig::v1::ErrorSample& sample,
                   int type = 0);
  // A failed attempt that will be retried.
  void RecordRetry(int64_t queries, int type = 0) {
    std::lock_guard<SpinLock> lock(mu_);
    current_.counters.retries++;
    current_.counters.queries += queries;
    if (TypeDelta* t = TypeAt(type)) {
      t->counters.retries++;
      t->counters.queries += queries;
    }
  }
  void RecordReconnect() {
    std::lock_guard<SpinLock> lock(mu_);
    current_.counters.reconnects++;
  }
  // Moves the current delta into *out (which must be reset) and starts a new
  // one.
  void SwapInto(StatsDelta* out) {
    std::lock_guard<SpinLock> lock(mu_);
    // *out has as many per-type slots (the load runner sizes both once),
    // so the hot path never grows them.
    std::swap(current_, *out);
  }

 private:
  TypeDelta* TypeAt(int type) {
    return type >= 0 && static_cast<size_t>(type) < current_.types.size()
               ? &current_.types[type]
               : nullptr;
  }

  SpinLock mu_;
  StatsDelta current_;  // guarded by mu_
};

}  // namespace rig::agent
