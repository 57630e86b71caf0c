#include "agent/faults/fault_runner.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/base/logging.h"
#include "plan/fault_kinds.h"

namespace rig::agent {

FaultRunner::~FaultRunner() {
  std::list<Step> steps;
  {
    std::lock_guard<std::mutex> lock(mu_);
    steps.swap(steps_);
  }
  for (Step& s : steps) s.thread.join();
  std::lock_guard<std::mutex> lock(mu_);
  held_.clear();
}

void FaultRunner::JoinFinished() {
  for (auto it = steps_.begin(); it != steps_.end();) {
    if (!it->finished.load(std::memory_order_acquire)) {
      ++it;
      continue;
    }
    it->thread.join();  // it has sent its answer: only its return is left
    it = steps_.erase(it);
  }
}

size_t FaultRunner::threads_held() {
  std::lock_guard<std::mutex> lock(mu_);
  return steps_.size();
}

size_t FaultRunner::threads_running() {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const Step& s : steps_) {
    if (!s.finished.load(std::memory_order_acquire)) ++n;
  }
  return n;
}

void FaultRunner::Handle(const rig::v1::FaultCommand& command) {
  std::lock_guard<std::mutex> lock(mu_);
  JoinFinished();
  Step& step = steps_.emplace_back();
  step.thread = std::thread([this, command, &step] {
    rig::v1::AgentMessage m;
    *m.mutable_fault_done() = Run(command);
    ctx_.events->Send(m);
    step.finished.store(true, std::memory_order_release);
  });
}

rig::v1::FaultDone FaultRunner::KillConnections(
    const rig::v1::FaultAction& step, rig::v1::FaultDone done) {
  std::lock_guard<std::mutex> lock(ctx_.sever_mu);
  if (!ctx_.sever) {
    done.set_outcome("the load is not running");
    return done;
  }
  const auto [dropped, open] = ctx_.sever(step.kill_connections());
  done.set_connections_killed(dropped);
  done.set_connections(open);
  // SeverConnections picks floor(open * share) of them; fewer dropped means
  // the driver could not (cppconn has no socket to shut down).
  const int meant = static_cast<int>(open * step.kill_connections() + 1e-9);
  done.set_ok(dropped == meant);
  done.set_outcome(absl::StrCat(
      "dropped ", dropped, " of ", open, " connections",
      dropped == meant
          ? ""
          : absl::StrCat(" (", meant - dropped,
                         " could not be severed: --db-driver mariadb "
                         "can, cppconn cannot)")));
  RIG_LOG(Info) << "fault: " << done.outcome();
  return done;
}

rig::v1::FaultDone FaultRunner::ChangeLoad(const rig::v1::FaultAction& action,
                                           const rig::v1::FaultCommand& command,
                                           rig::v1::FaultDone done) {
  const bool end = command.recover();
  std::lock_guard<std::mutex> lock(ctx_.sever_mu);
  if (!ctx_.change_load) {
    // A fault's end after the load stopped has nothing left to restore.
    done.set_ok(end);
    done.set_outcome(end ? "the load had ended" : "the load is not running");
    return done;
  }
  double before = 0;
  double after = 0;
  const bool changed = ctx_.change_load({command.index(), command.occurrence()},
                                        action, end, &before, &after);
  done.set_ok(changed);
  done.set_rate_before(before);
  done.set_rate_after(after);
  if (!changed) {
    done.set_outcome(end ? "it was not in force" : "it is already in force");
  } else if (action.pause_load()) {
    done.set_outcome(end ? "resumed" : "paused");
  } else {
    done.set_outcome(
        absl::StrFormat("target rate %g -> %g ops/s", before, after));
  }
  RIG_LOG(Info) << "fault " << command.index() + 1 << " #"
                << command.occurrence() << ": " << done.outcome();
  return done;
}

rig::v1::FaultDone FaultRunner::Run(const rig::v1::FaultCommand& command) {
  rig::v1::FaultDone done;
  done.set_index(command.index());
  done.set_occurrence(command.occurrence());
  done.set_recover(command.recover());
  const rig::v1::Plan& plan = ctx_.assignment.plan();
  if (command.index() < 0 || command.index() >= plan.faults_size()) {
    done.set_outcome(absl::StrCat("the plan has no fault ", command.index()));
    return done;
  }
  const rig::v1::Fault& fault = plan.faults(command.index());
  const rig::v1::FaultAction& step =
      command.recover() ? fault.recover() : fault.action();
  // A load action's recover is its own end (the plan has none for it).
  if (plan::IsLoadAction(fault.action())) {
    return ChangeLoad(fault.action(), command, done);
  }
  if (step.kill_connections() > 0) return KillConnections(step, done);
  const std::pair<int, int> key{command.index(), command.occurrence()};
  auto scope = ctx_.driver->AttachThread();
  std::unique_ptr<db::Connection> conn;
  if (command.recover()) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = held_.find(key);
    if (it != held_.end()) {
      conn = std::move(it->second);
      held_.erase(it);
    }
  }
  if (step.sql_size() == 0) {  // a recover that only ends the hold
    done.set_ok(true);
    done.set_outcome(conn ? "connection closed" : "nothing held");
    return done;
  }
  if (!conn) {
    size_t endpoint = 0;
    for (size_t i = 0; i < ctx_.endpoints.size(); ++i) {
      if (ctx_.endpoints[i].name == step.endpoint()) endpoint = i;
    }
    auto opened = ctx_.driver->Connect(ctx_.ConnectOptions(endpoint));
    if (!opened.ok()) {
      done.set_outcome(
          absl::StrCat("could not connect: ", opened.status().message()));
      return done;
    }
    conn = std::move(*opened);
  }
  for (int i = 0; i < step.sql_size(); ++i) {
    auto r = conn->Execute(step.sql(i));
    if (!r.ok()) {
      done.set_outcome(
          absl::StrCat("statement ", i + 1, " failed: ", r.status().message()));
      RIG_LOG(Warning) << "fault " << command.index() + 1 << ": "
                       << done.outcome();
      return done;  // the connection closes: nothing is held
    }
  }
  done.set_ok(true);
  done.set_outcome(absl::StrCat(step.sql_size(), " statement",
                                step.sql_size() == 1 ? "" : "s", " run"));
  if (!command.recover()) {
    std::lock_guard<std::mutex> lock(mu_);
    held_[key] = std::move(conn);
  }
  return done;
}

}  // namespace rig::agent
