#include "common/base/logging.h"

#include <atomic>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/base/json_string.h"

namespace rig {
namespace {

struct LogState {
  std::mutex mu;
  LogOptions options;                          // guarded by mu
  std::FILE* file = nullptr;                   // guarded by mu
  std::map<std::string, std::string> context;  // guarded by mu
  // Each secret with the number of holders (RegisterSecret holds for
  // ever).
  std::map<std::string, int> secrets;  // guarded by mu
};

LogState& State() {
  static LogState* state = new LogState();  // never destroyed: logs at exit
  return *state;
}

std::atomic<int>& MinLevel() {
  static std::atomic<int> level{static_cast<int>(LogLevel::kInfo)};
  return level;
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view text) {
  std::string t = absl::AsciiStrToLower(text);
  if (t == "debug") return LogLevel::kDebug;
  if (t == "info") return LogLevel::kInfo;
  if (t == "warning" || t == "warn") return LogLevel::kWarning;
  if (t == "error") return LogLevel::kError;
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid log level \"", text, "\": use debug, info, warning or error"));
}

absl::Status ConfigureLogging(const LogOptions& options) {
  LogState& s = State();
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.file != nullptr) {
    std::fclose(s.file);
    s.file = nullptr;
  }
  if (!options.file.empty()) {
    s.file = std::fopen(options.file.c_str(), "a");
    if (s.file == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot open log file ", options.file, ": ", std::strerror(errno)));
    }
  }
  s.options = options;
  MinLevel().store(static_cast<int>(options.level));
  return absl::OkStatus();
}

void SetLogContext(absl::string_view key, absl::string_view value) {
  LogState& s = State();
  std::lock_guard<std::mutex> lock(s.mu);
  if (value.empty()) {
    s.context.erase(std::string(key));
  } else {
    s.context[std::string(key)] = std::string(value);
  }
}

void RegisterSecret(absl::string_view secret) {
  if (secret.size() < kMinSecretLength) return;
  LogState& s = State();
  std::lock_guard<std::mutex> lock(s.mu);
  ++s.secrets[std::string(secret)];
}

ScopedSecret::ScopedSecret(absl::string_view secret) : secret_(secret) {
  RegisterSecret(secret_);
}

ScopedSecret::~ScopedSecret() {
  if (secret_.size() < kMinSecretLength) return;
  LogState& s = State();
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.secrets.find(secret_);
  if (it != s.secrets.end() && --it->second <= 0) s.secrets.erase(it);
}

bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= MinLevel().load(std::memory_order_relaxed);
}

void EmitLog(
    LogLevel level, absl::string_view raw_message,
    const std::vector<std::pair<std::string, std::string>>& raw_fields) {
  LogState& s = State();
  absl::Time now = absl::Now();
  std::lock_guard<std::mutex> lock(s.mu);
  // Redacted before anything is escaped or joined: a secret with `"` in it
  // is found as written, and no secret spans two parts.
  auto redact = [&s](absl::string_view text) {
    std::string out(text);
    for (const auto& [secret, holders] : s.secrets) {
      out = absl::StrReplaceAll(out, {{secret, "***"}});
    }
    return out;
  };
  const std::string message = redact(raw_message);
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& [k, v] : raw_fields) fields.emplace_back(k, redact(v));
  std::vector<std::pair<std::string, std::string>> context;
  for (const auto& [k, v] : s.context) context.emplace_back(k, redact(v));
  std::string line;
  if (s.options.json) {
    line = "{\"ts\":";
    AppendJsonString(line, absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", now,
                                            absl::UTCTimeZone()));
    line += ",\"level\":";
    AppendJsonString(line, LevelName(level));
    if (!s.options.component.empty()) {
      line += ",\"component\":";
      AppendJsonString(line, s.options.component);
    }
    for (const auto& [k, v] : context) {
      line += ',';
      AppendJsonString(line, k);
      line += ':';
      AppendJsonString(line, v);
    }
    for (const auto& [k, v] : fields) {
      line += ',';
      AppendJsonString(line, k);
      line += ':';
      AppendJsonString(line, v);
    }
    line += ",\"msg\":";
    AppendJsonString(line, message);
    line += "}\n";
  } else {
    line = absl::StrCat(
        absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", now, absl::UTCTimeZone()), " ",
        absl::AsciiStrToUpper(LevelName(level)).substr(0, 4), " ",
        s.options.component.empty() ? "rig" : s.options.component);
    for (const auto& [k, v] : context) absl::StrAppend(&line, " ", k, "=", v);
    absl::StrAppend(&line, ": ", message);
    for (const auto& [k, v] : fields) absl::StrAppend(&line, " ", k, "=", v);
    line += '\n';
  }
  std::fwrite(line.data(), 1, line.size(), stderr);
  if (s.file != nullptr) {
    std::fwrite(line.data(), 1, line.size(), s.file);
    std::fflush(s.file);
  }
}

}  // namespace rig
