#pragma once

// A built-in workload made from a plan's workload block, bound to a
// connection of the fake database (tests/agent/db/fake_driver.h), for tests
// of what one operation does. Test-only.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "agent/workloads/workload.h"
#include "plan/plan.h"
#include "tests/agent/db/fake_driver.h"

namespace rig::agent::testing {

// `workload_yaml` is the flow map after "workload: ".
inline absl::StatusOr<std::unique_ptr<Workload>> MakeWorkload(
    const std::string& workload_yaml) {
  auto plan = plan::ParsePlan("workload: " + workload_yaml + "\n", "test");
  if (!plan.ok()) return plan.status();
  const WorkloadDef* def =
      WorkloadRegistry::Default().Find(plan->workload().kind());
  if (def == nullptr) return absl::NotFoundError(plan->workload().kind());
  return WorkloadRegistry::Make(*def, plan->workload());
}

// A workload, a fake connection and a transaction bound to it.
struct BoundWorkload {
  rig::testing::FakeDriver driver;
  std::unique_ptr<db::Connection> connection;
  std::unique_ptr<Workload> workload;
  std::unique_ptr<Transaction> txn;

  // ok() when everything was made; else says why.
  absl::Status Bind(const std::string& workload_yaml) {
    auto w = MakeWorkload(workload_yaml);
    if (!w.ok()) return w.status();
    workload = std::move(*w);
    auto c = driver.Connect(db::ConnectOptions());
    if (!c.ok()) return c.status();
    connection = std::move(*c);
    auto t = workload->Bind(*connection, 0);
    if (!t.ok()) return t.status();
    txn = std::move(*t);
    return absl::OkStatus();
  }
};

}  // namespace rig::agent::testing
