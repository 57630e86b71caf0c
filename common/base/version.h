#pragma once

namespace rig {

// Set from the CMake project version.
inline constexpr char kToolVersion[] = RIG_VERSION;
// JSON report schema; bump when a field changes meaning.
inline constexpr int kReportSchemaVersion = 1;

}  // namespace rig
