#pragma once

// The servers a plan targets: target.endpoints ("host:port", "host" with
// target.port, "[v6]:port"), or target.host and target.port when the list
// is empty. The coordinator checks them when it loads the plan; the agent
// connects by them.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rig/v1/plan.pb.h"

namespace rig::plan {

struct Endpoint {
  std::string host;
  int port = 0;
  std::string name;  // "host:port" ("[v6]:port"), as reports show it
};

// One entry; `default_port` when it names no port. The error names the
// entry and what is wrong with it.
absl::StatusOr<Endpoint> ParseEndpoint(absl::string_view text,
                                       int default_port);

// Every endpoint of `target`, in order; an entry listed twice is an error.
absl::StatusOr<std::vector<Endpoint>> TargetEndpoints(
    const rig::v1::Target& target);

}  // namespace rig::plan
