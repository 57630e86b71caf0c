#pragma once

// rig-coordinator's command-line flags (with their variables, defaults and
// help): the one table that main.cc resolves and --help prints.

#include <vector>

#include "common/config/settings.h"

namespace rig::coordinator {

const std::vector<SettingSpec>& CoordinatorFlags();

}  // namespace rig::coordinator
