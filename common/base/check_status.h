#pragma once

// Checks taken together (an agent's checks, every agent's, a scenario's
// rounds): one rule everywhere. Any FAILED makes FAILED; else any PASSED
// makes PASSED; else any SKIPPED makes SKIPPED (nothing was judged: a
// TiDB-only scenario on MariaDB); no check at all stays UNSPECIFIED.

#include "rig/v1/agent.pb.h"

namespace rig {

inline rig::v1::CheckStatus FoldCheckStatus(rig::v1::CheckStatus so_far,
                                            rig::v1::CheckStatus next) {
  auto rank = [](rig::v1::CheckStatus s) {
    switch (s) {
      case rig::v1::CHECK_STATUS_FAILED:
        return 3;
      case rig::v1::CHECK_STATUS_PASSED:
        return 2;
      case rig::v1::CHECK_STATUS_SKIPPED:
        return 1;
      default:
        return 0;
    }
  };
  return rank(next) > rank(so_far) ? next : so_far;
}

}  // namespace rig
