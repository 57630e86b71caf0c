#pragma once

// The agent's state machine: a registry of state handlers and the engine
// that runs them.
//
// A handler has Enter / Execute / Exit; Execute returns the name of the next
// state. The registry says which transitions each state may take, and a
// state may have a time limit. Users add states by registering handlers and
// changing a transition list (examples/custom_state); the engine is not
// touched. Failed and Cancelled are reachable from every state.
//
// Each run goes through its own copy of the registry the machine is given:
// a state may add states to it for the rest of that run (AddStates; e.g.
// Initializing adds a scenario's steps), and nothing else holds registries.
//
// A missing handler, a transition the registry does not allow or a handler
// that overruns its limit ends the run in Failed with an error that names the
// state and the transition. The engine never waits without a bound:
// handlers wait through RunContext::cancel, which the watchdog trips.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/engine/run_context.h"

namespace rig::agent {

// Returned by Execute: "go on to my first registered successor".
inline constexpr char kNext[] = "";

class StateRegistry;

class StateHandler {
 public:
  virtual ~StateHandler() = default;
  virtual absl::Status Enter(RunContext& /*ctx*/) { return absl::OkStatus(); }
  // Does the state's work and names the next state; kNext ("") means the
  // first state of this state's registered transitions, so a state can be
  // inserted after another by changing the registry alone.
  virtual absl::StatusOr<std::string> Execute(RunContext& ctx) = 0;
  // Always called after Enter succeeded, even if Execute failed.
  virtual void Exit(RunContext& /*ctx*/) {}
  // The longest the state may take (Enter + Execute + Exit).
  virtual absl::Duration TimeLimit(const RunContext& /*ctx*/) const {
    return absl::InfiniteDuration();
  }
  // Adds the states this run goes through besides the registry's to
  // `states`, the run's own copy of the registry (registering states,
  // changing transitions; not replacing this state's own handler). Called
  // once Execute and Exit have succeeded, before the next state is looked
  // up; an error fails the run in this state.
  virtual absl::Status AddStates(const RunContext& /*ctx*/,
                                 StateRegistry& /*states*/) {
    return absl::OkStatus();
  }
};

class StateRegistry {
 public:
  // The standard states: Initializing -> Connecting -> Preparing ->
  // WarmingUp -> Running -> (Verifying ->) Reporting -> Completed.
  static StateRegistry Standard();

  // Adds or replaces the handler of `name` and the states it may go to.
  void Register(const std::string& name, std::shared_ptr<StateHandler> handler,
                std::vector<std::string> next);
  // Replaces the allowed transitions of an existing state.
  absl::Status SetTransitions(const std::string& name,
                              std::vector<std::string> next);
  // Overrides the handler's own time limit.
  absl::Status SetTimeLimit(const std::string& name, absl::Duration limit);

  struct Entry {
    std::shared_ptr<StateHandler> handler;
    std::vector<std::string> next;
    absl::Duration limit = absl::InfiniteDuration();  // Infinite = handler's
  };
  const Entry* Find(const std::string& name) const;

 private:
  std::map<std::string, Entry> entries_;
};

class StateMachine {
 public:
  // `registry` must outlive the machine; each Run copies it.
  explicit StateMachine(const StateRegistry& registry) : registry_(registry) {}

  // Runs from `initial` until Completed, Failed or Cancelled and returns the
  // final state's name. Sends StateChanged for every transition; on failure
  // ctx.result.error says why.
  std::string Run(RunContext& ctx, const std::string& initial = kInitializing);

 private:
  const StateRegistry& registry_;
};

}  // namespace rig::agent
