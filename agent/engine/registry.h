#pragma once

// Named factories with declared options: one template for the two things a
// plan's kind can name, load workloads (WorkloadRegistry, workloads/
// workload.h) and scenarios (ScenarioRegistry, scenarios/scenario.h). One
// template rather than two classes because both are the same list (name,
// description, options, factory) and differ only in what the factory makes.
// The Catalogue (catalogue.h) puts the two together, by kind.
//
// The built-in ones are listed in AddBuiltIns(), specialised per T where
// they live (workloads/workload.cc, scenarios/scenarios.cc): adding one is
// a line there. Registration happens before a registry is shared; after
// that it is read-only and thread-safe.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/workloads/options.h"
#include "rig/v1/agent.pb.h"
#include "rig/v1/plan.pb.h"

namespace rig::agent {

template <typename T>
class Registry {
 public:
  struct Def {
    std::string name;  // a scenario's kind is scenario/<name> (plan/kinds.h)
    std::string description;
    std::vector<rig::v1::OptionSpec> options;
    // Builds one from the plan's entry and its checked options.
    std::function<absl::StatusOr<std::unique_ptr<T>>(
        const rig::v1::Workload& config, const Options& options)>
        make;
  };

  // The registry with every built-in one, made on first use.
  static Registry& Default() {
    static Registry* registry = [] {
      auto* r = new Registry();
      AddBuiltIns(*r);
      return r;
    }();
    return *registry;
  }
  // Registers every built-in T; specialised per T.
  static void AddBuiltIns(Registry& registry);

  void Register(Def def) { defs_.push_back(std::move(def)); }
  const Def* Find(const std::string& name) const {
    for (const Def& def : defs_) {
      if (def.name == name) return &def;
    }
    return nullptr;
  }
  // In the order of registration.
  std::vector<const Def*> List() const {
    std::vector<const Def*> out;
    for (const Def& def : defs_) out.push_back(&def);
    return out;
  }

  // Checks config's options against def's declared ones and builds it.
  // Errors name config.kind() and the option.
  static absl::StatusOr<std::unique_ptr<T>> Make(
      const Def& def, const rig::v1::Workload& config) {
    auto options =
        Options::Create(config.kind(), def.options, config.options());
    if (!options.ok()) return options.status();
    return def.make(config, *options);
  }

 private:
  std::vector<Def> defs_;
};

}  // namespace rig::agent
