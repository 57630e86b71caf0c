#include "agent/engine/state_machine.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <new>
#include <system_error>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/base/duration.h"
#include "common/base/error_context.h"
#include "common/base/logging.h"
#include "common/base/status_macros.h"

namespace rig::agent {
namespace {

bool IsTerminal(const std::string& s) {
  return s == kCompleted || s == kFailed || s == kCancelled;
}

// Trips ctx.cancel if the state is still running at its deadline.
class Watchdog {
 public:
  Watchdog(RunContext& ctx, const std::string& state, absl::Duration limit)
      : ctx_(ctx) {
    if (limit == absl::InfiniteDuration()) return;
    thread_ = std::thread([this, state, limit] {
      std::unique_lock<std::mutex> lock(mu_);
      if (!cv_.wait_for(lock, absl::ToChronoNanoseconds(limit),
                        [this] { return done_; })) {
        overran_ = true;
        ctx_.cancel.Cancel(absl::DeadlineExceededError(
            absl::StrCat("state ", state, " overran its time limit of ",
                         rig::FormatDuration(limit))));
      }
    });
  }
  ~Watchdog() { Disarm(); }
  // Returns true if the limit was overrun.
  bool Disarm() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    return overran_;
  }

 private:
  RunContext& ctx_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;     // guarded by mu_
  bool overran_ = false;  // written by the thread, read after join
  std::thread thread_;
};

}  // namespace

void StateRegistry::Register(const std::string& name,
                             std::shared_ptr<StateHandler> handler,
                             std::vector<std::string> next) {
  Entry& e = entries_[name];
  e.handler = std::move(handler);
  e.next = std::move(next);
}

absl::Status StateRegistry::SetTransitions(const std::string& name,
                                           std::vector<std::string> next) {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    return absl::NotFoundError(absl::StrCat("no state \"", name, "\""));
  }
  it->second.next = std::move(next);
  return absl::OkStatus();
}

absl::Status StateRegistry::SetTimeLimit(const std::string& name,
                                         absl::Duration limit) {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    return absl::NotFoundError(absl::StrCat("no state \"", name, "\""));
  }
  it->second.limit = limit;
  return absl::OkStatus();
}

const StateRegistry::Entry* StateRegistry::Find(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

namespace {

// Enter, Execute and Exit of one state. Running out of resources (no thread
// can be made, an allocation fails) fails the run, not the agent: the
// handler's objects unwind (a load runner joins the workers it started),
// and the agent stays up and idle for the next run.
absl::StatusOr<std::string> RunHandler(StateHandler& handler, RunContext& ctx) {
  try {
    RETURN_IF_ERROR(handler.Enter(ctx));
    absl::StatusOr<std::string> next = handler.Execute(ctx);
    handler.Exit(ctx);
    return next;
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError("out of memory (an allocation failed)");
  } catch (const std::system_error& e) {
    return absl::ResourceExhaustedError(
        absl::StrCat("out of resources: ", e.what(),
                     " (a thread or another system resource could not be "
                     "made; lower load.connections or raise the limit)"));
  }
}

}  // namespace

std::string StateMachine::Run(RunContext& ctx, const std::string& initial) {
  std::string previous;
  std::string state = initial;
  StateRegistry states = registry_;  // this run's own, see AddStates
  auto announce = [&ctx](const std::string& from, const std::string& to,
                         rig::v1::State awaiting, std::string message) {
    rig::v1::AgentMessage m;
    auto* sc = m.mutable_state_changed();
    sc->set_from(StateEnum(from));
    sc->set_to(StateEnum(to));
    sc->set_from_name(from);
    sc->set_to_name(to);
    sc->set_offset_us(ctx.OffsetUs());
    sc->set_awaiting(awaiting);
    sc->set_message(std::move(message));
    ctx.events->Send(m);
  };
  auto fail = [&](const absl::Status& status) {
    const bool cancelled = status.code() == absl::StatusCode::kCancelled;
    ErrorContext where;
    where.state = state;
    where.agent = ctx.agent_name;
    absl::Status full = WithContext(status, where);
    auto* err = ctx.result.mutable_error();
    err->set_state(StateEnum(state));
    err->set_agent(ctx.agent_name);
    err->set_message(std::string(full.message()));
    if (auto server = GetServerError(status)) {
      err->set_server_code(server->code);
      err->set_sqlstate(server->sqlstate);
    }
    if (!ctx.log_label.empty()) {
      // A sub-run (a round alongside the load) reports its own end.
      RIG_LOG(Debug) << ctx.log_label << ": " << full.message();
    } else if (cancelled) {
      RIG_LOG(Warning) << "run cancelled in state " << state << ": "
                       << status.message();
    } else {
      RIG_LOG(Error) << full.message();
    }
    return std::string(cancelled ? kCancelled : kFailed);
  };

  while (!IsTerminal(state)) {
    ctx.state = state;
    announce(previous, state, rig::v1::STATE_UNSPECIFIED, "");
    if (ctx.log_label.empty()) {
      RIG_LOG(Info) << "state " << state;
    } else {
      RIG_LOG(Debug) << ctx.log_label << ": state " << state;
    }
    if (ctx.cancel.cancelled()) {
      previous = state;
      state = fail(ctx.cancel.reason());
      break;
    }
    const StateRegistry::Entry* entry = states.Find(state);
    if (entry == nullptr || entry->handler == nullptr) {
      const std::string from = previous;
      previous = state;
      state = fail(absl::FailedPreconditionError(absl::StrCat(
          "no handler is registered for state ", previous,
          from.empty()
              ? ""
              : absl::StrCat(" (transition ", from, " -> ", previous, ")"))));
      break;
    }
    StateHandler& handler = *entry->handler;
    const absl::Duration limit = entry->limit != absl::InfiniteDuration()
                                     ? entry->limit
                                     : handler.TimeLimit(ctx);
    Watchdog watchdog(ctx, state, limit);
    absl::StatusOr<std::string> next = RunHandler(handler, ctx);
    const bool overran = watchdog.Disarm();
    previous = state;
    if (overran) {
      state = fail(ctx.cancel.reason());
      break;
    }
    if (!next.ok()) {
      state =
          fail(ctx.cancel.cancelled() ? ctx.cancel.reason() : next.status());
      break;
    }
    if (ctx.cancel.cancelled()) {
      state = fail(ctx.cancel.reason());
      break;
    }
    if (absl::Status s = handler.AddStates(ctx, states); !s.ok()) {
      state = fail(s);
      break;
    }
    if (next->empty()) {
      if (entry->next.empty()) {
        state = fail(absl::FailedPreconditionError(
            absl::StrCat("state ", state, " has no registered successor")));
        break;
      }
      *next = entry->next.front();
    }
    if (*next != kFailed && *next != kCancelled &&
        std::find(entry->next.begin(), entry->next.end(), *next) ==
            entry->next.end()) {
      state = fail(absl::FailedPreconditionError(absl::StrCat(
          "transition ", state, " -> ", *next, " is not registered (allowed: ",
          absl::StrJoin(entry->next, ", "), ")")));
      break;
    }
    // Barrier: park until the coordinator lets every agent go on.
    if (absl::Status s =
            ctx.Barrier(StateEnum(*next), absl::StrCat("waiting for ", *next));
        !s.ok()) {
      state = fail(s);
      break;
    }
    state = *next;
  }
  ctx.state = state;
  announce(previous, state, rig::v1::STATE_UNSPECIFIED,
           ctx.result.has_error() ? ctx.result.error().message() : "");
  ctx.result.set_final_state(StateEnum(state));
  return state;
}

}  // namespace rig::agent
