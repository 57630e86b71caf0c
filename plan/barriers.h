#pragma once

// Names of the barriers inside a state (StateChanged.barrier,
// Advance.barrier), shared by the agent and the coordinator. The barrier
// before entering a state has the empty name.

namespace rig {

// Inside PREPARING: agent 0 has made the schema; the others may load.
inline constexpr char kTablesReady[] = "tables ready";

}  // namespace rig
