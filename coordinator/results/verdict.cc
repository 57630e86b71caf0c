#include "coordinator/results/verdict.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "coordinator/results/thresholds.h"

namespace rig::coordinator {

ExitCode ExitCodeOf(rig::v1::RunStatus status) {
  switch (status) {
    case rig::v1::RUN_STATUS_PASSED:
      return ExitCode::kPassed;
    case rig::v1::RUN_STATUS_THRESHOLDS_FAILED:
      return ExitCode::kThresholdsFailed;
    case rig::v1::RUN_STATUS_VERIFICATION_FAILED:
      return ExitCode::kVerificationFailed;
    default:
      return ExitCode::kIncomplete;
  }
}

void DecideVerdict(const rig::v1::Plan& plan, bool completed,
                   const std::string& why_incomplete, rig::v1::Report& r) {
  if (!completed) {
    r.set_status(rig::v1::RUN_STATUS_INCOMPLETE);
    r.set_error(why_incomplete);
  } else if (r.verification().status() == rig::v1::CHECK_STATUS_FAILED) {
    r.set_status(rig::v1::RUN_STATUS_VERIFICATION_FAILED);
    std::vector<std::string> failed;
    for (const auto& check : r.verification().checks()) {
      if (check.status() == rig::v1::CHECK_STATUS_FAILED) {
        failed.push_back(check.message());
      }
    }
    r.set_error(
        absl::StrCat("verification failed: ", absl::StrJoin(failed, "; ")));
  } else {
    r.set_status(rig::v1::RUN_STATUS_PASSED);
  }
  auto thresholds = ParseThresholds(plan.thresholds());
  if (thresholds.ok() && !ApplyThresholds(*thresholds, &r) &&
      r.status() == rig::v1::RUN_STATUS_PASSED) {
    r.set_status(rig::v1::RUN_STATUS_THRESHOLDS_FAILED);
  }
  r.set_exit_code(static_cast<int>(ExitCodeOf(r.status())));
}

void DemoteToIncomplete(const std::string& why, rig::v1::Report& r) {
  if (r.status() != rig::v1::RUN_STATUS_PASSED) return;
  r.set_status(rig::v1::RUN_STATUS_INCOMPLETE);
  r.set_error(why);
  r.set_exit_code(static_cast<int>(ExitCodeOf(r.status())));
}

}  // namespace rig::coordinator
