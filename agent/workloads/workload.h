#pragma once

// Load workloads: what a worker does in one operation, how tables are
// created, loaded, verified and dropped. Each workload registers itself with
// its options (name, type, default, help); the built-in ones are listed in
// WorkloadRegistry::AddBuiltIns() (workload.cc). The plan's workload.options
// are checked against them (options.h) before anything runs. Scenarios are not
// workloads: they have their own interface and registry (scenarios/scenario.h).
//
// A Workload is shared by all workers of a run (const after creation);
// Bind() gives each connection its own Transaction (prepared statements,
// buffers), used by one thread only.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/db/connection.h"
#include "agent/engine/registry.h"
#include "agent/workloads/options.h"
#include "agent/workloads/sysbench_random.h"
#include "rig/v1/agent.pb.h"
#include "rig/v1/plan.pb.h"

namespace rig::agent {

// What one operation did, for the counters.
struct OpResult {
  int64_t queries = 0;
  int64_t rows = 0;
  // Which of the workload's OperationTypes() this operation is (an index).
  // Set it first thing in Run(), so that a failed operation counts against
  // its type too.
  int type = 0;
  // The operation ended in a rollback the workload asked for (TPC-C's 1% of
  // New-Order with an unused item): it succeeded, and is counted as a
  // rollback of its type.
  bool rolled_back = false;
  // The statements that succeeded, by kind, as sysbench counts its
  // "queries performed" (rig::v1::Counters says how): CountStatement()
  // after each. A workload that does not count them leaves them 0.
  int64_t read = 0;
  int64_t write = 0;
  int64_t other = 0;

  // Counts one statement that succeeded, by sysbench's rule: one that
  // returned a result set (`result_set`: a SELECT) is a read; else one that
  // changed rows (`rows` affected) a write; else other (BEGIN, COMMIT, an
  // UPDATE or DELETE that matched no row).
  void CountStatement(bool result_set, int64_t rows) {
    if (result_set) {
      ++read;
    } else if (rows > 0) {
      ++write;
    } else {
      ++other;
    }
  }
};

class Transaction {
 public:
  virtual ~Transaction() = default;
  // One operation (a sysbench "event"). On error the transaction is rolled
  // back (best effort) and `result` still counts the statements sent; the
  // caller decides whether to run it again.
  virtual absl::Status Run(Rng& rng, OpResult& result) = 0;
};

struct LoadTask {
  rig::v1::KeyRange range;  // rows [begin, end) of every table
  int batch_size = 1000;
  // Called after each batch with rows done and total; returns false to stop
  // (cancellation).
  std::function<bool(int64_t done, int64_t total)> progress;
};

class Workload {
 public:
  virtual ~Workload() = default;
  // Creates the tables; with `drop_first` drops them before. Run by one
  // agent while the others wait at a barrier.
  virtual absl::Status CreateSchema(db::Connection& connection,
                                    bool drop_first) = 0;
  // Loads this agent's key range; safe to repeat (rows already there stay).
  virtual absl::Status Load(db::Connection& connection,
                            const LoadTask& task) = 0;
  // A Transaction for this agent's connection `worker` (0-based, as the
  // load runner numbers its workers; the same number again after a
  // reconnect). Workloads that tie a connection to its data use it (TPC-C's
  // home warehouse); the others ignore it.
  virtual absl::StatusOr<std::unique_ptr<Transaction>> Bind(
      db::Connection& connection, int worker) const = 0;
  // Global checks after all agents ran (one agent), each recorded with
  // AddCheck; the agent folds their statuses into the result's (Reporting),
  // so a workload leaves it unset. Workloads without a check return an
  // empty result.
  virtual absl::StatusOr<rig::v1::VerificationResult> Verify(
      db::Connection& connection) {
    (void)connection;
    return rig::v1::VerificationResult();
  }
  // Which agent of how many runs this workload (for values that must not
  // collide across agents, such as sequences). Called once before Bind.
  virtual void SetAgent(int index, int count) {
    (void)index;
    (void)count;
  }
  // Drops what CreateSchema made.
  virtual absl::Status Cleanup(db::Connection& connection) = 0;
  // The names of the operation types this workload runs (TPC-C:
  // new_order, payment, ...), indexed by OpResult::type. With two or more,
  // counters and latency are kept and reported per type as well as in
  // total; with none or one, only in total.
  virtual std::vector<std::string> OperationTypes() const { return {}; }
};

using WorkloadRegistry = Registry<Workload>;
using WorkloadDef = WorkloadRegistry::Def;
// Every built-in workload (workload.cc).
template <>
void WorkloadRegistry::AddBuiltIns(WorkloadRegistry& registry);

// Built-in workloads (oltp.cc, bank.cc, sql.cc, tpcc.cc, ycsb.cc).
void RegisterOltpWorkloads(WorkloadRegistry& registry);
void RegisterBankWorkload(WorkloadRegistry& registry);
void RegisterSqlWorkload(WorkloadRegistry& registry);
void RegisterYcsbWorkload(WorkloadRegistry& registry);
void RegisterTpccWorkload(WorkloadRegistry& registry);

// Records a check in `result`, expected and seen in words (a workload's
// Verify; scenarios record theirs the same way, scenarios/scenario.h).
void AddCheck(rig::v1::VerificationResult& result, const std::string& name,
              bool passed, const std::string& expected,
              const std::string& seen);

// Returns `status`; when it is an error, first rolls back the open
// transaction on `connection` (best effort), so the connection can be reused.
absl::Status RollbackAfter(db::Connection& connection, absl::Status status);

}  // namespace rig::agent
