#pragma once

// Before a run: which agents can take part (GetInfo's answer held against
// the plan), and what each is to run (its Assignment). Pure functions; the
// arithmetic of the split is split.h's.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "rig/v1/agent.pb.h"
#include "rig/v1/plan.pb.h"

namespace rig::coordinator {

// Why the agent at `address` cannot run `plan` (GetInfo failed, another
// protocol, busy, a workload it does not offer), in one line naming it; ""
// when it can, with its info (strings scrubbed) in `*usable`.
std::string WhyUnfit(const rig::v1::Plan& plan, const std::string& address,
                     const absl::StatusOr<rig::v1::AgentInfo>& info,
                     rig::v1::AgentInfo* usable);

// One assignment per agent, in order: connections (one each, the rest by
// weight: equal, or by cores with agents.weight_by_cores), rate and stage
// rates by connections, the key range each loads, the barriers, and agent 0
// as the one that verifies. An error when there are more agents than
// connections.
absl::StatusOr<std::vector<rig::v1::Assignment>> AssignWork(
    const rig::v1::Plan& plan, const std::vector<rig::v1::AgentInfo>& agents);

}  // namespace rig::coordinator
