#include "coordinator/report/html/format.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "coordinator/report/html/escape.h"

namespace rig::coordinator::html {
namespace {

std::string EnumWord(const std::string& name, absl::string_view prefix) {
  absl::string_view s = name;
  if (s.substr(0, prefix.size()) == prefix) s.remove_prefix(prefix.size());
  if (s.empty() || s == "UNSPECIFIED") return "unknown";
  std::string out = absl::AsciiStrToLower(s);
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

}  // namespace

std::string JsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  for (int precision : {15, 16, 17}) {
    std::string s = absl::StrFormat("%.*g", precision, v);
    if (std::strtod(s.c_str(), nullptr) == v) return s;
  }
  return absl::StrFormat("%.17g", v);
}

std::string Grouped(int64_t n) {
  std::string digits = absl::StrCat(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string Rate(double v) { return absl::StrFormat("%.1f", v); }

std::string Percent(double fraction) {
  if (fraction == 0) return "0%";
  return absl::StrFormat("%.3g%%", fraction * 100);
}

std::string Seconds(int64_t us) { return absl::StrFormat("%.2fs", us / 1e6); }

std::string Timestamp(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "&ndash;";
  const absl::Time t =
      absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
  return H(absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", t, absl::UTCTimeZone()));
}

std::string StateWord(rig::v1::State s) {
  return EnumWord(rig::v1::State_Name(s), "STATE_");
}

std::string BreakerWord(rig::v1::BreakerState s) {
  std::string w = EnumWord(rig::v1::BreakerState_Name(s), "BREAKER_STATE_");
  std::replace(w.begin(), w.end(), ' ', '-');
  return w;
}

std::string CheckWord(rig::v1::CheckStatus s) {
  return EnumWord(rig::v1::CheckStatus_Name(s), "CHECK_STATUS_");
}

StatusLook LookOf(rig::v1::RunStatus s) {
  switch (s) {
    case rig::v1::RUN_STATUS_PASSED:
      return {"PASSED", "good"};
    case rig::v1::RUN_STATUS_THRESHOLDS_FAILED:
      return {"THRESHOLDS FAILED", "bad"};
    case rig::v1::RUN_STATUS_VERIFICATION_FAILED:
      return {"VERIFICATION FAILED", "bad"};
    case rig::v1::RUN_STATUS_INCOMPLETE:
      return {"INCOMPLETE", "warn"};
    default:
      return {"UNKNOWN", "neutral"};
  }
}

std::string Badge(absl::string_view word, absl::string_view css) {
  return absl::StrCat("<span class=\"badge ", css, "\">", H(word), "</span>");
}

const char* CheckCss(rig::v1::CheckStatus s) {
  return s == rig::v1::CHECK_STATUS_PASSED   ? "good"
         : s == rig::v1::CHECK_STATUS_FAILED ? "bad"
                                             : "neutral";
}

std::string CheckBadge(rig::v1::CheckStatus s) {
  return Badge(CheckWord(s), CheckCss(s));
}

}  // namespace rig::coordinator::html
