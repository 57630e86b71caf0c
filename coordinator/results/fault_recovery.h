#pragma once

// How a run took each fault, measured from the merged intervals
// (FaultRecovery in report.proto). For one occurrence starting at S:
//
// - Baseline: the intervals wholly inside [S - fault.baseline, S): their
//   mean throughput and the p99 of their response times pooled (the
//   histograms merged). None (a fault at the start): no baseline, and no
//   recovery can be judged ("no baseline").
// - Good interval: throughput >= recovered_throughput x the baseline and
//   p99 <= recovered_p99 x the baseline p99 (and something measured).
// - Impact: the first interval that is not good among those that end after
//   S and start before the fault's end plus two report intervals. None: the
//   run did not notice the fault (recovery 0).
// - Recovered: at the start of the first good interval after that one;
//   recovery = that start - S. None before the last interval: "not
//   recovered by the end".
// - Worst point, errors and errors by class: over the intervals from S to
//   the recovery (or the end).
//
// A load action (pause_load, set_rate: from_end) changes the load on
// purpose, so its band says nothing about recovery: impact and recovery
// are judged from the fault's end E (the plan's load restored) on, over the
// intervals that start at or after E, and recovery = the first good
// interval's start - E ("recovered in 1.0s after the load was restored";
// 0 if the first interval after E is good). A spike's worst point and
// errors still count from S (what the spike did is the point); a pause's
// from the first interval wholly after E (no operation starts inside it:
// its zero throughput is by design).
//
// The stub left when the load stops (partial_interval.h) takes no part.

#include "rig/v1/plan.pb.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

rig::v1::FaultRecovery MeasureRecovery(
    const rig::v1::Plan& plan, const rig::v1::FaultRecord& fault,
    const google::protobuf::RepeatedPtrField<rig::v1::IntervalReport>&
        intervals);

// Fills the recovery of every fault in `report` from its intervals.
void MeasureRecoveries(const rig::v1::Plan& plan, rig::v1::Report& report);

}  // namespace rig::coordinator
