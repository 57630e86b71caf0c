#pragma once

// `rig-coordinator plan validate` and `plan init`: the checks a plan gets
// before any agent is contacted, and a commented starting plan per workload.
//
// The workload catalogue (names, options) is passed in, so this library does
// not depend on the agent's code; the binary hands it the agent's registry.

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "rig/v1/agent.pb.h"
#include "rig/v1/plan.pb.h"

namespace rig::coordinator {

// Checks what the schema walk cannot: the workload exists, its options are
// declared and well typed, thresholds parse. `yaml` is the plan's text (for
// line numbers), `path` its name in messages. `check_options(plan, whole)`
// is the agent's own check: with whole=false it checks the types of the
// options given; with whole=true it builds the workload from all of them.
// A fault's exec is refused unless `allow_exec` (the coordinator's
// --allow-exec): a plan file, which may come from anyone, must not run
// commands on the coordinator's machine by itself.
absl::Status ValidatePlanSemantics(
    const rig::v1::Plan& plan, const std::string& yaml, const std::string& path,
    const std::vector<rig::v1::WorkloadInfo>& workloads,
    const std::function<absl::Status(const rig::v1::Plan&, bool whole)>&
        check_options,
    bool allow_exec = false);

// A commented plan for `workload` (every key with its default, the
// workload's options commented out with their help).
std::string InitPlan(const rig::v1::WorkloadInfo& workload);

}  // namespace rig::coordinator
