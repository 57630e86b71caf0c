#pragma once

// rig-agent's command-line flags (with their variables, defaults and help):
// the one table that main.cc resolves and --help prints.

#include <vector>

#include "common/config/settings.h"

namespace rig::agent {

const std::vector<SettingSpec>& AgentFlags();

}  // namespace rig::agent
