#pragma once

// What an agent can run: its load workloads and its scenarios, found by a
// plan's kind (plan/kinds.h tells which registry a kind names). GetInfo
// lists it, Initializing and the alongside rounds build from it, and
// rig-coordinator checks plans against the built-in one.
//
// Read-only and thread-safe; the registries must outlive it.

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agent/scenarios/scenario.h"
#include "agent/workloads/workload.h"
#include "rig/v1/agent.pb.h"
#include "rig/v1/plan.pb.h"

namespace rig::agent {

class Catalogue {
 public:
  Catalogue(const WorkloadRegistry& workloads,
            const ScenarioRegistry& scenarios);
  // The built-in workloads and scenarios.
  static const Catalogue& Default();

  // Exactly one of the two is set.
  struct Built {
    std::unique_ptr<Workload> workload;
    std::unique_ptr<Scenario> scenario;
  };
  // Builds what config.kind names, its options checked first. Errors name
  // the kind and the option, or, for an unknown kind, every kind offered.
  absl::StatusOr<Built> Make(const rig::v1::Workload& config) const;

  // The check behind `plan validate`: with whole=false the types of the
  // options given (an unknown kind passes: the caller names it); with
  // whole=true, Make().
  absl::Status Check(const rig::v1::Workload& config, bool whole) const;

  // Every kind with its description and options: the workloads, then the
  // scenarios (as scenario/<name>), in the order they were registered.
  std::vector<rig::v1::WorkloadInfo> List() const;

 private:
  const WorkloadRegistry& workloads_;
  const ScenarioRegistry& scenarios_;
};

}  // namespace rig::agent
