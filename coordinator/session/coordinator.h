#pragma once

// One run of a plan across agents, the session: check every agent (GetInfo)
// and assign its work (assigner.h), start a session on each, release the
// barriers when every agent has reached them, track liveness; what the
// agents send becomes records in the recorder (results/recorder.h), and the
// end a verdict (results/verdict.h).
//
// Agent loss: an agent whose stream breaks, or that sends nothing (not even
// a heartbeat) for agents.heartbeat_timeout, is lost. With on_agent_loss:
// abort (the default) the others are stopped and the report is INCOMPLETE;
// with continue (up to agents.max_lost_agents) the run goes on, the lost
// agent's data is kept up to its last interval and the report is degraded.
// An agent that fails stops the run either way.

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/net/channel_security.h"
#include "coordinator/faults/scheduler.h"
#include "coordinator/metrics/fleet_metrics.h"
#include "coordinator/results/recorder.h"
#include "coordinator/session/agent_client.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

struct CoordinatorOptions {
  std::vector<std::string> agents;  // host:port
  absl::Duration connect_timeout = absl::Seconds(5);
  std::string run_id;        // generated when empty
  SecurityOptions security;  // TLS and bearer token towards the agents
  // Receives one line per merged interval and other progress; may be empty.
  std::function<void(const std::string&)> progress;
  // After a stop, how long agents may take to end before their sessions are
  // cut (Run then returns the partial report); a second Stop cuts at once.
  absl::Duration stop_grace = absl::Seconds(30);
  // The run is stopped at warm-up + measured time + run_grace after its
  // start (0 = never).
  absl::Duration run_grace = absl::Hours(1);
  // For tests: called once the agents are checked and assigned, just before
  // the first Start is sent.
  std::function<void()> before_start;
  // /metrics: fed what the agents send as it is accepted, the agents'
  // liveness and the barriers; may be null. Must outlive the Coordinator.
  FleetMetrics* metrics = nullptr;
};

class Coordinator : public SessionListener {
 public:
  // `plan` has its defaults applied and target.password filled in.
  Coordinator(CoordinatorOptions options, rig::v1::Plan plan);
  ~Coordinator() override;

  // Runs the plan. An error means no run started (an agent unreachable,
  // busy, or lacking the workload: one line per agent); otherwise the report
  // says how the run ended.
  absl::StatusOr<rig::v1::Report> Run();
  // Stops every agent (from a signal handler thread); Run() then returns
  // the report of what was gathered.
  void Stop(const std::string& reason);

  const std::string& run_id() const { return run_id_; }

  void OnMessage(int agent, const rig::v1::AgentMessage& message) override;
  void OnEnded(int agent, const absl::Status& status) override;

 private:
  struct AgentState {
    rig::v1::AgentInfo info;
    rig::v1::Assignment assignment;
    bool ended = false;
    bool lost = false;
    bool cut = false;  // its session cut at the stop deadline
    std::chrono::steady_clock::time_point last_seen;
    bool has_result = false;
    rig::v1::State state = rig::v1::STATE_UNSPECIFIED;
    std::string error;
    rig::v1::ServerInfo server;
    int64_t next_seq = 0;  // the interval expected next
    int64_t refused = 0;   // messages refused (RefuseLocked)
  };

  // What one message leads to once the lock is released.
  struct Reaction {
    std::string progress;     // a line for the terminal
    bool close = false;       // the agent's session is done: close writes
    std::string stop_reason;  // stop the other agents
  };

  absl::Status CheckAgents();
  absl::Status Assign();
  // Starts a session on each agent; when one cannot start, stops the ones
  // started and marks the rest ended.
  void StartSessions();
  void OnStateChangedLocked(int agent, const rig::v1::StateChanged& sc);
  Reaction OnIntervalLocked(int agent, const rig::v1::IntervalStats& stats);
  Reaction OnResultLocked(int agent, const rig::v1::RunResult& result);
  void StopOthers(int except, const std::string& reason);
  // Drops a message from `agent` that breaks the protocol or a limit: counted
  // in the report, logged once per agent. Called with mu_ held.
  void RefuseLocked(int agent, const std::string& what);
  void Progress(const std::string& line);
  rig::v1::Report BuildReport() const;
  // Live: neither ended nor done (a result sent). Called with mu_ held.
  bool LiveLocked(int agent) const;
  int LiveAgentsLocked() const;  // O(1): live_
  // An agent's session ended / its result came; keep live_ in step.
  void SetEndedLocked(int agent);
  void SetHasResultLocked(int agent);
  int FirstLiveLocked() const;  // -1 if none
  int64_t RunLengthUs() const;  // the measured phase the plan asks for
  // plan.faults: the first agent to enter Running starts the schedule.
  void BeginFaultsLocked(int agent, const rig::v1::StateChanged& sc);
  // A fault's sql step on the first live agent, or its kill_connections,
  // pause_load or set_rate (or the end of one of the last two) on every
  // live agent; waits for their FaultDone (at most `timeout`, or until the
  // agent ends) and merges them.
  rig::v1::FaultDone RunFaultOnAgent(const rig::v1::FaultCommand& command,
                                     absl::Duration timeout);
  // Sends Advance for every barrier all live agents have reached.
  void MaybeAdvanceLocked();
  // Sends heartbeats, marks agents that stay silent as lost, and keeps the
  // run's deadlines (CheckDeadlinesLocked).
  void Heartbeats();
  // Past the run deadline: stops the run. Past the stop deadline: cuts the
  // sessions still open, naming what they did not do.
  void CheckDeadlinesLocked(std::chrono::steady_clock::time_point now);

  const CoordinatorOptions options_;
  const rig::v1::Plan plan_;
  Recorder recorder_;  // guarded by mu_
  std::string run_id_;
  std::vector<std::unique_ptr<AgentClient>> clients_;
  std::chrono::steady_clock::time_point start_;
  absl::Time started_at_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<AgentState> agents_;  // guarded by mu_
  // Agents parked at each barrier: (state, name inside it; "" = before it).
  using BarrierKey = std::pair<int, std::string>;
  std::map<BarrierKey, std::set<int>> barriers_;  // guarded by mu_
  std::string stop_reason_;                       // guarded by mu_
  std::set<BarrierKey> advanced_;                 // guarded by mu_
  int lost_ = 0;                                  // guarded by mu_
  int live_ = 0;         // agents LiveLocked, set when the run starts; by mu_
  int64_t refused_ = 0;  // guarded by mu_
  // The agent told at the VERIFYING barrier to run the global check; -1
  // before. Lost before its result came, the data was not verified.
  int verifier_ = -1;             // guarded by mu_
  bool heartbeats_stop_ = false;  // guarded by mu_
  // When sessions still open are cut, once the run is stopped; and when
  // the run is stopped for lasting too long.
  std::chrono::steady_clock::time_point stop_deadline_ =
      std::chrono::steady_clock::time_point::max();  // guarded by mu_
  std::chrono::steady_clock::time_point run_deadline_ =
      std::chrono::steady_clock::time_point::max();  // guarded by mu_
  bool started_ = false;                             // guarded by mu_
  // Answers to FaultCommands, by (index, occurrence, recover, agent).
  std::map<std::tuple<int, int, bool, int>, rig::v1::FaultDone>
      fault_done_;  // guarded by mu_
  // Made in Run (it needs start_); its threads take mu_, so it is
  // interrupted under mu_ but joined without it.
  std::unique_ptr<FaultScheduler> faults_;
};

}  // namespace rig::coordinator
