#pragma once

// Workload options: each workload declares its options (name, type, default,
// help); the plan's workload.options are checked against them once, before
// the run, and read through this typed view. Immutable and thread-safe.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/struct.pb.h"
#include "rig/v1/agent.pb.h"

namespace rig::agent {

// Option types: "int", "double", "bool", "string", "list", "map".
rig::v1::OptionSpec Option(std::string name, std::string type,
                           std::string default_value, std::string help);

class Options {
 public:
  // Errors name the workload, the option and what was expected.
  static absl::StatusOr<Options> Create(
      const std::string& workload,
      const std::vector<rig::v1::OptionSpec>& specs,
      const google::protobuf::Struct& values);

  int64_t Int(const std::string& name) const;
  double Double(const std::string& name) const;
  bool Bool(const std::string& name) const;
  std::string String(const std::string& name) const;
  // For "list" and "map" options; a null value when unset and no default.
  const google::protobuf::Value& Raw(const std::string& name) const;

 private:
  std::map<std::string, google::protobuf::Value> values_;
};

}  // namespace rig::agent
