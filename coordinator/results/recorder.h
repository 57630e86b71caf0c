#pragma once

// What the agents send, turned into the report's records and the journal's
// lines: merged intervals (aggregate.h), error samples, breaker events and
// scenario rounds placed on the coordinator's timeline, each agent's checks.
// Everything kept is bounded (untrusted.h); what is past a bound is
// refused (the caller counts it) or, for rounds, counted into a check.
//
// The session (coordinator.h) checks the protocol (who may send what, and
// when) and calls this under its lock: thread-compatible.

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "coordinator/results/aggregate.h"
#include "coordinator/results/journal.h"
#include "rig/v1/agent.pb.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

class Recorder {
 public:
  // `plan` outlives the recorder.
  Recorder(const rig::v1::Plan& plan, int agents);
  // Before any record: the agents taking part are `agents` (fewer, when
  // some were left out at the start).
  void SetAgents(int agents);

  // Opens the plan's report.journal, if it names one.
  absl::Status OpenJournal();
  // Empties the journal and writes the run's first line.
  void RunStarted(const std::string& run_id,
                  const google::protobuf::Timestamp& at,
                  const std::vector<std::string>& addresses);
  void SetAgentOrigin(int agent, int64_t coordinator_us);
  // An agent's offset on the coordinator's timeline.
  int64_t ToTimeline(int agent, int64_t agent_us) const {
    return aggregate_.ToTimeline(agent, agent_us);
  }

  // Each returns an error naming what was refused (an impossible offset, a
  // list past its bound); the record is then dropped.
  //
  // `live` agents are expected for each interval; a merged interval that
  // this one completes is returned (journaled already). The session has
  // checked its seq and offsets; an error means its histograms do not
  // decode (the interval counts, without them).
  absl::StatusOr<std::optional<rig::v1::IntervalReport>> Interval(
      int agent, const rig::v1::IntervalStats& stats, int live);
  void ErrorSample(const std::string& agent_name,
                   const rig::v1::ErrorSample& sample);
  absl::Status BreakerEvent(int agent, const std::string& agent_name,
                            const rig::v1::BreakerEvent& event);
  // The round as recorded (on the coordinator's timeline).
  absl::StatusOr<rig::v1::ScenarioRoundRecord> ScenarioRound(
      int agent, const std::string& agent_name,
      const rig::v1::ScenarioRound& round);
  // The agent's result: its totals and checks (named by agent when
  // `name_checks`), and the journal's line for its end. An error: its
  // histograms do not decode (the rest is recorded).
  absl::Status Result(int agent, const std::string& agent_name,
                      const rig::v1::RunResult& result, bool name_checks);
  // An occurrence of a fault, once it has ended (its recovery is measured
  // when the report is built).
  void Fault(const rig::v1::FaultRecord& fault);
  // An agent that ended without a result.
  void Lost(const std::string& agent_name, rig::v1::State state,
            const std::string& error);

  // The records into `report`: totals, intervals, samples, breaker events,
  // rounds (thinned past the report's bound) and the verification (the
  // agents' checks, the rounds' summary per scenario, the rounds counted
  // past the limit).
  void Fill(rig::v1::Report& report) const;
  rig::v1::Summary AgentSummary(int agent) const {
    return aggregate_.AgentSummary(agent);
  }
  // Its intervals, with report.csv_per_agent (else empty).
  const std::vector<rig::v1::IntervalReport>& AgentIntervals(int agent) const {
    return aggregate_.AgentIntervals(agent);
  }
  // Journals the intervals never completed and the run's end; returns the
  // journal's error ("" if none or no journal).
  std::string RunEnded(const rig::v1::Report& report);

  // Set if a closed interval could not be read back from the spill file
  // for the report (it is left out); empty otherwise.
  const std::string& SpillReadError() const {
    return aggregate_.SpillReadError();
  }

  // The merged interval `seq` so far.
  rig::v1::IntervalReport MergedInterval(int64_t seq) const {
    return aggregate_.Interval(seq);
  }

 private:
  void Write(const rig::v1::JournalEntry& entry);

  const rig::v1::Plan& plan_;
  RunAggregate aggregate_;
  std::unique_ptr<Journal> journal_;
  std::set<int64_t> journaled_intervals_;
  bool spill_warned_ = false;  // closed intervals kept in memory: logged
  std::vector<rig::v1::ErrorSampleRecord> samples_;
  std::vector<rig::v1::BreakerEventRecord> breaker_events_;
  std::vector<rig::v1::ScenarioRoundRecord> rounds_;
  std::vector<rig::v1::FaultRecord> faults_;
  // Rounds past kMaxScenarioRounds: counted, not kept.
  int64_t rounds_past_limit_ = 0;
  int64_t rounds_past_limit_not_passed_ = 0;
  rig::v1::VerificationResult checks_;  // the agents' own checks
};

}  // namespace rig::coordinator
