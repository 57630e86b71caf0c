#pragma once

// Scenarios run next to the load (plan.alongside): while Running measures a
// load workload, each alongside entry repeats its scenario in rounds on a
// thread of its own. A round is the scenario's steps run by a state machine
// on a RunContext of its own (its own connections, no barriers, the agent's
// server info; its states come from AddScenarioSteps, as a scenario run's
// do), so any scenario runs alongside unchanged. Each round ends in
// one ScenarioRound message with its offsets on the run's clock, its checks
// and, if it ended in an error, the error with its state.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agent/engine/run_context.h"

namespace rig::agent {

class Catalogue;

// The longest a round still going when the load stops may take to finish.
inline constexpr absl::Duration kAlongsideGrace = absl::Seconds(30);

class Alongside {
 public:
  // Checks plan.alongside against this agent's catalogue: each entry is a
  // scenario and builds (its options valid). The plan's own rules are the
  // validator's (coordinator/plan_tools.cc). Errors name the entry
  // ("alongside[1] (scenario/x): ...").
  static absl::Status Check(const rig::v1::Plan& plan,
                            const Catalogue& catalogue);

  // Runs the entries of ctx's plan that include this agent.
  explicit Alongside(RunContext& ctx);
  ~Alongside();  // Finish(absl::ZeroDuration()) if still running

  // Starts the first round of every entry now.
  void Start();
  // Starts no more rounds; a round in progress may finish within `grace`,
  // then it is cancelled (and reported as such unless the run itself was
  // cancelled). Joins the threads. Idempotent.
  void Finish(absl::Duration grace);

  // Number of entries this agent runs.
  size_t size() const { return entries_.size(); }

 private:
  void Loop(size_t entry);

  RunContext& ctx_;
  std::vector<rig::v1::Alongside> entries_;
  std::vector<std::thread> threads_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;             // guarded by mu_: no new rounds
  bool cancel_rounds_ = false;        // guarded by mu_: cancel rounds at once
  std::vector<RunContext*> current_;  // guarded by mu_: round in progress
};

}  // namespace rig::agent
