#pragma once

// Fires a plan's faults (plan.proto Fault) on the coordinator's timeline:
// each occurrence runs its action at `at` (and every `every`) into the
// measured run, then its recover `duration` after the action started. A
// step is an `exec` (run here, exec.h), or `sql` / `kill_connections` /
// `pause_load` / `set_rate` (sent to the agents through the `run_on_agent`
// hook, which answers with their FaultDone: sql on one agent, the others on
// every one). A load action (pause_load, set_rate) has no recover in the
// plan: its end is one, a FaultCommand with `recover` set that restores
// the plan's load on every agent, recorded as the occurrence's recover step
// ("restore the plan's load"), so that the timeline shows where the load
// changed back. Each
// occurrence becomes a FaultRecord (without its recovery, measured later
// from the intervals: results/fault_recovery.h), handed to `recorded`.
//
// One thread per fault, so that a slow command delays only its own fault.
// Interrupt() (the run stops, or every session has ended) starts no new
// occurrence and runs the recover of one in progress at once: a stopped
// server is started again whatever happens to the run. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "rig/v1/agent.pb.h"
#include "rig/v1/plan.pb.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

class FaultScheduler {
 public:
  using Clock = std::chrono::steady_clock;
  struct Hooks {
    // Runs a step other than exec on the agents and returns their
    // answer (several merged into one); waits at most
    // `timeout` (then an answer with ok false saying so).
    std::function<rig::v1::FaultDone(const rig::v1::FaultCommand&,
                                     absl::Duration timeout)>
        run_on_agent;
    // Each occurrence, once it has ended.
    std::function<void(const rig::v1::FaultRecord&)> recorded;
    // Progress lines ("fault 1 (stop db) #1: exec: ...").
    std::function<void(const std::string&)> progress;
  };

  // `timeline_start` is the coordinator's offset 0; `plan` outlives this.
  FaultScheduler(const rig::v1::Plan& plan, Clock::time_point timeline_start,
                 Hooks hooks);
  ~FaultScheduler();  // Interrupt() and Join()

  // The measured run began at `origin_us` on the timeline and lasts
  // `length_us`: starts the faults' threads (once; later calls do nothing).
  void Begin(int64_t origin_us, int64_t length_us);
  // No new occurrence; one in progress recovers now. Does not block.
  void Interrupt();
  // Waits for the threads (after Interrupt, or the end of the run length).
  void Join();

  // What a step does, for the report: "exec: CMD", "sql: STMT; STMT",
  // "pause_load", "set_rate: x3".
  static std::string Describe(const rig::v1::FaultAction& action);
  // The recover step of a load action.
  static constexpr const char* kRestoreLoad = "restore the plan's load";

 private:
  void RunFault(int index);
  // Sleeps until `us` on the timeline; false if interrupted first.
  bool WaitUntil(int64_t us);
  int64_t NowUs() const;
  rig::v1::FaultStep RunStep(int index, int occurrence, bool recover,
                             const rig::v1::FaultAction& action,
                             const std::string& what);

  const rig::v1::Plan& plan_;
  const Clock::time_point timeline_start_;
  const Hooks hooks_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool interrupted_ = false;  // guarded by mu_
  bool begun_ = false;        // guarded by mu_
  int64_t origin_us_ = 0;     // set once by Begin, before the threads
  int64_t end_us_ = 0;
  std::vector<std::thread> threads_;  // touched by Begin and Join only
};

}  // namespace rig::coordinator
