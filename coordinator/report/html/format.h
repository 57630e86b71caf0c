#pragma once

// How the HTML report writes numbers, times and enum values, shared by the
// charts and the sections: grouped counts, rates, percentages, seconds,
// timestamps, words for enums and the coloured badges. Results are HTML-safe
// (report text in them is escaped). Pure; thread-safe.

#include <string>

#include "absl/strings/string_view.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator::html {

// Shortest text that reads back as the same double ("null" when not
// finite), so a checker comparing the JSON to the report sees exact values.
std::string JsonNumber(double v);
// 1234567 -> "1,234,567".
std::string Grouped(int64_t n);
// One decimal: "1234.5".
std::string Rate(double v);
// A fraction as a percentage to 3 significant digits; 0 is "0%".
std::string Percent(double fraction);
// Fixed decimals line up in table columns: "12.35s".
std::string Seconds(int64_t us);
// "2024-05-01 12:00:00 UTC"; an unset timestamp is "&ndash;".
std::string Timestamp(const google::protobuf::Timestamp& ts);

// Enum names for people: "STATE_WARMING_UP" -> "warming up".
std::string StateWord(rig::v1::State s);
// "half-open": hyphenated, as the chart legend and data-to attributes use it.
std::string BreakerWord(rig::v1::BreakerState s);
std::string CheckWord(rig::v1::CheckStatus s);

// A run status as a word and the CSS class of its badge.
struct StatusLook {
  const char* word;
  const char* css;
};
StatusLook LookOf(rig::v1::RunStatus s);

// <span class="badge CSS">WORD</span>, WORD escaped.
std::string Badge(absl::string_view word, absl::string_view css);
// The badge class of a check or round: passed is good, failed is bad,
// anything else neutral.
const char* CheckCss(rig::v1::CheckStatus s);
// The status word in its badge.
std::string CheckBadge(rig::v1::CheckStatus s);

}  // namespace rig::coordinator::html
