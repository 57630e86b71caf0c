#pragma once

// Workloads: what a worker does in one operation, how tables are created,
// loaded, verified and dropped. Each workload registers itself with its
// options (name, type, default, help); the plan's workload.options are
// checked against them (options.h) before anything runs.
//
// A Workload is shared by all workers of a run (const after creation); Bind()
// gives each connection its own Transaction (prepared statements, buffers),
// used by one thread only.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/db/connection.h"
#include "agent/workloads/options.h"
#include "agent/workloads/sysbench_random.h"
#include "rig/v1/agent.pb.h"
#include "rig/v1/plan.pb.h"

namespace rig::agent {

struct RunContext;

// A scenario is a workload made of its own states (e.g. CreatingTable ->
// TestingIsolation -> VerifyingResults) that run between Connecting and
// Reporting instead of Preparing .. Verifying, and record named checks.
struct ScenarioStep {
  std::string state;  // a state name of its own, e.g. "TestingIsolation"
  // Does the step; adds checks with AddCheck(). An error fails the run; a
  // check that does not hold is a failed check, not an error.
  std::function<absl::Status(RunContext& ctx)> run;
  absl::Duration time_limit = absl::Minutes(10);
};

// Records a check in the run's result (expected / seen in words).
void AddCheck(RunContext& ctx, const std::string& name, bool passed,
              const std::string& expected, const std::string& seen);
void AddSkippedCheck(RunContext& ctx, const std::string& name,
                     const std::string& reason);

// What one operation did, for the counters.
struct OpResult {
  int64_t queries = 0;
  int64_t rows = 0;
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
  virtual absl::StatusOr<std::unique_ptr<Transaction>> Bind(
      db::Connection& connection) const = 0;
  // Global checks after all agents ran (one agent). Workloads without a
  // check return an empty result (status unspecified).
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
  // Non-empty for scenarios: the states to run (see ScenarioStep).
  virtual std::vector<ScenarioStep> ScenarioSteps() const { return {}; }
};

struct WorkloadDef {
  std::string name;
  std::string description;
  std::vector<rig::v1::OptionSpec> options;
  std::function<absl::StatusOr<std::unique_ptr<Workload>>(
      const rig::v1::Workload& config, const Options& options)>
      make;
};

// Thread-safe after start-up registration.
class WorkloadRegistry {
 public:
  // The registry with every built-in workload.
  static WorkloadRegistry& Default();

  void Register(WorkloadDef def);
  const WorkloadDef* Find(const std::string& name) const;
  std::vector<const WorkloadDef*> List() const;
  // Checks config's options against the workload's declared options and
  // builds it. Errors name the workload and the option.
  absl::StatusOr<std::unique_ptr<Workload>> Make(
      const rig::v1::Workload& config) const;

 private:
  std::vector<WorkloadDef> defs_;
};

// Built-in workloads (oltp.cc, bank.cc, sql.cc) and scenarios
// (scenarios/*.cc, named scenario/<name>).
void RegisterOltpWorkloads(WorkloadRegistry& registry);
void RegisterBankWorkload(WorkloadRegistry& registry);
void RegisterSqlWorkload(WorkloadRegistry& registry);
void RegisterScenarios(WorkloadRegistry& registry);

// Returns `status`; when it is an error, first rolls back the open
// transaction on `connection` (best effort), so the connection can be reused.
absl::Status RollbackAfter(db::Connection& connection, absl::Status status);

}  // namespace rig::agent
