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

// The statements of one attempt at an operation (OpResult's counts): all
// sent, and those that succeeded by kind (rig::v1::Counters says how).
struct StatementCounts {
  int64_t queries = 0;
  int64_t rows = 0;
  int64_t read = 0;
  int64_t write = 0;
  int64_t other = 0;
};

struct OpCounters {
  int64_t ops = 0;
  int64_t queries = 0;
  int64_t errors = 0;
  int64_t retries = 0;
  int64_t reconnects = 0;
  int64_t rows = 0;
  int64_t breaker_open_us = 0;
  int64_t rollbacks = 0;
  int64_t read_queries = 0;
  int64_t write_queries = 0;
  int64_t other_queries = 0;
  std::map<std::string, int64_t> errors_by_class;
  std::map<int32_t, int64_t> errors_by_code;

  void Add(const OpCounters& other);
  // Adds an attempt's statements: queries, the kinds and (for an attempt
  // that succeeded; a failed one's rows are not counted) rows.
  void AddStatements(const StatementCounts& s, bool succeeded) {
    queries += s.queries;
    if (succeeded) rows += s.rows;
    read_queries += s.read;
    write_queries += s.write;
    other_queries += s.other;
  }
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
  void RecordOp(int64_t response_us, int64_t service_us,
                const StatementCounts& statements, int type = 0,
                bool rolled_back = false) {
    std::lock_guard<SpinLock> lock(mu_);
    current_.latency.Record(response_us);
    current_.service_latency.Record(service_us);
    current_.counters.ops++;
    current_.counters.AddStatements(statements, true);
    current_.counters.rollbacks += rolled_back;
    if (TypeDelta* t = TypeAt(type)) {
      t->latency.Record(response_us);
      t->counters.ops++;
      t->counters.AddStatements(statements, true);
      t->counters.rollbacks += rolled_back;
    }
  }
  // Records a failed operation (after any retries) and keeps a sample. The
  // statements of its last attempt count as for any operation.
  void RecordError(int32_t code, const std::string& error_class,
                   const StatementCounts& statements,
                   const rig::v1::ErrorSample& sample, int type = 0);
  // A failed attempt that will be retried (its statements count).
  void RecordRetry(const StatementCounts& statements, int type = 0) {
    std::lock_guard<SpinLock> lock(mu_);
    current_.counters.retries++;
    current_.counters.AddStatements(statements, false);
    if (TypeDelta* t = TypeAt(type)) {
      t->counters.retries++;
      t->counters.AddStatements(statements, false);
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
