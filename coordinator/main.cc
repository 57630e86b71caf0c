// rig-coordinator: runs a plan across rig-agents and writes the merged
// report.

#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/logging.h"
#include "common/settings.h"
#include "common/version.h"
#include "coordinator/html_report.h"
#include "coordinator/plan.h"
#include "coordinator/report.h"
#include "coordinator/run.h"
#include "coordinator/thresholds.h"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitIncomplete = 4;

const std::vector<rig::SettingSpec>& Specs() {
  static const auto* specs = new std::vector<rig::SettingSpec>{
      {"plan", "RIG_PLAN", "",
       "The plan file (YAML). May also be given as the first argument."},
      {"agents", "RIG_AGENTS", "",
       "Agents to run on, host:port[,host:port...].", false, true, true},
      {"set", "", "",
       "Override a plan key, e.g. --set load.duration=30s (repeatable).", false,
       true},
      {"connect-timeout", "RIG_CONNECT_TIMEOUT", "5s",
       "How long to wait for each agent to answer GetInfo."},
      {"run-id", "RIG_RUN_ID", "",
       "Run id (default: generated from the time)."},
      {"log-level", "RIG_LOG_LEVEL", "info", "debug, info, warning or error.",
       false, false, false, 'v', "debug"},
      {"log-format", "RIG_LOG_FORMAT", "text",
       "text or json (one object a line)."},
      {"log-file", "RIG_LOG_FILE", "", "Also append the log to this file."},
      {"config", "RIG_CONFIG", "",
       "YAML file of settings (keys are the flag names without --)."},
      {"version", "", "false", "Print the version and exit.", true},
  };
  return *specs;
}

constexpr char kUsage[] =
    "Usage: rig-coordinator [--plan] PLAN.yaml --agents HOST:PORT[,...] "
    "[settings]\n\n"
    "Runs a test plan on rig-agents and prints the merged result; writes the\n"
    "JSON report to the plan's report.json. The database password is read\n"
    "from the variable named by the plan's target.password_env\n"
    "(default RIG_DB_PASSWORD). -v is --log-level=debug.";

constexpr char kEpilog[] =
    "Exit codes: 0 passed, 1 thresholds failed, 2 usage or plan error,\n"
    "3 verification failed, 4 the run could not complete (an agent\n"
    "unreachable, failed or lost).";

int Fail(int code, absl::string_view message) {
  std::fprintf(stderr, "rig-coordinator: %.*s\n",
               static_cast<int>(message.size()), message.data());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  // SIGINT / SIGTERM are taken by a waiter thread: block them before any
  // thread (gRPC's among them) exists, so every thread inherits the mask.
  // A shell starting us in the background may have set them to "ignore",
  // which would discard them before sigwait sees them: undo that.
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto settings = rig::Settings::Resolve(Specs(), argc, argv);
  if (!settings.ok()) return Fail(kExitUsage, settings.status().message());
  if (settings->help_requested()) {
    std::cout << rig::Settings::Help(kUsage, Specs(), kEpilog);
    return 0;
  }
  if (*settings->GetBool("version")) {
    std::cout << "rig-coordinator " << rig::kToolVersion << "\n";
    return 0;
  }
  auto level = rig::ParseLogLevel(settings->Get("log-level"));
  if (!level.ok()) return Fail(kExitUsage, level.status().message());
  const std::string& format = settings->Get("log-format");
  if (format != "text" && format != "json") {
    return Fail(kExitUsage, absl::StrCat("invalid --log-format \"", format,
                                         "\": use text or json"));
  }
  auto connect_timeout = settings->GetDuration("connect-timeout");
  if (!connect_timeout.ok()) {
    return Fail(kExitUsage, connect_timeout.status().message());
  }
  rig::LogOptions log_options;
  log_options.component = "coordinator";
  log_options.level = *level;
  log_options.json = format == "json";
  log_options.file = settings->Get("log-file");
  if (auto s = rig::ConfigureLogging(log_options); !s.ok()) {
    return Fail(kExitUsage, s.message());
  }

  std::string plan_path = settings->Get("plan");
  std::vector<std::string> positional = settings->positional();
  if (plan_path.empty() && !positional.empty()) {
    plan_path = positional.front();
    positional.erase(positional.begin());
  }
  if (!positional.empty()) {
    return Fail(kExitUsage,
                absl::StrCat("unexpected argument \"", positional.front(),
                             "\" (see --help)"));
  }
  if (plan_path.empty()) {
    return Fail(kExitUsage,
                "no plan given (rig-coordinator PLAN.yaml "
                "--agents host:port; see --help)");
  }
  auto plan =
      rig::coordinator::LoadPlanFile(plan_path, settings->GetList("set"));
  if (!plan.ok()) return Fail(kExitUsage, plan.status().message());
  if (auto t = rig::coordinator::ParseThresholds(plan->thresholds()); !t.ok()) {
    return Fail(kExitUsage,
                absl::StrCat(plan_path, ": ", t.status().message()));
  }
  const std::vector<std::string> agents = settings->GetList("agents");
  if (agents.empty()) {
    return Fail(kExitUsage,
                "no agents given (--agents host:port[,host:port...] or "
                "RIG_AGENTS)");
  }
  // The password comes from the environment, never from the command line.
  if (const char* pw = std::getenv(plan->target().password_env().c_str());
      pw != nullptr && plan->target().password().empty()) {
    plan->mutable_target()->set_password(pw);
  }
  rig::RegisterSecret(plan->target().password());

  rig::coordinator::CoordinatorOptions options;
  options.agents = agents;
  options.connect_timeout = *connect_timeout;
  options.run_id = settings->Get("run-id");
  options.progress = [](const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
  };
  rig::coordinator::Coordinator coordinator(options, *plan);

  // SIGINT / SIGTERM: stop every agent and report what they sent.
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    const timespec tick{0, 200 * 1000 * 1000};
    while (!done.load()) {
      int sig = sigtimedwait(&signals, nullptr, &tick);
      if (sig == SIGINT || sig == SIGTERM) {
        coordinator.Stop(absl::StrCat("coordinator received ",
                                      sig == SIGINT ? "SIGINT" : "SIGTERM"));
      }
    }
  });

  auto report = coordinator.Run();
  done.store(true);
  waiter.join();
  if (!report.ok()) return Fail(kExitIncomplete, report.status().message());

  std::cout << rig::coordinator::FormatSummary(*report);
  const std::string& json_path = report->plan().report().json();
  if (!json_path.empty()) {
    if (auto s = rig::coordinator::WriteJsonReport(*report, json_path);
        !s.ok()) {
      Fail(kExitIncomplete, s.message());
      return kExitIncomplete;
    }
    std::cout << "JSON report: " << json_path << "\n";
  }
  const std::string& html_path = report->plan().report().html();
  if (!html_path.empty()) {
    if (auto s = rig::coordinator::WriteHtmlReport(*report, html_path);
        !s.ok()) {
      Fail(kExitIncomplete, s.message());
      return kExitIncomplete;
    }
    std::cout << "HTML report: " << html_path << "\n";
  }
  std::cout.flush();
  return report->exit_code();
}
