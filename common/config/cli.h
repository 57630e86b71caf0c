#pragma once

// What both binaries' main() share: the logging and config settings, and the
// signal mask set before any thread starts.

#include <signal.h>

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/config/settings.h"

namespace rig {

// --log-level/-v, --log-format, --log-file, --config, --version.
std::vector<SettingSpec> CommonSettingSpecs();

// Configures logging from those settings; errors name the setting.
absl::Status ConfigureLoggingFromSettings(const Settings& settings,
                                          absl::string_view component);

// Blocks SIGINT and SIGTERM in the calling thread (and every thread it starts
// later) and returns them as a set for sigwait. Call first in main(), before
// any thread (gRPC's among them) exists. Undoes an inherited "ignore" (a
// shell starting us in the background), which would discard the signals.
// Also ignores SIGPIPE: a closed stdout, stderr or log pipe must not kill the
// process before its reports are written; the write fails instead.
sigset_t BlockTerminationSignals();

}  // namespace rig
