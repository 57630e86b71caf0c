#pragma once

// What an agent lets a coordinator ask of it, checked on Start before any
// thread or connection exists: any peer that passes the channel's checks
// (TLS, token) may send a Start, so the agent bounds it.
//   --max-connections  database connections (a thread and buffers each)
//   --max-duration     the run's length (warm-up plus the measured time)
//   --allowed-targets  the databases it may connect to: host, host:port or a
//                      CIDR block (10.0.0.0/8, fd00::/8); empty = any. A
//                      name matches a CIDR block when every address it
//                      resolves to lies inside one (so the agent cannot be
//                      turned into a port scanner of other networks).
// Each refusal names the flag that would allow it.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rig/v1/agent.pb.h"

namespace rig::agent {

struct TargetRule {
  std::string host;  // lower case; empty for a CIDR block
  int port = 0;      // 0 = any
  int family = 0;    // AF_INET or AF_INET6 for a CIDR block
  unsigned char address[16] = {};
  int prefix_bits = 0;
};

// "db.example.com, 10.0.0.0/8, 127.0.0.1:3306, [::1]:4000" -> rules. An
// error names the entry.
absl::StatusOr<std::vector<TargetRule>> ParseAllowedTargets(
    const std::string& list);

struct AgentLimits {
  int max_connections = 10000;
  absl::Duration max_duration = absl::Hours(24);
  std::vector<TargetRule> allowed_targets;  // empty = any
  std::string allowed_targets_text;         // as given, for messages
};

// OK, or ResourceExhausted / PermissionDenied naming the limit and its flag.
absl::Status CheckAssignment(const rig::v1::Assignment& assignment,
                             const AgentLimits& limits);

}  // namespace rig::agent
