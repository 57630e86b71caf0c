#pragma once

// Settings of a binary, resolved once in main():
//   command line > environment (RIG_*) > config file > default.
//
// Each binary lists its settings as a table of SettingSpec in its main.cc;
// libraries receive plain config structs and never read flags. The config
// file is YAML: a mapping from setting name to value (a list for repeated
// settings), named by the setting "config" (--config / RIG_CONFIG).
//
// Command-line forms: --name=value, --name value, --flag / --no-flag for
// booleans, and a one-letter alias per spec (-v). Words that are not flags
// are positional arguments (subcommands, files).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace rig {

struct SettingSpec {
  std::string name;           // "log-level"
  std::string env;            // "RIG_LOG_LEVEL"; empty = no variable
  std::string default_value;  // as text; for booleans "true"/"false"
  std::string help;
  bool is_bool = false;
  bool repeated = false;         // may be given several times; values add up
  bool comma_separated = false;  // GetList also splits each value at commas
  char alias = 0;                // one-letter alias, e.g. 'v'
  std::string alias_value;       // value the alias sets (e.g. "debug")
  bool secret = false;           // value never shown in help or errors
};

class Settings {
 public:
  // Parses argv (argv[0] is skipped), the environment and the config file.
  // --help / -h sets help_requested() instead of failing. An unknown flag, a
  // missing value, an unreadable config file or an unknown key in it is an
  // error that names it.
  static absl::StatusOr<Settings> Resolve(const std::vector<SettingSpec>& specs,
                                          int argc, const char* const* argv);

  // Help text: usage, then every setting with its default and variable.
  static std::string Help(absl::string_view usage,
                          const std::vector<SettingSpec>& specs,
                          absl::string_view epilog = "");

  bool help_requested() const { return help_requested_; }
  const std::vector<std::string>& positional() const { return positional_; }

  // The resolved value (the last one for repeated settings).
  const std::string& Get(const std::string& name) const;
  // Every value of a repeated setting (split at commas if the spec says so).
  std::vector<std::string> GetList(const std::string& name) const;
  absl::StatusOr<bool> GetBool(const std::string& name) const;
  absl::StatusOr<int64_t> GetInt(const std::string& name) const;
  absl::StatusOr<absl::Duration> GetDuration(const std::string& name) const;
  // "cli", "env", "config" or "default".
  const std::string& SourceOf(const std::string& name) const;

 private:
  struct Value {
    std::vector<std::string> values;
    std::string source;
  };
  std::string Describe(const std::string& name) const;

  std::map<std::string, Value> values_;
  std::map<std::string, SettingSpec> specs_;
  std::vector<std::string> positional_;
  bool help_requested_ = false;
};

}  // namespace rig
