// The Coordinator: the session across agents. It asks the assigner which
// agents fit and what each runs, starts a session on each, checks what each
// sends against the protocol, releases the barriers, tracks liveness, and
// hands the records to the recorder (results/recorder.h) and the ending to
// the verdict (results/verdict.h). ~780 lines: the protocol's state (who
// is live, at which barrier, what each may still send) lives in one lock
// here, and splitting it further would split that lock. The parts added
// since (sending a fault's steps other than exec to live agents and
// waiting for their answers; feeding /metrics what the session accepts)
// stay here for that reason: both read who is live and what each agent
// sent under that lock. The scheduling of faults and the metrics
// themselves are in faults/scheduler.h and metrics/fleet_metrics.h.

#include "coordinator/session/coordinator.h"

#include <algorithm>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/base/duration.h"
#include "common/base/logging.h"
#include "common/base/proto_duration.h"
#include "common/base/status_macros.h"
#include "common/base/version.h"
#include "coordinator/report/partial_interval.h"
#include "coordinator/report/terminal.h"
#include "coordinator/results/fault_recovery.h"
#include "coordinator/results/rounds.h"
#include "coordinator/results/verdict.h"
#include "coordinator/session/assigner.h"
#include "coordinator/session/untrusted.h"
#include "google/protobuf/util/time_util.h"
#include "plan/barriers.h"
#include "plan/fault_kinds.h"

namespace rig::coordinator {
namespace {

std::string NewRunId() {
  std::random_device rd;
  return absl::StrCat(
      "r", absl::FormatTime("%Y%m%d-%H%M%S", absl::Now(), absl::UTCTimeZone()),
      "-", absl::Hex(rd() & 0xffff, absl::kZeroPad4));
}

// "agent a0: scenario/isolation round 3 passed (5 checks, 0.21s)", with
// the first failed check or the error when there is one.
std::string RoundLine(const rig::v1::ScenarioRoundRecord& r) {
  const rig::v1::ScenarioRound& round = r.round();
  const std::string detail = RoundDetail(round);
  return absl::StrFormat(
      "agent %s: %s round %d %s%s (%d checks, %.2fs)", r.agent(), round.kind(),
      round.round(), RoundResult(round), detail.empty() ? "" : ": " + detail,
      round.checks_size(),
      (round.end_offset_us() - round.start_offset_us()) / 1e6);
}

// A load step's outcome on `agents` agents, all ok, from their summed
// target rates: "paused on 2 agents", "target rate 200 -> 600 ops/s on 2
// agents", "resumed on 2 agents (200 ops/s)".
std::string LoadStepOutcome(const rig::v1::FaultAction& action, bool recover,
                            const rig::v1::FaultDone& merged, int agents) {
  const std::string on =
      absl::StrCat(" on ", agents, " agent", agents == 1 ? "" : "s");
  const bool open = merged.rate_before() > 0 || merged.rate_after() > 0;
  if (action.pause_load()) {
    if (!recover) return absl::StrCat("paused", on);
    return absl::StrCat(
        "resumed", on,
        open ? absl::StrFormat(" (%g ops/s)", merged.rate_after()) : "");
  }
  return absl::StrFormat("target rate %g -> %g ops/s%s", merged.rate_before(),
                         merged.rate_after(), on);
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(t));
}

}  // namespace

Coordinator::Coordinator(CoordinatorOptions options, rig::v1::Plan plan)
    : options_(std::move(options)),
      plan_(std::move(plan)),
      recorder_(plan_, static_cast<int>(options_.agents.size())) {
  run_id_ = options_.run_id.empty() ? NewRunId() : options_.run_id;
  for (size_t i = 0; i < options_.agents.size(); ++i) {
    clients_.push_back(std::make_unique<AgentClient>(
        static_cast<int>(i), options_.agents[i], options_.security));
  }
  agents_.resize(clients_.size());
}

Coordinator::~Coordinator() = default;

void Coordinator::Progress(const std::string& line) {
  if (options_.progress) options_.progress(line);
}

absl::Status Coordinator::CheckAgents() {
  std::vector<absl::StatusOr<rig::v1::AgentInfo>> infos(
      clients_.size(), absl::UnknownError("not asked"));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < clients_.size(); ++i) {
    threads.emplace_back([this, i, &infos] {
      infos[i] = clients_[i]->GetInfo(options_.connect_timeout);
    });
  }
  for (auto& t : threads) t.join();
  std::vector<std::string> problems;
  std::vector<bool> usable(clients_.size(), false);
  for (size_t i = 0; i < clients_.size(); ++i) {
    std::string why =
        WhyUnfit(plan_, clients_[i]->address(), infos[i], &agents_[i].info);
    usable[i] = why.empty();
    if (!why.empty()) problems.push_back(std::move(why));
  }
  if (problems.empty()) return absl::OkStatus();
  const bool any =
      std::find(usable.begin(), usable.end(), true) != usable.end();
  if (!plan_.agents().allow_partial_start() || !any) {
    return absl::FailedPreconditionError(absl::StrJoin(problems, "\n"));
  }
  // agents.allow_partial_start: go on with the agents that answered.
  for (const auto& p : problems) {
    RIG_LOG(Warning) << p << " (left out: agents.allow_partial_start)";
  }
  std::vector<std::unique_ptr<AgentClient>> kept_clients;
  std::vector<AgentState> kept_agents;
  for (size_t i = 0; i < clients_.size(); ++i) {
    if (!usable[i]) continue;
    kept_agents.push_back(agents_[i]);
    kept_clients.push_back(std::make_unique<AgentClient>(
        static_cast<int>(kept_clients.size()), clients_[i]->address(),
        options_.security));
  }
  clients_ = std::move(kept_clients);
  agents_ = std::move(kept_agents);
  recorder_.SetAgents(static_cast<int>(agents_.size()));
  return absl::OkStatus();
}

absl::Status Coordinator::Assign() {
  std::vector<rig::v1::AgentInfo> infos;
  for (const auto& a : agents_) infos.push_back(a.info);
  ASSIGN_OR_RETURN(std::vector<rig::v1::Assignment> assignments,
                   AssignWork(plan_, infos));
  for (size_t i = 0; i < agents_.size(); ++i) {
    agents_[i].assignment = std::move(assignments[i]);
  }
  return absl::OkStatus();
}

absl::StatusOr<rig::v1::Report> Coordinator::Run() {
  if (clients_.empty()) {
    return absl::InvalidArgumentError(
        "no agents given (use --agents host:port,...)");
  }
  SetLogContext("run", run_id_);
  RETURN_IF_ERROR(recorder_.OpenJournal());
  RIG_LOG(Info) << "run " << run_id_ << ": asking " << clients_.size()
                << " agent(s) for their state";
  RETURN_IF_ERROR(CheckAgents());
  RETURN_IF_ERROR(Assign());

  start_ = std::chrono::steady_clock::now();
  started_at_ = absl::Now();
  {
    FaultScheduler::Hooks hooks;
    hooks.run_on_agent = [this](const rig::v1::FaultCommand& c,
                                absl::Duration timeout) {
      return RunFaultOnAgent(c, timeout);
    };
    hooks.recorded = [this](const rig::v1::FaultRecord& record) {
      std::lock_guard<std::mutex> lock(mu_);
      recorder_.Fault(record);
    };
    hooks.progress = [this](const std::string& line) { Progress(line); };
    auto scheduler =
        std::make_unique<FaultScheduler>(plan_, start_, std::move(hooks));
    // Under the lock: Stop() (another thread) reads faults_ under it.
    std::lock_guard<std::mutex> lock(mu_);
    faults_ = std::move(scheduler);
  }
  {
    std::vector<std::string> addresses;
    for (const auto& c : clients_) addresses.push_back(c->address());
    std::lock_guard<std::mutex> lock(mu_);
    live_ = static_cast<int>(agents_.size());
    recorder_.RunStarted(run_id_, ToTimestamp(started_at_), addresses);
    if (options_.metrics != nullptr) {
      std::vector<std::string> names;
      std::vector<rig::v1::Assignment> assignments;
      for (const auto& a : agents_) {
        names.push_back(a.info.name());
        assignments.push_back(a.assignment);
      }
      options_.metrics->RunStarted(names, assignments);
    }
  }
  RIG_LOG(Info) << "run " << run_id_ << ": plan \"" << plan_.name() << "\", "
                << plan_.workload().kind() << ", " << plan_.load().connections()
                << " connections on " << clients_.size() << " agent(s)";
  if (options_.before_start) options_.before_start();
  if (options_.run_grace > absl::ZeroDuration()) {
    std::lock_guard<std::mutex> lock(mu_);
    run_deadline_ =
        start_ +
        std::chrono::microseconds(
            absl::ToInt64Microseconds(FromProto(plan_.load().warmup())) +
            RunLengthUs()) +
        absl::ToChronoNanoseconds(options_.run_grace);
  }
  StartSessions();
  std::thread heartbeats(&Coordinator::Heartbeats, this);
  {
    std::unique_lock<std::mutex> lock(mu_);
    started_ = true;
    cv_.wait(lock, [this] {
      for (const auto& a : agents_) {
        if (!a.ended) return false;
      }
      return true;
    });
  }
  // Every session has ended: a fault still going recovers now, and its
  // record is in before the report is built.
  faults_->Interrupt();
  faults_->Join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    heartbeats_stop_ = true;
  }
  cv_.notify_all();
  heartbeats.join();
  for (auto& c : clients_) c->Join();
  std::lock_guard<std::mutex> lock(mu_);
  rig::v1::Report report = BuildReport();
  if (const std::string& error = recorder_.SpillReadError(); !error.empty()) {
    // A closed interval lost to a failed read of the spill file: the
    // report's intervals are not whole.
    DemoteToIncomplete(absl::StrCat("report intervals: ", error), report);
  }
  if (const std::string error = recorder_.RunEnded(report); !error.empty()) {
    // Whole up to the failed write, and nothing after it: the run's record
    // is incomplete, and a run that otherwise passed says so.
    report.set_journal_error(error);
    DemoteToIncomplete(error, report);
  }
  return report;
}

void Coordinator::StartSessions() {
  for (size_t i = 0; i < clients_.size(); ++i) {
    rig::v1::Start start;
    start.set_run_id(run_id_);
    *start.mutable_assignment() = agents_[i].assignment;
    {
      std::lock_guard<std::mutex> lock(mu_);
      recorder_.SetAgentOrigin(
          static_cast<int>(i),
          std::chrono::duration_cast<std::chrono::microseconds>(
              std::chrono::steady_clock::now() - start_)
              .count());
    }
    absl::Status s = clients_[i]->Start(start, this);
    std::lock_guard<std::mutex> lock(mu_);
    if (!s.ok()) {
      SetEndedLocked(static_cast<int>(i));
      agents_[i].error = std::string(s.message());
      RIG_LOG(Error) << s.message();
      StopOthers(static_cast<int>(i), agents_[i].error);
      // The agents after it get no session: they have ended, never started
      // (else the wait for every agent to end would wait for ever).
      for (size_t j = i + 1; j < clients_.size(); ++j) {
        SetEndedLocked(static_cast<int>(j));
        agents_[j].error =
            absl::StrCat("not started: the run stopped because agent ",
                         clients_[i]->address(), " could not start");
      }
      return;
    }
    agents_[i].last_seen = std::chrono::steady_clock::now();
    if (!stop_reason_.empty()) {
      // Stopped while starting: send Stop to the ones already started.
      rig::v1::CoordinatorMessage m;
      m.mutable_stop()->set_reason(stop_reason_);
      clients_[i]->Send(m);
    }
  }
}

int64_t Coordinator::RunLengthUs() const {
  const rig::v1::Load& load = plan_.load();
  if (load.stages_size() == 0) {
    return absl::ToInt64Microseconds(FromProto(load.duration()));
  }
  int64_t total = 0;
  for (const auto& s : load.stages()) {
    total += absl::ToInt64Microseconds(FromProto(s.duration()));
  }
  return total;
}

bool Coordinator::LiveLocked(int agent) const {
  return !agents_[agent].ended && !agents_[agent].has_result;
}

int Coordinator::LiveAgentsLocked() const { return live_; }

void Coordinator::SetEndedLocked(int agent) {
  if (LiveLocked(agent)) --live_;
  agents_[agent].ended = true;
}

void Coordinator::SetHasResultLocked(int agent) {
  if (LiveLocked(agent)) --live_;
  agents_[agent].has_result = true;
}

int Coordinator::FirstLiveLocked() const {
  for (int i = 0; i < static_cast<int>(agents_.size()); ++i) {
    if (LiveLocked(i)) return i;
  }
  return -1;
}

void Coordinator::OnMessage(int agent, const rig::v1::AgentMessage& received) {
  rig::v1::AgentMessage m = received;
  ScrubStrings(&m);
  Reaction r;
  {
    std::lock_guard<std::mutex> lock(mu_);
    AgentState& a = agents_[agent];
    a.last_seen = std::chrono::steady_clock::now();
    switch (m.msg_case()) {
      case rig::v1::AgentMessage::kStateChanged:
        OnStateChangedLocked(agent, m.state_changed());
        break;
      case rig::v1::AgentMessage::kInterval:
        r = OnIntervalLocked(agent, m.interval());
        break;
      case rig::v1::AgentMessage::kErrorSample:
        recorder_.ErrorSample(a.info.name(), m.error_sample());
        break;
      case rig::v1::AgentMessage::kBreakerEvent:
        if (absl::Status s =
                recorder_.BreakerEvent(agent, a.info.name(), m.breaker_event());
            !s.ok()) {
          RefuseLocked(agent, std::string(s.message()));
        } else if (options_.metrics != nullptr) {
          options_.metrics->Message(agent, m);
        }
        break;
      case rig::v1::AgentMessage::kScenarioRound: {
        auto round =
            recorder_.ScenarioRound(agent, a.info.name(), m.scenario_round());
        if (round.ok()) {
          r.progress = RoundLine(*round);
        } else {
          RefuseLocked(agent, std::string(round.status().message()));
        }
        break;
      }
      case rig::v1::AgentMessage::kFaultDone: {
        const auto& d = m.fault_done();
        // Bounded: answers come only to commands sent, one each.
        if (d.index() < 0 || d.index() >= plan_.faults_size() ||
            fault_done_.size() >= 10000) {
          RefuseLocked(agent, "a fault answer to no command");
          break;
        }
        fault_done_[{d.index(), d.occurrence(), d.recover(), agent}] = d;
        cv_.notify_all();
        break;
      }
      case rig::v1::AgentMessage::kProgress: {
        const auto& p = m.progress();
        r.progress = absl::StrCat("agent ", a.info.name(), ": ", p.what(), " ",
                                  p.done(), "/", p.total());
        break;
      }
      case rig::v1::AgentMessage::kResult:
        r = OnResultLocked(agent, m.result());
        break;
      default:
        break;
    }
  }
  if (!r.progress.empty()) Progress(r.progress);
  if (r.close) clients_[agent]->CloseWrites();
  if (!r.stop_reason.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    StopOthers(agent, r.stop_reason);
  }
}

void Coordinator::OnStateChangedLocked(int agent,
                                       const rig::v1::StateChanged& sc) {
  agents_[agent].state = sc.to();
  if (options_.metrics != nullptr) {
    rig::v1::AgentMessage m;
    *m.mutable_state_changed() = sc;
    options_.metrics->Message(agent, m);
    if (sc.awaiting() != rig::v1::STATE_UNSPECIFIED) {
      options_.metrics->BarrierWait(agent, sc.awaiting(), sc.barrier());
    }
  }
  RIG_LOG(Debug) << "agent " << agents_[agent].info.name() << ": "
                 << sc.from_name() << " -> " << sc.to_name();
  if (sc.to() == rig::v1::STATE_RUNNING) BeginFaultsLocked(agent, sc);
  if (sc.awaiting() != rig::v1::STATE_UNSPECIFIED) {
    barriers_[{sc.awaiting(), sc.barrier()}].insert(agent);
    MaybeAdvanceLocked();
  }
}

void Coordinator::BeginFaultsLocked(int agent,
                                    const rig::v1::StateChanged& sc) {
  if (faults_ == nullptr || !stop_reason_.empty()) return;
  // The measured run starts when the first agent starts measuring; the
  // faults' `at` count from there, on the coordinator's timeline.
  faults_->Begin(recorder_.ToTimeline(agent, sc.offset_us()), RunLengthUs());
}

rig::v1::FaultDone Coordinator::RunFaultOnAgent(
    const rig::v1::FaultCommand& command, absl::Duration timeout) {
  rig::v1::FaultDone out;
  const rig::v1::Fault& fault = plan_.faults(command.index());
  // A load action's recover is its end (the plan gives it none): the
  // action again, with `recover` set.
  const rig::v1::FaultAction& step =
      command.recover() && !plan::IsLoadAction(fault.action()) ? fault.recover()
                                                               : fault.action();
  std::unique_lock<std::mutex> lock(mu_);
  // sql runs on one agent (the first live one); kill_connections and the
  // load actions (and a load action's end, its recover) on all.
  const bool load = plan::IsLoadAction(step);
  const bool every_agent = step.kill_connections() > 0 || load;
  std::vector<int> targets;
  for (int i = 0; i < static_cast<int>(agents_.size()); ++i) {
    if (!LiveLocked(i)) continue;
    targets.push_back(i);
    if (!every_agent) break;
  }
  if (targets.empty()) {
    out.set_outcome("not run: no agent is running");
    return out;
  }
  auto key = [&command](int agent) {
    return std::make_tuple(command.index(), command.occurrence(),
                           command.recover(), agent);
  };
  rig::v1::CoordinatorMessage m;
  *m.mutable_fault() = command;
  for (int agent : targets) clients_[agent]->Send(m);
  auto settled = [&](int agent) {
    return fault_done_.count(key(agent)) > 0 || !LiveLocked(agent);
  };
  cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [&] {
    return std::all_of(targets.begin(), targets.end(), settled);
  });
  out.set_ok(true);
  std::vector<std::string> outcomes;
  for (int agent : targets) {
    const std::string& name = agents_[agent].info.name();
    auto it = fault_done_.find(key(agent));
    if (it == fault_done_.end()) {
      out.set_ok(false);
      outcomes.push_back(absl::StrCat(
          targets.size() > 1 ? name + ": " : "",
          LiveLocked(agent)
              ? absl::StrCat("timed out after ", rig::FormatDuration(timeout))
              : absl::StrCat("agent ", name, " ended before it answered")));
      continue;
    }
    const rig::v1::FaultDone& d = it->second;
    out.set_ok(out.ok() && d.ok());
    out.set_connections_killed(out.connections_killed() +
                               d.connections_killed());
    out.set_connections(out.connections() + d.connections());
    out.set_rate_before(out.rate_before() + d.rate_before());
    out.set_rate_after(out.rate_after() + d.rate_after());
    if (!every_agent || !d.ok()) {
      outcomes.push_back(
          absl::StrCat(targets.size() > 1 ? name + ": " : "", d.outcome()));
    }
    fault_done_.erase(it);
  }
  if (step.kill_connections() > 0 && outcomes.empty()) {
    outcomes.push_back(absl::StrCat("dropped ", out.connections_killed(),
                                    " of ", out.connections(),
                                    " connections on ", targets.size(),
                                    " agent", targets.size() == 1 ? "" : "s"));
  }
  if (load && outcomes.empty()) {
    outcomes.push_back(LoadStepOutcome(step, command.recover(), out,
                                       static_cast<int>(targets.size())));
  }
  out.set_outcome(absl::StrJoin(outcomes, "; "));
  return out;
}

Coordinator::Reaction Coordinator::OnIntervalLocked(
    int agent, const rig::v1::IntervalStats& stats) {
  AgentState& a = agents_[agent];
  // Only the next interval: a repeated or invented seq would count
  // operations twice or open intervals without end.
  if (stats.seq() != a.next_seq || a.has_result ||
      !SaneOffsets(stats.start_offset_us(), stats.end_offset_us())) {
    RefuseLocked(agent, absl::StrCat("interval seq ", stats.seq(),
                                     " (expected ", a.next_seq, ")"));
    return {};
  }
  ++a.next_seq;
  if (options_.metrics != nullptr) {
    rig::v1::AgentMessage m;
    *m.mutable_interval() = stats;
    options_.metrics->Message(agent, m);
  }
  auto merged = recorder_.Interval(agent, stats, LiveAgentsLocked());
  if (!merged.ok()) {
    RIG_LOG(Warning) << "agent " << a.info.name() << ": "
                     << merged.status().message();
    return {};
  }
  if (!merged->has_value()) return {};
  if (IsPartialInterval(stats.start_offset_us(), stats.end_offset_us(),
                        plan_)) {
    return {};  // no progress line for the stub left when the load stops
  }
  const rig::v1::IntervalReport& iv = **merged;
  const rig::v1::IntervalReport first = recorder_.MergedInterval(0);
  Reaction r;
  r.progress = FormatIntervalLine(iv, static_cast<int>(agents_.size()),
                                  iv.end_offset_us() - first.start_offset_us(),
                                  RunLengthUs());
  return r;
}

Coordinator::Reaction Coordinator::OnResultLocked(
    int agent, const rig::v1::RunResult& result) {
  AgentState& a = agents_[agent];
  if (a.has_result) {
    RefuseLocked(agent, "a second result");
    return {};
  }
  const std::string& name = a.info.name();
  if (absl::Status s =
          recorder_.Result(agent, name, result, agents_.size() > 1);
      !s.ok()) {
    RIG_LOG(Warning) << "agent " << name << ": " << s.message();
  }
  SetHasResultLocked(agent);
  if (options_.metrics != nullptr) {
    rig::v1::AgentMessage m;
    *m.mutable_result()->mutable_error() = result.error();
    m.mutable_result()->set_final_state(result.final_state());
    options_.metrics->Message(agent, m);
    options_.metrics->AgentDone(agent);
  }
  a.state = result.final_state();
  a.server = result.server();
  if (result.has_error()) a.error = result.error().message();
  Reaction r;
  r.close = true;
  if (result.final_state() == rig::v1::STATE_FAILED) {
    r.stop_reason = absl::StrCat("agent ", name, " failed: ", a.error);
  }
  return r;
}

void Coordinator::RefuseLocked(int agent, const std::string& what) {
  AgentState& a = agents_[agent];
  ++refused_;
  if (a.refused++ == 0) {
    RIG_LOG(Warning) << "agent " << clients_[agent]->address() << ": refused "
                     << what << " (further refusals are only counted)";
  }
}

void Coordinator::OnEnded(int agent, const absl::Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  AgentState& a = agents_[agent];
  const bool had_result = a.has_result;
  SetEndedLocked(agent);
  if (!had_result) {
    a.lost = true;
    ++lost_;
    if (options_.metrics != nullptr) options_.metrics->AgentLost(agent);
    if (a.error.empty()) {
      a.error = absl::StrCat(
          "lost: the session ended before the run finished (",
          status.ok() ? "stream closed" : ScrubString(status.ToString()), ")");
    }
    RIG_LOG(Error) << "agent " << clients_[agent]->address() << ": " << a.error;
    recorder_.Lost(
        a.info.name().empty() ? clients_[agent]->address() : a.info.name(),
        a.state, a.error);
    const rig::v1::AgentPolicy& policy = plan_.agents();
    if (policy.on_agent_loss() == rig::v1::AGENT_LOSS_POLICY_CONTINUE &&
        lost_ <= policy.max_lost_agents() && LiveAgentsLocked() > 0) {
      RIG_LOG(Warning) << "continuing without agent "
                       << clients_[agent]->address() << " (" << lost_ << " of "
                       << policy.max_lost_agents()
                       << " agents may be lost): the report will be degraded";
      // The others may all be waiting at a barrier for this one.
      MaybeAdvanceLocked();
    } else {
      StopOthers(agent, absl::StrCat("agent ", clients_[agent]->address(), " ",
                                     a.error));
    }
  }
  cv_.notify_all();
}

void Coordinator::MaybeAdvanceLocked() {
  if (!stop_reason_.empty()) return;
  for (auto& [key, waiting] : barriers_) {
    if (advanced_.count(key)) continue;
    const int live_agents = LiveAgentsLocked();
    // Fewer waiting than live: not yet (without counting them: this runs
    // on every agent's arrival, and a fleet has thousands).
    if (live_agents == 0 || static_cast<int>(waiting.size()) < live_agents) {
      continue;
    }
    int live_waiting = 0;
    for (int i : waiting) live_waiting += LiveLocked(i) ? 1 : 0;
    if (live_waiting < live_agents) continue;
    const auto state = static_cast<rig::v1::State>(key.first);
    if (state == rig::v1::STATE_PREPARING && key.second == kTablesReady &&
        waiting.count(0) == 0) {
      // Agent 0 makes the schema before it parks here; lost before that,
      // the others would load into tables that do not exist.
      const std::string reason = absl::StrCat(
          "agent ", clients_[0]->address(),
          " (agent 0, which creates the tables) was lost before the tables "
          "were ready: ",
          agents_[0].error);
      RIG_LOG(Error) << "stopping the run: " << reason;
      StopOthers(-1, reason);
      return;
    }
    advanced_.insert(key);
    if (options_.metrics != nullptr) {
      options_.metrics->BarrierReleased(state, key.second);
    }
    if (key.second.empty()) {
      RIG_LOG(Info) << "all agents ready: advancing to "
                    << rig::v1::State_Name(state);
    } else {
      RIG_LOG(Info) << "all agents at \"" << key.second << "\" in "
                    << rig::v1::State_Name(state) << ": going on";
    }
    // The once-per-run steps (the global check, the cleanup) run on the
    // first live agent: agent 0 unless it is gone (then still, elsewhere).
    int once = -1;
    if ((state == rig::v1::STATE_VERIFYING ||
         state == rig::v1::STATE_REPORTING) &&
        key.second.empty()) {
      once = FirstLiveLocked();
      if (state == rig::v1::STATE_VERIFYING) verifier_ = once;
      if (once > 0) {
        RIG_LOG(Warning) << "agent " << clients_[once]->address() << " runs "
                         << (state == rig::v1::STATE_VERIFYING
                                 ? "the verification"
                                 : "the cleanup")
                         << " in place of agent " << clients_[0]->address()
                         << ", which is gone";
      }
    }
    rig::v1::CoordinatorMessage adv;
    adv.mutable_advance()->set_to_state(state);
    adv.mutable_advance()->set_barrier(key.second);
    for (size_t i = 0; i < agents_.size(); ++i) {
      if (agents_[i].ended) continue;
      adv.mutable_advance()->set_run_once(static_cast<int>(i) == once);
      clients_[i]->Send(adv);
    }
  }
}

void Coordinator::Heartbeats() {
  const absl::Duration interval =
      FromProto(plan_.agents().heartbeat_interval());
  const absl::Duration timeout = FromProto(plan_.agents().heartbeat_timeout());
  int64_t seq = 0;
  std::unique_lock<std::mutex> lock(mu_);
  while (!heartbeats_stop_) {
    cv_.wait_for(lock, absl::ToChronoNanoseconds(interval));
    if (heartbeats_stop_) break;
    rig::v1::CoordinatorMessage hb;
    hb.mutable_heartbeat()->set_seq(++seq);
    const auto now = std::chrono::steady_clock::now();
    for (size_t i = 0; i < agents_.size(); ++i) {
      AgentState& a = agents_[i];
      if (a.ended || a.has_result) continue;
      clients_[i]->Send(hb);
      if (now - a.last_seen > absl::ToChronoNanoseconds(timeout)) {
        a.error =
            absl::StrCat("lost: no message for ", absl::FormatDuration(timeout),
                         " (heartbeat timeout)");
        // Ending the stream makes OnEnded mark it lost and apply the policy.
        clients_[i]->Cancel();
      }
    }
    CheckDeadlinesLocked(now);
  }
}

void Coordinator::CheckDeadlinesLocked(
    std::chrono::steady_clock::time_point now) {
  if (stop_reason_.empty() && now >= run_deadline_) {
    const std::string reason = absl::StrCat(
        "the run passed its deadline (warm-up + measured time + --run-grace ",
        absl::FormatDuration(options_.run_grace), ")");
    RIG_LOG(Error) << "stopping the run: " << reason;
    StopOthers(-1, reason);
  }
  if (stop_reason_.empty() || now < stop_deadline_) return;
  for (size_t i = 0; i < agents_.size(); ++i) {
    AgentState& a = agents_[i];
    if (a.ended || a.has_result || a.cut) continue;
    a.cut = true;
    a.error =
        absl::StrCat("did not report within --stop-grace ",
                     absl::FormatDuration(options_.stop_grace),
                     " of the stop (", stop_reason_, "): its session was cut");
    clients_[i]->Cancel();
  }
}

void Coordinator::StopOthers(int except, const std::string& reason) {
  // A fault going on recovers now; none starts.
  if (faults_ != nullptr) faults_->Interrupt();
  if (stop_reason_.empty()) {
    stop_reason_ = reason;
    if (options_.metrics != nullptr) options_.metrics->SetPhase("stopping");
    stop_deadline_ = std::chrono::steady_clock::now() +
                     absl::ToChronoNanoseconds(options_.stop_grace);
  }
  rig::v1::CoordinatorMessage m;
  m.mutable_stop()->set_reason(reason);
  for (size_t i = 0; i < clients_.size(); ++i) {
    if (static_cast<int>(i) == except || agents_[i].ended ||
        agents_[i].has_result) {
      continue;
    }
    clients_[i]->Send(m);
  }
}

void Coordinator::Stop(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!stop_reason_.empty()) {
    // Asked again (a second signal): cut what is still open now.
    RIG_LOG(Warning) << "stopping now: " << reason;
    stop_deadline_ = std::chrono::steady_clock::now();
    if (started_) CheckDeadlinesLocked(stop_deadline_);
    return;
  }
  RIG_LOG(Warning) << "stopping the run: " << reason << " (sessions still "
                   << "open are cut after --stop-grace "
                   << absl::FormatDuration(options_.stop_grace) << ")";
  StopOthers(-1, reason);
}

rig::v1::Report Coordinator::BuildReport() const {
  rig::v1::Report r;
  r.set_schema_version(kReportSchemaVersion);
  r.set_tool_version(kToolVersion);
  r.set_run_id(run_id_);
  *r.mutable_plan() = plan_;
  r.mutable_plan()->mutable_target()->clear_password();
  *r.mutable_started_at() = ToTimestamp(started_at_);
  *r.mutable_finished_at() = ToTimestamp(absl::Now());
  recorder_.Fill(r);
  MeasureRecoveries(plan_, r);
  r.set_agent_messages_refused(refused_);
  bool all_completed = true;
  for (size_t i = 0; i < agents_.size(); ++i) {
    const AgentState& a = agents_[i];
    auto* ar = r.add_agents();
    ar->set_name(a.info.name().empty() ? clients_[i]->address()
                                       : a.info.name());
    ar->set_address(clients_[i]->address());
    ar->set_index(static_cast<int>(i));
    ar->set_connections(a.assignment.connections());
    ar->set_rate(a.assignment.rate());
    ar->set_final_state(a.state);
    ar->set_lost(a.lost);
    ar->set_error(a.error);
    *ar->mutable_summary() = recorder_.AgentSummary(static_cast<int>(i));
    for (const auto& iv : recorder_.AgentIntervals(static_cast<int>(i))) {
      *ar->add_intervals() = iv;
    }
    *ar->mutable_server() = a.server;
    if (r.server().flavor().empty()) *r.mutable_server() = a.server;
    // Under on_agent_loss: continue, a lost agent does not fail the run.
    if (!(a.lost && stop_reason_.empty())) {
      all_completed = all_completed && a.state == rig::v1::STATE_COMPLETED;
    }
  }
  // The global check's result comes with its agent's result.
  std::string unverified;
  if (verifier_ >= 0 && agents_[verifier_].lost) {
    all_completed = false;
    unverified = absl::StrCat(
        "agent ", clients_[verifier_]->address(),
        " was lost before it sent the result of the verification (the "
        "global check): the data was not verified");
  }
  r.set_degraded(lost_ > 0);
  if (lost_ >= static_cast<int>(agents_.size())) all_completed = false;
  DecideVerdict(plan_, all_completed,
                !stop_reason_.empty() ? stop_reason_
                : !unverified.empty() ? unverified
                                      : "not every agent completed its run",
                r);
  return r;
}

}  // namespace rig::coordinator
