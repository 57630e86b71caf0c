#pragma once

// The terminal and JSON writers' free functions (FormatSummary,
// FormatIntervalLine, FormatMicros, ReportToJson), kept under this name for
// the callers outside this folder that include it (session/coordinator.cc,
// tests/coordinator/session/untrusted_test.cc). New code includes
// terminal.h or json.h.

#include "coordinator/report/json.h"      // IWYU pragma: export
#include "coordinator/report/terminal.h"  // IWYU pragma: export
