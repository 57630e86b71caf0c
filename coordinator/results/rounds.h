#pragma once

// The verdict on the scenarios run alongside the load (plan.alongside):
// every agent sends one ScenarioRound per round; these are folded into one
// check per scenario check name ("held in 12 of 12 rounds", or the first
// round where it failed, with agent, round, time, expected and seen) plus
// one check per scenario that at least one round got through its checks
// without an error, so an alongside scenario that never ran cannot pass.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "google/protobuf/repeated_ptr_field.h"
#include "rig/v1/plan.pb.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

// What a round came to: "passed", "failed", "error" (it ended in an error
// before a check failed) or "skipped" (every check skipped).
std::string RoundResult(const rig::v1::ScenarioRound& round);
// The first failed check's message, else the error's; "" for a pass.
std::string RoundDetail(const rig::v1::ScenarioRound& round);

// One check per (kind, check name) in the order of `entries`, then of first
// appearance. `rounds` are on the coordinator's timeline.
std::vector<rig::v1::Check> SummarizeRounds(
    const google::protobuf::RepeatedPtrField<rig::v1::Alongside>& entries,
    const std::vector<rig::v1::ScenarioRoundRecord>& rounds);

// What of `rounds` goes into the report: all of them up to `max`; past that,
// the rounds that did not pass (the first `max` of them), then passed rounds
// evenly spread over the room left, all in their original order.
// *omitted is how many were left out.
inline constexpr size_t kMaxReportRounds = 2000;
std::vector<rig::v1::ScenarioRoundRecord> RoundsForReport(
    const std::vector<rig::v1::ScenarioRoundRecord>& rounds, size_t max,
    int64_t* omitted);

}  // namespace rig::coordinator
