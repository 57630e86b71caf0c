#pragma once

// Workloads: what a worker does in one operation, how tables are prepared
// and verified. Each workload registers itself with its options (name, type,
// default, help); the plan's workload.options are checked against them.
//
// A Workload is shared by all workers of a run (const after creation); Bind()
// gives each connection its own Transaction (prepared statements, buffers),
// used by one thread only.

#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/db/connection.h"
#include "rig/v1/agent.pb.h"
#include "rig/v1/plan.pb.h"

namespace rig::agent {

using Rng = std::mt19937_64;

// What one operation did, for the counters.
struct OpResult {
  int64_t queries = 0;
  int64_t rows = 0;
};

class Transaction {
 public:
  virtual ~Transaction() = default;
  // One operation. On error, `result` still counts the queries sent.
  virtual absl::Status Run(Rng& rng, OpResult& result) = 0;
};

struct PrepareTask {
  rig::v1::KeyRange range;  // rows [begin, end) of every table
  int batch_size = 1000;
  // Called after each batch with rows done and total; returns false to stop
  // (cancellation).
  std::function<bool(int64_t done, int64_t total)> progress;
};

class Workload {
 public:
  virtual ~Workload() = default;
  // Creates the tables (if missing) and loads this agent's key range.
  virtual absl::Status Prepare(db::Connection& connection,
                               const PrepareTask& task) = 0;
  virtual absl::StatusOr<std::unique_ptr<Transaction>> Bind(
      db::Connection& connection) const = 0;
};

struct WorkloadDef {
  std::string name;
  std::string description;
  std::vector<rig::v1::OptionSpec> options;
  std::function<absl::StatusOr<std::unique_ptr<Workload>>(
      const rig::v1::Workload& config)>
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
  // Checks the options of config against the workload's declared options
  // and builds it. Errors name the workload and the option.
  absl::StatusOr<std::unique_ptr<Workload>> Make(
      const rig::v1::Workload& config) const;

 private:
  std::vector<WorkloadDef> defs_;
};

// Registers the sysbench-compatible workloads (oltp.cc).
void RegisterOltpWorkloads(WorkloadRegistry& registry);

}  // namespace rig::agent
