#pragma once

// Appends `s` to `out` as a JSON string literal (quotes and escapes).

#include <string>

#include "absl/strings/string_view.h"

namespace rig {

void AppendJsonString(std::string& out, absl::string_view s);

}  // namespace rig
