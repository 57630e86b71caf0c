#pragma once

// One run of a plan across agents: check every agent (GetInfo), split the
// load, start a session on each, release the barriers when every agent has
// reached them, gather the statistics and build the merged report.
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
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/net/channel_security.h"
#include "coordinator/results/aggregate.h"
#include "coordinator/results/journal.h"
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
  // For tests: called once the agents are checked and assigned, just before
  // the first Start is sent.
  std::function<void()> before_start;
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

  // 0 passed, 1 thresholds failed, 3 verification failed, 4 incomplete.
  static int ExitCode(const rig::v1::Report& report);

  void OnMessage(int agent, const rig::v1::AgentMessage& message) override;
  void OnEnded(int agent, const absl::Status& status) override;

 private:
  struct AgentState {
    rig::v1::AgentInfo info;
    rig::v1::Assignment assignment;
    bool ended = false;
    bool lost = false;
    std::chrono::steady_clock::time_point last_seen;
    bool has_result = false;
    rig::v1::State state = rig::v1::STATE_UNSPECIFIED;
    std::string error;
    rig::v1::ServerInfo server;
    int64_t next_seq = 0;  // the interval expected next
    int64_t refused = 0;   // messages refused (RefuseLocked)
  };

  absl::Status CheckAgents();
  absl::Status Assign();
  void StopOthers(int except, const std::string& reason);
  // Drops a message from `agent` that breaks the protocol or a limit: counted
  // in the report, logged once per agent. Called with mu_ held.
  void RefuseLocked(int agent, const std::string& what);
  void Progress(const std::string& line);
  rig::v1::Report BuildReport() const;
  // Appends to the run journal, if there is one. Called with mu_ held.
  void JournalLocked(const rig::v1::JournalEntry& entry);
  // Live: neither ended nor done (a result sent). Called with mu_ held.
  bool LiveLocked(int agent) const;
  int LiveAgentsLocked() const;
  int FirstLiveLocked() const;  // -1 if none
  int64_t RunLengthUs() const;  // the measured phase the plan asks for
  // Sends Advance for every barrier all live agents have reached.
  void MaybeAdvanceLocked();
  // Sends heartbeats and marks agents that stay silent as lost.
  void Heartbeats();

  const CoordinatorOptions options_;
  const rig::v1::Plan plan_;
  std::string run_id_;
  std::vector<std::unique_ptr<AgentClient>> clients_;
  std::chrono::steady_clock::time_point start_;
  absl::Time started_at_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<AgentState> agents_;  // guarded by mu_
  RunAggregate aggregate_{0};       // guarded by mu_
  // Agents parked at each barrier: (state, name inside it; "" = before it).
  using BarrierKey = std::pair<int, std::string>;
  std::map<BarrierKey, std::set<int>> barriers_;             // guarded by mu_
  std::vector<rig::v1::ErrorSampleRecord> samples_;          // guarded by mu_
  std::vector<rig::v1::BreakerEventRecord> breaker_events_;  // guarded by mu_
  std::vector<rig::v1::ScenarioRoundRecord> rounds_;         // guarded by mu_
  std::unique_ptr<Journal> journal_;  // plan report.journal; guarded by mu_
  std::set<int64_t> journaled_intervals_;     // guarded by mu_
  std::string stop_reason_;                   // guarded by mu_
  rig::v1::VerificationResult verification_;  // guarded by mu_
  std::set<BarrierKey> advanced_;             // guarded by mu_
  int lost_ = 0;                              // guarded by mu_
  int64_t refused_ = 0;                       // guarded by mu_
  // Rounds past kMaxScenarioRounds: counted, not kept.
  int64_t rounds_past_limit_ = 0;             // guarded by mu_
  int64_t rounds_past_limit_not_passed_ = 0;  // guarded by mu_
  // The agent told at the VERIFYING barrier to run the global check; -1
  // before. Lost before its result came, the data was not verified.
  int verifier_ = -1;             // guarded by mu_
  bool heartbeats_stop_ = false;  // guarded by mu_
  bool started_ = false;          // guarded by mu_
};

}  // namespace rig::coordinator
