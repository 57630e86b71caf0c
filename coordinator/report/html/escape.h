#pragma once

// Escaping for the HTML report: the one escaper for report text in HTML
// (elements and attribute values) and the JSON string form that is safe
// inside a <script> element. Every string taken from the report goes through
// one of these. Pure; thread-safe.

#include <string>

#include "absl/strings/string_view.h"

namespace rig::coordinator::html {

// `s` with & < > " ' as entities: safe as element text and as a quoted
// attribute value. Short because nearly every line of the page calls it.
std::string H(absl::string_view s);

// `s` as a JSON string literal that is also safe inside <script>: '<', '>'
// and '&' are written as \u escapes, so no report text can close the script
// element. (rig::AppendJsonString in common/base/json_string.h does not
// escape those, and writes \n rather than \u000a.)
std::string JsonString(absl::string_view s);

}  // namespace rig::coordinator::html
