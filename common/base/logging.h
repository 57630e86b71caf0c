#pragma once

// Process-wide logging: text or JSON lines to stderr and optionally a file.
//
// Every line carries the component and the context fields set with
// SetLogContext (the agent name and the run id), so lines from many agents can
// be merged and filtered. Secrets are replaced by "***" in every line, as a
// second line of defence (code never logs a password on purpose): in the
// message, the fields and the context, before a JSON line escapes them, so
// a secret holding `"` or `\` is hidden too. A secret shorter than
// kMinSecretLength is not redacted (it would blank common words out of the
// logs); a run's secrets (ScopedSecret) are redacted only while the run
// lasts.
//
// Thread-safe. Configure once in main() before starting threads; context and
// secrets may change later (a new run on an agent).

#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rig {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

struct LogOptions {
  std::string component;  // "agent" or "coordinator"
  LogLevel level = LogLevel::kInfo;
  bool json = false;  // JSON lines instead of text
  std::string file;   // also append to this file; empty = stderr only
};

absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view text);
// Opens the log file (if any); an error names the file and the reason.
absl::Status ConfigureLogging(const LogOptions& options);
void SetLogContext(absl::string_view key, absl::string_view value);
inline constexpr size_t kMinSecretLength = 4;
// A secret for the life of the process (the agents' bearer token).
void RegisterSecret(absl::string_view secret);
// A secret for a scope (a run's database password): redacted until the
// last ScopedSecret holding it is destroyed.
class ScopedSecret {
 public:
  explicit ScopedSecret(absl::string_view secret);
  ~ScopedSecret();
  ScopedSecret(const ScopedSecret&) = delete;
  ScopedSecret& operator=(const ScopedSecret&) = delete;

 private:
  const std::string secret_;
};
bool LogEnabled(LogLevel level);
// Writes one line with its fields. Prefer the RIG_LOG macro.
void EmitLog(LogLevel level, absl::string_view message,
             const std::vector<std::pair<std::string, std::string>>& fields);

// One log line, built with << and written when destroyed.
class LogLine {
 public:
  explicit LogLine(LogLevel level) : level_(level) {}
  ~LogLine() { EmitLog(level_, stream_.str(), fields_); }
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  LogLine& Field(std::string key, std::string value) {
    fields_.emplace_back(std::move(key), std::move(value));
    return *this;
  }
  template <typename T>
  LogLine& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }

 private:
  LogLevel level_;
  std::ostringstream stream_;
  std::vector<std::pair<std::string, std::string>> fields_;
};

}  // namespace rig

#define RIG_LOG(severity)                                 \
  if (!::rig::LogEnabled(::rig::LogLevel::k##severity)) { \
  } else                                                  \
    ::rig::LogLine(::rig::LogLevel::k##severity)
