// The Coordinator: checks agents, assigns work, runs the sessions with their
// barriers and liveness, turns agent messages into records and journal lines
// and decides the verdict. Longer than one job should be (~800 lines): the
// planned split (docs/design.md) is a session with barriers and liveness, an
// assigner beside split.cc, a recorder for messages and the journal, and a
// verdict with one exit-code enum.

#include "coordinator/session/coordinator.h"

#include <algorithm>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/base/check_status.h"
#include "common/base/logging.h"
#include "common/base/proto_duration.h"
#include "common/base/version.h"
#include "coordinator/report/report.h"
#include "coordinator/results/rounds.h"
#include "coordinator/results/thresholds.h"
#include "coordinator/session/split.h"
#include "coordinator/session/untrusted.h"
#include "google/protobuf/util/time_util.h"
#include "plan/barriers.h"

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

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(t));
}

}  // namespace

Coordinator::Coordinator(CoordinatorOptions options, rig::v1::Plan plan)
    : options_(std::move(options)), plan_(std::move(plan)) {
  run_id_ = options_.run_id.empty() ? NewRunId() : options_.run_id;
  for (size_t i = 0; i < options_.agents.size(); ++i) {
    clients_.push_back(std::make_unique<AgentClient>(
        static_cast<int>(i), options_.agents[i], options_.security));
  }
  agents_.resize(clients_.size());
  aggregate_ = RunAggregate(static_cast<int>(clients_.size()));
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
    const std::string& address = clients_[i]->address();
    if (!infos[i].ok()) {
      problems.push_back(ScrubString(std::string(infos[i].status().message())));
      continue;
    }
    // What an agent says about itself ends up in the terminal and the report.
    rig::v1::AgentInfo info = *infos[i];
    ScrubStrings(&info);
    if (info.protocol_version() != rig::v1::PROTOCOL_VERSION_CURRENT) {
      problems.push_back(absl::StrCat(
          "agent ", address, ": speaks protocol ", info.protocol_version(),
          " (version ", info.version(), "), this coordinator speaks ",
          rig::v1::PROTOCOL_VERSION_CURRENT, " (version ", kToolVersion, ")"));
      continue;
    }
    if (info.busy()) {
      problems.push_back(absl::StrCat("agent ", address, ": busy with run ",
                                      info.current_run_id()));
      continue;
    }
    std::vector<std::string> kinds = {plan_.workload().kind()};
    for (const auto& a : plan_.alongside()) kinds.push_back(a.kind());
    std::string missing;
    for (const auto& kind : kinds) {
      bool offered = false;
      for (const auto& w : info.workloads()) {
        offered = offered || w.name() == kind;
      }
      if (!offered && missing.empty()) missing = kind;
    }
    if (!missing.empty()) {
      std::vector<std::string> names;
      for (const auto& w : info.workloads()) names.push_back(w.name());
      problems.push_back(absl::StrCat(
          "agent ", address, ": does not offer workload \"", missing,
          "\" (offers: ", absl::StrJoin(names, ", "), ")"));
      continue;
    }
    agents_[i].info = info;
    usable[i] = true;
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
  aggregate_ = RunAggregate(static_cast<int>(clients_.size()));
  return absl::OkStatus();
}

absl::Status Coordinator::Assign() {
  const int n = static_cast<int>(clients_.size());
  const rig::v1::Load& load = plan_.load();
  if (load.connections() < n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "load.connections is ", load.connections(), " but there are ", n,
        " agents: every agent needs at least one connection"));
  }
  std::vector<double> weights(n, 1.0);
  if (plan_.agents().weight_by_cores()) {
    for (int i = 0; i < n; ++i) {
      weights[i] = std::max(1, agents_[i].info.cores());
    }
  }
  // Every agent gets one connection; the rest go by weight.
  std::vector<int64_t> conns = SplitWeighted(load.connections() - n, weights);
  for (auto& share : conns) share += 1;
  const std::vector<double> rates = SplitRate(load.rate(), conns);
  const std::vector<rig::v1::KeyRange> ranges =
      SplitRange(1, plan_.workload().table_size() + 1, n);
  for (int i = 0; i < n; ++i) {
    rig::v1::Assignment& a = agents_[i].assignment;
    a.set_agent_index(i);
    a.set_agent_count(n);
    a.set_agent_name(agents_[i].info.name());
    *a.mutable_plan() = plan_;
    a.set_connections(static_cast<int32_t>(conns[i]));
    a.set_rate(rates[i]);
    for (const auto& stage : load.stages()) {
      a.add_stage_rates(SplitRate(stage.rate(), conns)[i]);
    }
    *a.mutable_prepare_range() = ranges[i];
    a.set_run_verify(i == 0);
    // The schema exists before anyone loads (inside Preparing); everyone
    // loaded before anyone runs; everyone stopped before the data is
    // checked; checks done before the tables are dropped.
    a.add_barriers(rig::v1::STATE_PREPARING);
    a.add_barriers(rig::v1::STATE_WARMING_UP);
    a.add_barriers(rig::v1::STATE_VERIFYING);
    a.add_barriers(rig::v1::STATE_REPORTING);
  }
  return absl::OkStatus();
}

absl::StatusOr<rig::v1::Report> Coordinator::Run() {
  if (clients_.empty()) {
    return absl::InvalidArgumentError(
        "no agents given (use --agents host:port,...)");
  }
  SetLogContext("run", run_id_);
  if (const std::string& path = plan_.report().journal(); !path.empty()) {
    auto journal = Journal::Open(path);
    if (!journal.ok()) return journal.status();
    journal_ = std::move(*journal);
  }
  RIG_LOG(Info) << "run " << run_id_ << ": asking " << clients_.size()
                << " agent(s) for their state";
  if (absl::Status s = CheckAgents(); !s.ok()) return s;
  if (absl::Status s = Assign(); !s.ok()) return s;

  start_ = std::chrono::steady_clock::now();
  started_at_ = absl::Now();
  {
    rig::v1::JournalEntry e;
    auto* started = e.mutable_run_started();
    started->set_run_id(run_id_);
    *started->mutable_plan() = plan_;
    started->mutable_plan()->mutable_target()->clear_password();
    *started->mutable_started_at() = ToTimestamp(started_at_);
    for (const auto& c : clients_) started->add_agents(c->address());
    std::lock_guard<std::mutex> lock(mu_);
    if (journal_ != nullptr) journal_->Begin();
    JournalLocked(e);
  }
  RIG_LOG(Info) << "run " << run_id_ << ": plan \"" << plan_.name() << "\", "
                << plan_.workload().kind() << ", " << plan_.load().connections()
                << " connections on " << clients_.size() << " agent(s)";
  if (options_.before_start) options_.before_start();
  for (size_t i = 0; i < clients_.size(); ++i) {
    rig::v1::Start start;
    start.set_run_id(run_id_);
    *start.mutable_assignment() = agents_[i].assignment;
    {
      std::lock_guard<std::mutex> lock(mu_);
      aggregate_.SetAgentOrigin(
          static_cast<int>(i),
          std::chrono::duration_cast<std::chrono::microseconds>(
              std::chrono::steady_clock::now() - start_)
              .count());
    }
    absl::Status s = clients_[i]->Start(start, this);
    if (!s.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      agents_[i].ended = true;
      agents_[i].error = std::string(s.message());
      RIG_LOG(Error) << s.message();
      StopOthers(static_cast<int>(i), agents_[i].error);
      // The agents after it get no session: they have ended, never started
      // (else the wait below would wait for them for ever).
      for (size_t j = i + 1; j < clients_.size(); ++j) {
        agents_[j].ended = true;
        agents_[j].error =
            absl::StrCat("not started: the run stopped because agent ",
                         clients_[i]->address(), " could not start");
      }
      break;
    }
    std::lock_guard<std::mutex> lock(mu_);
    agents_[i].last_seen = std::chrono::steady_clock::now();
    if (!stop_reason_.empty()) {
      // Stopped while starting: send Stop to the ones already started.
      rig::v1::CoordinatorMessage m;
      m.mutable_stop()->set_reason(stop_reason_);
      clients_[i]->Send(m);
    }
  }
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
  {
    std::lock_guard<std::mutex> lock(mu_);
    heartbeats_stop_ = true;
  }
  cv_.notify_all();
  heartbeats.join();
  for (auto& c : clients_) c->Join();
  std::lock_guard<std::mutex> lock(mu_);
  rig::v1::Report report = BuildReport();
  // Intervals that not every agent sent (the last stub, an agent lost) never
  // completed: they go in now, as in the report.
  for (const auto& iv : report.intervals()) {
    if (journaled_intervals_.count(iv.seq())) continue;
    rig::v1::JournalEntry entry;
    *entry.mutable_interval() = iv;
    JournalLocked(entry);
  }
  rig::v1::JournalEntry e;
  auto* ended = e.mutable_run_ended();
  ended->set_status(report.status());
  ended->set_exit_code(report.exit_code());
  ended->set_error(report.error());
  *ended->mutable_total() = report.total();
  JournalLocked(e);
  if (journal_ != nullptr && !journal_->error().empty()) {
    // Whole up to the failed write, and nothing after it: the run's record
    // is incomplete, and a run that otherwise passed says so.
    report.set_journal_error(journal_->error());
    if (report.status() == rig::v1::RUN_STATUS_PASSED) {
      report.set_status(rig::v1::RUN_STATUS_INCOMPLETE);
      report.set_error(journal_->error());
      report.set_exit_code(ExitCode(report));
    }
  }
  return report;
}

void Coordinator::JournalLocked(const rig::v1::JournalEntry& entry) {
  if (journal_ != nullptr) journal_->Write(entry);
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

int Coordinator::LiveAgentsLocked() const {
  int n = 0;
  for (int i = 0; i < static_cast<int>(agents_.size()); ++i) {
    n += LiveLocked(i) ? 1 : 0;
  }
  return n;
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
  std::string progress_line;
  std::string stop_reason;
  bool close = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    AgentState& a = agents_[agent];
    a.last_seen = std::chrono::steady_clock::now();
    const std::string& name = a.info.name();
    switch (m.msg_case()) {
      case rig::v1::AgentMessage::kStateChanged: {
        const auto& sc = m.state_changed();
        a.state = sc.to();
        RIG_LOG(Debug) << "agent " << name << ": " << sc.from_name() << " -> "
                       << sc.to_name();
        if (sc.awaiting() != rig::v1::STATE_UNSPECIFIED) {
          barriers_[{sc.awaiting(), sc.barrier()}].insert(agent);
          MaybeAdvanceLocked();
        }
        break;
      }
      case rig::v1::AgentMessage::kInterval: {
        // Only the next interval: a repeated or invented seq would count
        // operations twice or open intervals without end.
        if (m.interval().seq() != a.next_seq || a.has_result ||
            !SaneOffsets(m.interval().start_offset_us(),
                         m.interval().end_offset_us())) {
          RefuseLocked(agent, absl::StrCat("interval seq ", m.interval().seq(),
                                           " (expected ", a.next_seq, ")"));
          break;
        }
        ++a.next_seq;
        bool complete = false;
        absl::Status s = aggregate_.AddInterval(agent, m.interval(),
                                                LiveAgentsLocked(), &complete);
        if (!s.ok()) {
          RIG_LOG(Warning) << "agent " << name << ": " << s.message();
        } else if (complete) {
          // The stub of an interval left when the load stops (a few ms) is
          // in the report but would read as a throughput collapse here.
          const rig::v1::IntervalReport iv =
              aggregate_.Interval(m.interval().seq());
          rig::v1::JournalEntry e;
          *e.mutable_interval() = iv;
          JournalLocked(e);
          journaled_intervals_.insert(iv.seq());
          const int64_t nominal_us = absl::ToInt64Microseconds(
              FromProto(plan_.load().report_interval()));
          if (m.interval().end_offset_us() - m.interval().start_offset_us() >=
              nominal_us / 2) {
            const rig::v1::IntervalReport first = aggregate_.Interval(0);
            progress_line = FormatIntervalLine(
                iv, static_cast<int>(agents_.size()),
                iv.end_offset_us() - first.start_offset_us(), RunLengthUs());
          }
        }
        break;
      }
      case rig::v1::AgentMessage::kErrorSample:
        if (samples_.size() < kMaxErrorSamples) {
          rig::v1::ErrorSampleRecord r;
          r.set_agent(name);
          *r.mutable_sample() = m.error_sample();
          rig::v1::JournalEntry e;
          *e.mutable_error_sample() = r;
          JournalLocked(e);
          samples_.push_back(r);
        }
        break;
      case rig::v1::AgentMessage::kBreakerEvent: {
        if (breaker_events_.size() >= kMaxBreakerEvents) {
          RefuseLocked(agent, "breaker event past the report's limit");
          break;
        }
        if (!SaneOffsets(m.breaker_event().offset_us(),
                         m.breaker_event().offset_us())) {
          RefuseLocked(agent, "breaker event with an impossible offset");
          break;
        }
        rig::v1::BreakerEventRecord r;
        r.set_agent(name);
        *r.mutable_event() = m.breaker_event();
        r.set_offset_us(
            aggregate_.ToTimeline(agent, m.breaker_event().offset_us()));
        rig::v1::JournalEntry e;
        *e.mutable_breaker_event() = r;
        JournalLocked(e);
        breaker_events_.push_back(r);
        break;
      }
      case rig::v1::AgentMessage::kScenarioRound: {
        if (!SaneOffsets(m.scenario_round().start_offset_us(),
                         m.scenario_round().end_offset_us())) {
          RefuseLocked(agent, "scenario round with impossible offsets");
          break;
        }
        rig::v1::ScenarioRoundRecord r;
        r.set_agent(name);
        *r.mutable_round() = m.scenario_round();
        r.mutable_round()->set_start_offset_us(
            aggregate_.ToTimeline(agent, m.scenario_round().start_offset_us()));
        r.mutable_round()->set_end_offset_us(
            aggregate_.ToTimeline(agent, m.scenario_round().end_offset_us()));
        progress_line = RoundLine(r);
        rig::v1::JournalEntry e;
        *e.mutable_scenario_round() = r;
        JournalLocked(e);
        if (rounds_.size() < kMaxScenarioRounds) {
          rounds_.push_back(std::move(r));
        } else {
          // Past the limit a round is journaled and counted, not kept: a
          // round that did not pass still fails the verification.
          ++rounds_past_limit_;
          if (r.round().status() != rig::v1::CHECK_STATUS_PASSED) {
            ++rounds_past_limit_not_passed_;
          }
        }
        break;
      }
      case rig::v1::AgentMessage::kProgress: {
        const auto& p = m.progress();
        progress_line = absl::StrCat("agent ", name, ": ", p.what(), " ",
                                     p.done(), "/", p.total());
        break;
      }
      case rig::v1::AgentMessage::kResult: {
        if (a.has_result) {
          RefuseLocked(agent, "a second result");
          break;
        }
        const auto& r = m.result();
        if (absl::Status s = aggregate_.SetResult(agent, r); !s.ok()) {
          RIG_LOG(Warning) << "agent " << name << ": " << s.message();
        }
        a.has_result = true;
        a.state = r.final_state();
        a.server = r.server();
        if (r.has_error()) a.error = r.error().message();
        // Every agent's checks (a scenario runs on each; bank on one),
        // named by agent when there are several.
        for (const auto& check : r.verification().checks()) {
          rig::v1::Check* out = verification_.add_checks();
          *out = check;
          if (agents_.size() > 1) {
            out->set_name(absl::StrCat(name, ": ", check.name()));
            out->set_message(absl::StrCat(name, ": ", check.message()));
          }
          verification_.set_status(
              FoldCheckStatus(verification_.status(), check.status()));
        }
        rig::v1::JournalEntry e;
        e.mutable_agent_ended()->set_agent(name);
        e.mutable_agent_ended()->set_final_state(r.final_state());
        e.mutable_agent_ended()->set_error(a.error);
        JournalLocked(e);
        if (r.final_state() == rig::v1::STATE_FAILED) {
          stop_reason = absl::StrCat("agent ", name, " failed: ", a.error);
        }
        close = true;
        break;
      }
      default:
        break;
    }
  }
  if (!progress_line.empty()) Progress(progress_line);
  if (close) clients_[agent]->CloseWrites();
  if (!stop_reason.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    StopOthers(agent, stop_reason);
  }
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
  a.ended = true;
  if (!a.has_result) {
    a.lost = true;
    ++lost_;
    if (a.error.empty()) {
      a.error = absl::StrCat(
          "lost: the session ended before the run finished (",
          status.ok() ? "stream closed" : ScrubString(status.ToString()), ")");
    }
    RIG_LOG(Error) << "agent " << clients_[agent]->address() << ": " << a.error;
    rig::v1::JournalEntry e;
    e.mutable_agent_ended()->set_agent(
        a.info.name().empty() ? clients_[agent]->address() : a.info.name());
    e.mutable_agent_ended()->set_final_state(a.state);
    e.mutable_agent_ended()->set_lost(true);
    e.mutable_agent_ended()->set_error(a.error);
    JournalLocked(e);
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
    int live_waiting = 0;
    for (int i : waiting) live_waiting += LiveLocked(i) ? 1 : 0;
    const int live_agents = LiveAgentsLocked();
    if (live_agents == 0 || live_waiting < live_agents) continue;
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
  }
}

void Coordinator::StopOthers(int except, const std::string& reason) {
  if (stop_reason_.empty()) stop_reason_ = reason;
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
  RIG_LOG(Warning) << "stopping the run: " << reason;
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
  *r.mutable_total() = aggregate_.Total();
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
    *ar->mutable_summary() = aggregate_.AgentSummary(static_cast<int>(i));
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
  for (const auto& iv : aggregate_.Intervals()) *r.add_intervals() = iv;
  for (const auto& s : samples_) *r.add_error_samples() = s;
  for (const auto& e : breaker_events_) *r.add_breaker_events() = e;
  int64_t omitted = 0;
  for (auto& round : RoundsForReport(rounds_, kMaxReportRounds, &omitted)) {
    *r.add_scenario_rounds() = std::move(round);
  }
  r.set_scenario_rounds_omitted(omitted);
  r.set_agent_messages_refused(refused_);
  rig::v1::VerificationResult verification = verification_;
  for (const auto& check : SummarizeRounds(plan_.alongside(), rounds_)) {
    *verification.add_checks() = check;
    verification.set_status(
        FoldCheckStatus(verification.status(), check.status()));
  }
  if (rounds_past_limit_ > 0) {
    rig::v1::Check* c = verification.add_checks();
    c->set_name("alongside: rounds past the limit");
    c->set_status(rounds_past_limit_not_passed_ == 0
                      ? rig::v1::CHECK_STATUS_PASSED
                      : rig::v1::CHECK_STATUS_FAILED);
    c->set_expected("every round passed");
    c->set_seen(absl::StrCat(rounds_past_limit_not_passed_, " of ",
                             rounds_past_limit_, " did not pass"));
    c->set_message(absl::StrCat("alongside: ", rounds_past_limit_,
                                " rounds past the ", kMaxScenarioRounds,
                                " the coordinator keeps were counted only (the "
                                "journal has each): ",
                                rounds_past_limit_not_passed_,
                                " did not pass"));
    verification.set_status(
        FoldCheckStatus(verification.status(), c->status()));
  }
  *r.mutable_verification() = verification;
  r.set_degraded(lost_ > 0);
  if (lost_ >= static_cast<int>(agents_.size())) all_completed = false;
  if (!all_completed) {
    r.set_status(rig::v1::RUN_STATUS_INCOMPLETE);
    r.set_error(!stop_reason_.empty() ? stop_reason_
                : !unverified.empty() ? unverified
                                      : "not every agent completed its run");
  } else if (verification.status() == rig::v1::CHECK_STATUS_FAILED) {
    r.set_status(rig::v1::RUN_STATUS_VERIFICATION_FAILED);
    std::vector<std::string> failed;
    for (const auto& check : verification.checks()) {
      if (check.status() == rig::v1::CHECK_STATUS_FAILED) {
        failed.push_back(check.message());
      }
    }
    r.set_error(
        absl::StrCat("verification failed: ", absl::StrJoin(failed, "; ")));
  } else {
    r.set_status(rig::v1::RUN_STATUS_PASSED);
  }
  // Thresholds are judged on whatever was measured; they decide the status
  // only of a run that otherwise passed.
  auto thresholds = ParseThresholds(plan_.thresholds());
  if (thresholds.ok() && !ApplyThresholds(*thresholds, &r) &&
      r.status() == rig::v1::RUN_STATUS_PASSED) {
    r.set_status(rig::v1::RUN_STATUS_THRESHOLDS_FAILED);
  }
  r.set_exit_code(ExitCode(r));
  return r;
}

int Coordinator::ExitCode(const rig::v1::Report& report) {
  switch (report.status()) {
    case rig::v1::RUN_STATUS_PASSED:
      return 0;
    case rig::v1::RUN_STATUS_THRESHOLDS_FAILED:
      return 1;
    case rig::v1::RUN_STATUS_VERIFICATION_FAILED:
      return 3;
    default:
      return 4;
  }
}

}  // namespace rig::coordinator
