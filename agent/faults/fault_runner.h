#pragma once

// The agent's part of a plan's faults (plan.proto Fault): the coordinator
// sends a FaultCommand for each `kill_connections` step (this drops that
// share of the load's connections: RunContext::sever), each `pause_load` /
// `set_rate` and their end (the load changes: RunContext::change_load,
// load/load_control.h), and each `sql` step
// (run on a connection of its own), off the reader thread, and answers
// each with a FaultDone. An action's connection is held until the fault's
// recover step (its own statements, if any, run on it; then it is closed), so
// that `LOCK TABLES t WRITE` holds for the fault's duration.
//
// Statements are bounded by target.read_timeout (the coordinator stops
// waiting at the fault's timeout and reports it as timed out). Each step
// runs on a thread of its own, joined by the next Handle() once it has
// finished (a fault with `every` over a long run holds only the steps still
// running); the destructor waits for running steps and closes held
// connections. Handle() is thread-safe.

#include <atomic>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "agent/db/connection.h"
#include "agent/engine/run_context.h"
#include "rig/v1/agent.pb.h"

namespace rig::agent {

class FaultRunner {
 public:
  explicit FaultRunner(RunContext& ctx) : ctx_(ctx) {}
  ~FaultRunner();
  FaultRunner(const FaultRunner&) = delete;
  FaultRunner& operator=(const FaultRunner&) = delete;

  // Starts the step; its FaultDone goes to ctx.events.
  void Handle(const rig::v1::FaultCommand& command);

  // Step threads not yet joined (finished ones are joined by the next
  // Handle()), and how many of them have not finished. For tests.
  size_t threads_held();
  size_t threads_running();

 private:
  rig::v1::FaultDone Run(const rig::v1::FaultCommand& command);
  // kill_connections: the load's connections severed (RunContext::sever).
  rig::v1::FaultDone KillConnections(const rig::v1::FaultAction& step,
                                     rig::v1::FaultDone done);
  // pause_load / set_rate, or (a recover command) their end: through the
  // load runner (RunContext::change_load).
  rig::v1::FaultDone ChangeLoad(const rig::v1::FaultAction& action,
                                const rig::v1::FaultCommand& command,
                                rig::v1::FaultDone done);

  struct Step {
    std::thread thread;
    std::atomic<bool> finished{false};
  };
  // Joins the steps that have finished. Called under mu_.
  void JoinFinished();

  RunContext& ctx_;
  std::mutex mu_;
  // Held connections by (fault index, occurrence).
  std::map<std::pair<int, int>, std::unique_ptr<db::Connection>>
      held_;               // guarded by mu_
  std::list<Step> steps_;  // guarded by mu_; a node stays put while it runs
};

}  // namespace rig::agent
