#pragma once

// Finding agents by DNS: every address of a name, as a Kubernetes headless
// Service answers with one A/AAAA record per ready pod.

#include <string>
#include <vector>

#include "absl/status/statusor.h"

struct addrinfo;

namespace rig::coordinator {

// "name:port" -> {"10.0.0.5:7070", "[fd00::5]:7070", ...}, sorted, without
// duplicates. Errors name the name and the resolver's reason.
absl::StatusOr<std::vector<std::string>> ResolveAgents(const std::string& spec);

// An --agents entry: host:port or [v6]:port, port 1..65535. The error says
// what is wrong with it.
absl::Status CheckAgentAddress(const std::string& address);

// Every IPv4 and IPv6 address of a getaddrinfo() answer as "host:port",
// sorted, without duplicates (one per socket type comes back otherwise).
std::vector<std::string> AgentAddresses(const addrinfo* list, int port);

}  // namespace rig::coordinator
