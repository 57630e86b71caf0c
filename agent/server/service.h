#pragma once

// The agent's gRPC service: GetInfo, and Session — one run at a time.
//
// Session runs the state machine on the handler's thread while a reader
// thread takes Advance / Stop / Heartbeat from the coordinator. A closed or
// broken stream cancels the run, which then frees its connections. A second
// Start while a run is active gets RESOURCE_EXHAUSTED.

#include <atomic>
#include <functional>
#include <mutex>
#include <string>

#include "agent/db/connection.h"
#include "agent/engine/catalogue.h"
#include "agent/engine/state_machine.h"
#include "agent/server/limits.h"
#include "common/metrics/run_metrics.h"
#include "rig/v1/agent.grpc.pb.h"

namespace rig::agent {

struct AgentOptions {
  std::string name;  // reported in GetInfo and every log line
  // How long after the run ends the agent waits for the coordinator to close
  // the stream before closing it itself.
  absl::Duration close_grace = absl::Seconds(10);
  // Called with true when a run starts and false when it ends (readiness).
  std::function<void(bool busy)> on_busy;
  // The CPUs reported in GetInfo (agents.weight_by_cores); 0: the ones this
  // process may use (UsableCores()).
  int cores = 0;
  // Reported in GetInfo: coordinators must send a bearer token.
  bool token_required = false;
  // What a Start may ask (connections, run length, targets): any peer that
  // passes the channel's checks may send one (limits.h).
  AgentLimits limits;
  // A session whose first message (Start) has not come by then is closed,
  // so that silent peers cannot hold the server's threads.
  absl::Duration start_timeout = absl::Seconds(10);
  // Fed every message a run sends (/metrics); may be null. Must outlive
  // the service.
  metrics::RunMetrics* metrics = nullptr;
};

class AgentServiceImpl final : public rig::v1::AgentService::Service {
 public:
  // driver, catalogue and states must outlive the service.
  AgentServiceImpl(AgentOptions options, db::Driver* driver,
                   const Catalogue* catalogue, const StateRegistry* states);

  grpc::Status GetInfo(grpc::ServerContext* context,
                       const rig::v1::GetInfoRequest* request,
                       rig::v1::AgentInfo* response) override;
  grpc::Status Session(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<rig::v1::AgentMessage,
                               rig::v1::CoordinatorMessage>* stream) override;

  // The name in GetInfo and runs (the default name needs the bound port).
  void SetName(const std::string& name);
  // Cancels the active run (SIGTERM): it reports what it has and ends.
  void CancelActiveRun(const std::string& reason);
  bool busy() const { return busy_.load(); }

 private:
  AgentOptions options_;  // name guarded by mu_
  db::Driver* const driver_;
  const Catalogue* const catalogue_;
  const StateRegistry* const states_;

  std::atomic<bool> busy_{false};
  std::mutex mu_;
  std::string run_id_;            // guarded by mu_
  RunContext* active_ = nullptr;  // guarded by mu_
};

}  // namespace rig::agent
