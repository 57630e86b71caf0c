#pragma once

// How a run ended, decided once: the report's status, error and exit code.
//
//   not every agent completed (stopped, failed, lost under abort, the
//   global check's agent lost)           -> INCOMPLETE, exit 4
//   else a check failed                   -> VERIFICATION_FAILED, exit 3
//   else a threshold did not hold         -> THRESHOLDS_FAILED, exit 1
//   else                                  -> PASSED, exit 0
// Thresholds are judged on whatever was measured, whatever the status; they
// decide only a run that otherwise passed. Exit 2 is a usage or plan error,
// before any run.

#include <string>

#include "rig/v1/plan.pb.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

enum class ExitCode : int {
  kPassed = 0,
  kThresholdsFailed = 1,
  kUsage = 2,
  kVerificationFailed = 3,
  kIncomplete = 4,
};

ExitCode ExitCodeOf(rig::v1::RunStatus status);

// Sets `report`'s status, error and exit code from its verification and
// thresholds (`plan`'s, results into the report): incomplete with
// `why_incomplete` unless `completed`.
void DecideVerdict(const rig::v1::Plan& plan, bool completed,
                   const std::string& why_incomplete, rig::v1::Report& report);

// A run that passed but whose record is not whole (the journal failed)
// becomes incomplete, saying why; any other status stands.
void DemoteToIncomplete(const std::string& why, rig::v1::Report& report);

}  // namespace rig::coordinator
