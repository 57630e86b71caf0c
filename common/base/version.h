#pragma once

namespace rig {

// Set from the CMake project version.
inline constexpr char kToolVersion[] = RIG_VERSION;
// JSON report schema; bump when a field changes meaning.
//   1: intervals carry percentiles only.
//   2: intervals also carry their encoded latency histogram
//      (intervals[].latency.histogram), so reports merge and export exactly.
// `rig-coordinator report` reads 1 and 2.
inline constexpr int kReportSchemaVersion = 2;

}  // namespace rig
