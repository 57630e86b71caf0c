#pragma once

// What a fault step (plan.proto FaultAction) does, read the same way by the
// coordinator (plan validate, the scheduler, the recovery measurement) and
// the agent (its fault runner): a load action (pause_load, set_rate)
// changes the load itself on every agent until the fault's end, which
// restores the plan's load; the others act on the database or its
// connections.

#include "rig/v1/plan.pb.h"

namespace rig::plan {

inline bool IsLoadAction(const rig::v1::FaultAction& a) {
  return a.pause_load() || a.has_set_rate();
}

// A plan in the open model (a target rate, or stages); else closed.
inline bool IsOpenModel(const rig::v1::Load& load) {
  return load.rate() > 0 || load.stages_size() > 0;
}

}  // namespace rig::plan
