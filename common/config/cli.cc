#include "common/config/cli.h"

#include "absl/strings/str_cat.h"
#include "common/base/logging.h"
#include "common/base/status_macros.h"

namespace rig {

std::vector<SettingSpec> CommonSettingSpecs() {
  return {
      {"log-level", "RIG_LOG_LEVEL", "info", "debug, info, warning or error.",
       false, false, false, 'v', "debug"},
      {"log-format", "RIG_LOG_FORMAT", "text",
       "text or json (one object a line)."},
      {"log-file", "RIG_LOG_FILE", "", "Also append the log to this file."},
      {"config", "RIG_CONFIG", "",
       "YAML file of settings (keys are the flag names without --)."},
      {"version", "", "false", "Print the version and exit.", true},
  };
}

absl::Status ConfigureLoggingFromSettings(const Settings& settings,
                                          absl::string_view component) {
  ASSIGN_OR_RETURN(auto level, ParseLogLevel(settings.Get("log-level")));
  const std::string& format = settings.Get("log-format");
  if (format != "text" && format != "json") {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid --log-format \"", format, "\": use text or json"));
  }
  LogOptions options;
  options.component = std::string(component);
  options.level = level;
  options.json = format == "json";
  options.file = settings.Get("log-file");
  return ConfigureLogging(options);
}

sigset_t BlockTerminationSignals() {
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGPIPE, SIG_IGN);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

}  // namespace rig
