#include "agent/scenarios/alongside.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "agent/engine/catalogue.h"
#include "agent/engine/state_machine.h"
#include "agent/scenarios/scenario.h"
#include "common/base/logging.h"
#include "common/base/proto_duration.h"

namespace rig::agent {
namespace {

// A round's own messages (its state changes) stay on the agent: the
// coordinator follows the agent's run, and gets one ScenarioRound per round.
class DropEvents : public RunEvents {
 public:
  void Send(const rig::v1::AgentMessage&) override {}
};

rig::v1::Workload AsWorkload(const rig::v1::Alongside& a) {
  rig::v1::Workload w;
  w.set_kind(a.kind());
  *w.mutable_options() = a.options();
  return w;
}

absl::Duration Every(const rig::v1::Alongside& a) {
  return FromProto(a.every());
}

bool Includes(const rig::v1::Alongside& a, int agent_index) {
  return a.agents() <= 0 || agent_index < a.agents();
}

}  // namespace

absl::Status Alongside::Check(const rig::v1::Plan& plan,
                              const Catalogue& catalogue) {
  // The plan's own rules (scenarios only, each once, agents >= 0) are
  // checked where the plan is validated (coordinator/plan_tools.cc); here
  // only what needs this agent's catalogue: each entry builds, and is a
  // scenario here.
  for (int i = 0; i < plan.alongside_size(); ++i) {
    const rig::v1::Alongside& a = plan.alongside(i);
    const std::string where =
        absl::StrCat("alongside[", i, "] (", a.kind(), "): ");
    auto made = catalogue.Make(AsWorkload(a));
    if (!made.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, made.status().message()));
    }
    if (made->scenario == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "is not a scenario (it has no steps)"));
    }
  }
  return absl::OkStatus();
}

Alongside::Alongside(RunContext& ctx) : ctx_(ctx) {
  for (const auto& a : ctx.assignment.plan().alongside()) {
    if (Includes(a, ctx.assignment.agent_index())) entries_.push_back(a);
  }
  current_.assign(entries_.size(), nullptr);
}

Alongside::~Alongside() { Finish(absl::ZeroDuration()); }

void Alongside::Start() {
  for (size_t i = 0; i < entries_.size(); ++i) {
    threads_.emplace_back(&Alongside::Loop, this, i);
  }
}

void Alongside::Finish(absl::Duration grace) {
  std::unique_lock<std::mutex> lock(mu_);
  stopping_ = true;
  cv_.notify_all();
  const auto idle = [this] {
    for (RunContext* c : current_) {
      if (c != nullptr) return false;
    }
    return true;
  };
  // Wait for the rounds in progress, in slices, so that the run being
  // cancelled meanwhile (SIGTERM, the coordinator) cuts them at once.
  const auto deadline =
      std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(grace);
  absl::Status cut;
  while (!idle()) {
    if (ctx_.cancel.cancelled()) {
      cut = ctx_.cancel.reason();
      break;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      cut = absl::CancelledError(
          absl::StrCat("the load ended and the round did not finish within ",
                       absl::FormatDuration(grace)));
      break;
    }
    cv_.wait_until(
        lock, std::min(deadline, now + std::chrono::milliseconds(50)), idle);
  }
  cancel_rounds_ = true;
  if (!cut.ok()) {
    for (RunContext* c : current_) {
      if (c != nullptr) c->cancel.Cancel(cut);
    }
  }
  lock.unlock();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void Alongside::Loop(size_t index) {
  const rig::v1::Alongside& spec = entries_[index];
  const absl::Duration every = Every(spec);
  rig::v1::Assignment assignment = ctx_.assignment;
  assignment.clear_barriers();
  *assignment.mutable_plan()->mutable_workload() = AsWorkload(spec);
  DropEvents drop;
  auto next = std::chrono::steady_clock::now();
  for (int round = 1;; ++round) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_until(lock, next, [this] { return stopping_; });
      if (stopping_ || ctx_.cancel.cancelled()) return;
    }
    const auto started = std::chrono::steady_clock::now();
    const int64_t started_us = ctx_.OffsetUs();
    next = started + absl::ToChronoNanoseconds(every);

    RunContext round_ctx(ctx_.run_id, assignment, ctx_.driver, ctx_.catalogue,
                         &drop);
    round_ctx.server = ctx_.server;
    round_ctx.log_label = absl::StrCat(spec.kind(), " round ", round);
    // The round's states: the scenario's steps alone, the last to Completed.
    auto made = ctx_.catalogue->Make(assignment.plan().workload());
    if (!made.ok()) {  // Check() built it, a scenario, before
      RIG_LOG(Error) << spec.kind() << ": " << made.status().message();
      return;
    }
    const std::vector<ScenarioStep> steps = made->scenario->Steps();
    StateRegistry states;
    if (absl::Status s = AddScenarioSteps(states, steps, "", kCompleted);
        !s.ok()) {
      RIG_LOG(Error) << spec.kind() << ": " << s.message();
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cancel_rounds_ || stopping_) return;  // no round after Finish
      current_[index] = &round_ctx;
    }
    rig::v1::AgentMessage m;
    rig::v1::ScenarioRound* r = m.mutable_scenario_round();
    r->set_kind(spec.kind());
    r->set_round(round);
    r->set_start_offset_us(started_us);
    StateMachine(states).Run(round_ctx, steps.front().state);
    r->set_end_offset_us(ctx_.OffsetUs());
    {
      std::lock_guard<std::mutex> lock(mu_);
      current_[index] = nullptr;
    }
    cv_.notify_all();
    // A round cut short because the whole run was cancelled says nothing.
    if (ctx_.cancel.cancelled()) return;

    const rig::v1::RunResult& result = round_ctx.result;
    bool failed = false;
    bool any_checked = false;
    for (const auto& check : result.verification().checks()) {
      *r->add_checks() = check;
      failed = failed || check.status() == rig::v1::CHECK_STATUS_FAILED;
      any_checked =
          any_checked || check.status() != rig::v1::CHECK_STATUS_SKIPPED;
    }
    const bool errored = result.final_state() != rig::v1::STATE_COMPLETED;
    if (errored) *r->mutable_error() = result.error();
    r->set_status(failed                    ? rig::v1::CHECK_STATUS_FAILED
                  : errored || !any_checked ? rig::v1::CHECK_STATUS_SKIPPED
                                            : rig::v1::CHECK_STATUS_PASSED);
    if (failed || errored) {
      RIG_LOG(Warning) << spec.kind() << " round " << round << ": "
                       << (errored ? result.error().message()
                                   : "a check failed");
    }
    ctx_.events->Send(m);
  }
}

}  // namespace rig::agent
