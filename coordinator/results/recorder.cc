#include "coordinator/results/recorder.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/base/check_status.h"
#include "common/base/logging.h"
#include "common/base/status_macros.h"
#include "coordinator/results/rounds.h"
#include "coordinator/session/untrusted.h"
#include "plan/endpoints.h"

namespace rig::coordinator {

namespace {

// The names of several target.endpoints; none for one.
std::vector<std::string> EndpointNames(const rig::v1::Plan& plan) {
  std::vector<std::string> names;
  auto endpoints = plan::TargetEndpoints(plan.target());
  if (!endpoints.ok() || endpoints->size() < 2) return names;
  for (const plan::Endpoint& e : *endpoints) names.push_back(e.name);
  return names;
}

}  // namespace

Recorder::Recorder(const rig::v1::Plan& plan, int agents)
    : plan_(plan), aggregate_(agents, EndpointNames(plan)) {
  aggregate_.KeepAgentIntervals(plan_.report().csv_per_agent());
}

void Recorder::SetAgents(int agents) {
  aggregate_ = RunAggregate(agents, EndpointNames(plan_));
  aggregate_.KeepAgentIntervals(plan_.report().csv_per_agent());
}

absl::Status Recorder::OpenJournal() {
  const std::string& path = plan_.report().journal();
  if (path.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(journal_, Journal::Open(path));
  return absl::OkStatus();
}

void Recorder::RunStarted(const std::string& run_id,
                          const google::protobuf::Timestamp& at,
                          const std::vector<std::string>& addresses) {
  rig::v1::JournalEntry e;
  auto* started = e.mutable_run_started();
  started->set_run_id(run_id);
  *started->mutable_plan() = plan_;
  started->mutable_plan()->mutable_target()->clear_password();
  *started->mutable_started_at() = at;
  for (const auto& a : addresses) started->add_agents(a);
  if (journal_ != nullptr) journal_->Begin();
  Write(e);
}

void Recorder::SetAgentOrigin(int agent, int64_t coordinator_us) {
  aggregate_.SetAgentOrigin(agent, coordinator_us);
}

void Recorder::Write(const rig::v1::JournalEntry& entry) {
  if (journal_ != nullptr) journal_->Write(entry);
}

absl::StatusOr<std::optional<rig::v1::IntervalReport>> Recorder::Interval(
    int agent, const rig::v1::IntervalStats& stats, int live) {
  bool complete = false;
  RETURN_IF_ERROR(aggregate_.AddInterval(agent, stats, live, &complete));
  if (!spill_warned_ && !aggregate_.SpillWriteError().empty()) {
    spill_warned_ = true;
    RIG_LOG(Warning) << aggregate_.SpillWriteError()
                     << ": closed intervals are kept in memory from now on";
  }
  if (!complete) return std::nullopt;
  rig::v1::IntervalReport merged = aggregate_.Interval(stats.seq());
  rig::v1::JournalEntry e;
  *e.mutable_interval() = merged;
  Write(e);
  journaled_intervals_.insert(merged.seq());
  return merged;
}

void Recorder::Fault(const rig::v1::FaultRecord& fault) {
  rig::v1::JournalEntry e;
  *e.mutable_fault() = fault;
  Write(e);
  faults_.push_back(fault);
}

void Recorder::ErrorSample(const std::string& agent_name,
                           const rig::v1::ErrorSample& sample) {
  if (samples_.size() >= kMaxErrorSamples) return;  // the first ones tell
  rig::v1::ErrorSampleRecord r;
  r.set_agent(agent_name);
  *r.mutable_sample() = sample;
  rig::v1::JournalEntry e;
  *e.mutable_error_sample() = r;
  Write(e);
  samples_.push_back(std::move(r));
}

absl::Status Recorder::BreakerEvent(int agent, const std::string& agent_name,
                                    const rig::v1::BreakerEvent& event) {
  if (breaker_events_.size() >= kMaxBreakerEvents) {
    return absl::ResourceExhaustedError(
        "breaker event past the report's limit");
  }
  if (!SaneOffsets(event.offset_us(), event.offset_us())) {
    return absl::InvalidArgumentError(
        "breaker event with an impossible offset");
  }
  rig::v1::BreakerEventRecord r;
  r.set_agent(agent_name);
  *r.mutable_event() = event;
  r.set_offset_us(aggregate_.ToTimeline(agent, event.offset_us()));
  rig::v1::JournalEntry e;
  *e.mutable_breaker_event() = r;
  Write(e);
  breaker_events_.push_back(std::move(r));
  return absl::OkStatus();
}

absl::StatusOr<rig::v1::ScenarioRoundRecord> Recorder::ScenarioRound(
    int agent, const std::string& agent_name,
    const rig::v1::ScenarioRound& round) {
  if (!SaneOffsets(round.start_offset_us(), round.end_offset_us())) {
    return absl::InvalidArgumentError("scenario round with impossible offsets");
  }
  rig::v1::ScenarioRoundRecord r;
  r.set_agent(agent_name);
  *r.mutable_round() = round;
  r.mutable_round()->set_start_offset_us(
      aggregate_.ToTimeline(agent, round.start_offset_us()));
  r.mutable_round()->set_end_offset_us(
      aggregate_.ToTimeline(agent, round.end_offset_us()));
  rig::v1::JournalEntry e;
  *e.mutable_scenario_round() = r;
  Write(e);
  if (rounds_.size() < kMaxScenarioRounds) {
    rounds_.push_back(r);
  } else {
    // Past the limit a round is journaled and counted, not kept: a round
    // that did not pass still fails the verification.
    ++rounds_past_limit_;
    if (r.round().status() != rig::v1::CHECK_STATUS_PASSED) {
      ++rounds_past_limit_not_passed_;
    }
  }
  return r;
}

absl::Status Recorder::Result(int agent, const std::string& agent_name,
                              const rig::v1::RunResult& result,
                              bool name_checks) {
  // A result whose histograms do not decode still ends the agent's run
  // (its totals then come from its intervals) and still has its checks.
  absl::Status merged = aggregate_.SetResult(agent, result);
  // Every agent's checks (a scenario runs on each; bank on one), named by
  // agent when there are several.
  for (const auto& check : result.verification().checks()) {
    rig::v1::Check* out = checks_.add_checks();
    *out = check;
    if (name_checks) {
      out->set_name(absl::StrCat(agent_name, ": ", check.name()));
      out->set_message(absl::StrCat(agent_name, ": ", check.message()));
    }
    checks_.set_status(FoldCheckStatus(checks_.status(), check.status()));
  }
  rig::v1::JournalEntry e;
  e.mutable_agent_ended()->set_agent(agent_name);
  e.mutable_agent_ended()->set_final_state(result.final_state());
  e.mutable_agent_ended()->set_error(
      result.has_error() ? result.error().message() : "");
  Write(e);
  return merged;
}

void Recorder::Lost(const std::string& agent_name, rig::v1::State state,
                    const std::string& error) {
  rig::v1::JournalEntry e;
  e.mutable_agent_ended()->set_agent(agent_name);
  e.mutable_agent_ended()->set_final_state(state);
  e.mutable_agent_ended()->set_lost(true);
  e.mutable_agent_ended()->set_error(error);
  Write(e);
}

void Recorder::Fill(rig::v1::Report& r) const {
  *r.mutable_total() = aggregate_.Total();
  for (auto& e : aggregate_.Endpoints()) *r.add_endpoints() = std::move(e);
  for (auto& o : aggregate_.Operations()) *r.add_operations() = std::move(o);
  for (const auto& iv : aggregate_.Intervals()) *r.add_intervals() = iv;
  for (const auto& s : samples_) *r.add_error_samples() = s;
  for (const auto& e : breaker_events_) *r.add_breaker_events() = e;
  std::vector<rig::v1::FaultRecord> faults = faults_;
  std::stable_sort(faults.begin(), faults.end(),
                   [](const auto& a, const auto& b) {
                     return a.start_offset_us() < b.start_offset_us();
                   });
  for (auto& f : faults) *r.add_faults() = std::move(f);
  int64_t omitted = 0;
  for (auto& round : RoundsForReport(rounds_, kMaxReportRounds, &omitted)) {
    *r.add_scenario_rounds() = std::move(round);
  }
  r.set_scenario_rounds_omitted(omitted);
  rig::v1::VerificationResult verification = checks_;
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
  *r.mutable_verification() = std::move(verification);
}

std::string Recorder::RunEnded(const rig::v1::Report& report) {
  // Intervals that not every agent sent (the last stub, an agent lost)
  // never completed: they go in now, as in the report.
  for (const auto& iv : report.intervals()) {
    if (journaled_intervals_.count(iv.seq())) continue;
    rig::v1::JournalEntry entry;
    *entry.mutable_interval() = iv;
    Write(entry);
  }
  rig::v1::JournalEntry e;
  auto* ended = e.mutable_run_ended();
  ended->set_status(report.status());
  ended->set_exit_code(report.exit_code());
  ended->set_error(report.error());
  *ended->mutable_total() = report.total();
  Write(e);
  return journal_ != nullptr ? journal_->error() : "";
}

}  // namespace rig::coordinator
