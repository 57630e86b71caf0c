#pragma once

// Everything one run on an agent shares between its states: the assignment,
// the database driver, the connections, the workload or scenario, where
// messages go, and the cancellation that every wait honours. The states the
// run goes through are not here: the StateMachine runs its own copy of the
// registry it is given (state_machine.h).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agent/db/connection.h"
#include "agent/load/load_control.h"
#include "agent/load/stats.h"
#include "agent/workloads/workload.h"
#include "common/base/clock.h"
#include "plan/endpoints.h"
#include "rig/v1/agent.pb.h"

namespace rig::agent {

class Alongside;
class Catalogue;
class LoadRunner;
class Scenario;

// Standard state names (docs/design.md, "The state machine").
inline constexpr char kInitializing[] = "Initializing";
inline constexpr char kConnecting[] = "Connecting";
inline constexpr char kPreparing[] = "Preparing";
inline constexpr char kWarmingUp[] = "WarmingUp";
inline constexpr char kRunning[] = "Running";
inline constexpr char kVerifying[] = "Verifying";
inline constexpr char kReporting[] = "Reporting";
inline constexpr char kCompleted[] = "Completed";
inline constexpr char kFailed[] = "Failed";
inline constexpr char kCancelled[] = "Cancelled";

// The wire enum of a state name (STATE_CUSTOM for user states).
rig::v1::State StateEnum(const std::string& name);
// The name of a standard state ("" for STATE_CUSTOM / unspecified).
std::string StateName(rig::v1::State state);

// A one-way switch with a reason. Thread-safe. The first reason wins.
class Cancellation {
 public:
  // kCancelled reasons end the run as Cancelled; any other as Failed.
  void Cancel(absl::Status reason);
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }
  absl::Status reason() const;
  // Sleeps up to `d`; returns true at once if cancelled.
  bool WaitFor(absl::Duration d);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> cancelled_{false};
  absl::Status reason_;  // guarded by mu_
};

// Where a run's messages go: the gRPC stream, or a vector in tests.
// Send is called from several threads; implementations serialise.
class RunEvents {
 public:
  virtual ~RunEvents() = default;
  virtual void Send(const rig::v1::AgentMessage& message) = 0;
};

struct RunContext {
  RunContext(std::string run_id, rig::v1::Assignment assignment,
             db::Driver* driver, const Catalogue* catalogue, RunEvents* events);
  ~RunContext();

  // Microseconds since the run started (monotonic): clock.NowUs().
  int64_t OffsetUs() const { return clock.NowUs(); }

  // Barriers. A barrier is a state plus a name: the empty name is the one
  // before entering the state, a named one sits inside it (e.g. "tables
  // ready" in PREPARING). Advance() is called by the service when the
  // coordinator says so; WaitForAdvance blocks until then or until the run is
  // cancelled.
  void Advance(rig::v1::State to, const std::string& barrier = "");
  absl::Status WaitForAdvance(rig::v1::State to,
                              const std::string& barrier = "");
  // If the assignment lists `awaiting` as a barrier state: tells the
  // coordinator this agent is parked (StateChanged with `awaiting` and
  // `barrier`) and waits for Advance. Otherwise returns at once.
  absl::Status Barrier(rig::v1::State awaiting, const std::string& message,
                       const std::string& barrier = "");

  // Connection options from the plan's target, to endpoints[endpoint].
  db::ConnectOptions ConnectOptions(size_t endpoint = 0) const;
  // The endpoint this agent's connection `connection` (0-based) starts on:
  // round robin over the whole fleet's connections (the assignment's
  // connection_offset), for either balance.
  size_t InitialEndpoint(size_t connection) const {
    return (static_cast<size_t>(assignment.connection_offset()) + connection) %
           endpoints.size();
  }

  const std::string run_id;
  const rig::v1::Assignment assignment;
  const std::string agent_name;
  // The plan's target.endpoints (or host:port); never empty. A list the
  // agent cannot read leaves host:port here and fails Initializing.
  const std::vector<plan::Endpoint> endpoints;
  db::Driver* const driver;
  const Catalogue* const catalogue;  // what the plan's kinds name
  RunEvents* const events;
  // The run's one time source: offsets since the run started, for
  // intervals, events, samples and the breaker (a time already read with
  // std::chrono::steady_clock converts with clock.UsAt()).
  rig::SteadyClock clock;
  Cancellation cancel;
  // Set for a sub-run (a round of a scenario alongside the load): its state
  // changes are logged at debug level under this label.
  std::string log_label;

  // Whether this agent runs the once-per-run steps: the global verification
  // (the assignment's run_verify) and the cleanup (agent 0). The
  // coordinator's choice at the VERIFYING and REPORTING barriers replaces
  // them (set by the service's reader before it releases the barrier).
  std::atomic<bool> run_verify{false};
  std::atomic<bool> run_cleanup{false};

  // Owned by the state handlers, touched by one state at a time.
  std::string state;  // name of the current state
  // Built by Initializing from workload.kind: one of the two.
  std::unique_ptr<Workload> workload;
  std::unique_ptr<Scenario> scenario;
  std::vector<std::unique_ptr<db::Connection>> connections;
  std::unique_ptr<LoadRunner> load;
  // Scenarios repeated next to the load during Running (plan.alongside).
  std::unique_ptr<Alongside> alongside;
  db::ServerInfo server;
  rig::v1::RunResult result;

  // A fault's kill_connections: drops `share` of the load's connections
  // (db::Connection::Sever) and returns {dropped, connections}. Set by the
  // load runner while its workers run, cleared before they stop; called
  // from another thread, under sever_mu.
  std::mutex sever_mu;
  std::function<std::pair<int, int>(double share)> sever;  // by sever_mu
  // A fault's pause_load / set_rate, or its end (LoadRunner::ChangeLoad):
  // set and cleared with `sever`, called under sever_mu too.
  std::function<bool(LoadControl::Key, const rig::v1::FaultAction&, bool end,
                     double* before, double* after)>
      change_load;  // by sever_mu

 private:
  std::mutex barrier_mu_;
  std::condition_variable barrier_cv_;
  std::set<std::pair<int, std::string>> advanced_;  // guarded by barrier_mu_
};

}  // namespace rig::agent
