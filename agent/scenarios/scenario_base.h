#pragma once

// What the scenarios (scenarios/*.cc) share: a Workload without load, the
// server code of an error, per-agent table names and time formatting.
// Header-only, so that adding a scenario adds one .cc file to the build.

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "agent/engine/run_context.h"
#include "agent/workloads/workload.h"
#include "common/base/error_context.h"

namespace rig::agent {

// A scenario does its work in ScenarioSteps(); the load hooks are no-ops.
class ScenarioWorkload : public Workload {
 public:
  absl::Status CreateSchema(db::Connection&, bool) override {
    return absl::OkStatus();
  }
  absl::Status Load(db::Connection&, const LoadTask&) override {
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<Transaction>> Bind(
      db::Connection&) const override {
    return absl::UnimplementedError("a scenario has no load");
  }
  absl::Status Cleanup(db::Connection&) override { return absl::OkStatus(); }
};

// The server's error code carried by `status` (0 when none).
inline int ServerCode(const absl::Status& status) {
  auto e = GetServerError(status);
  return e.has_value() ? e->code : 0;
}

// "<message> (server code N)" for a check's "seen".
inline std::string Describe(const absl::Status& status) {
  if (status.ok()) return "ok";
  const int code = ServerCode(status);
  return code == 0
             ? std::string(status.message())
             : absl::StrCat(status.message(), " (server code ", code, ")");
}

// A table of this agent's own, so the scenario can run on every agent at
// once: "<prefix>_<agent index>".
inline std::string AgentTable(const RunContext& ctx,
                              const std::string& prefix) {
  return absl::StrCat(prefix, "_", ctx.assignment.agent_index());
}

inline std::string Millis(std::chrono::steady_clock::duration d) {
  return absl::StrFormat(
      "%.2fms",
      std::chrono::duration_cast<std::chrono::microseconds>(d).count() / 1e3);
}

}  // namespace rig::agent
