// rig-coordinator: runs a plan across rig-agents and writes the merged
// report.

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "agent/db/drivers.h"
#include "agent/engine/catalogue.h"
#include "agent/resilience/error_class.h"
#include "agent/server/service.h"
#include "common/base/duration.h"
#include "common/base/error_context.h"
#include "common/base/logging.h"
#include "common/base/proto_duration.h"
#include "common/base/status_macros.h"
#include "common/base/version.h"
#include "common/config/cli.h"
#include "common/config/settings.h"
#include "common/metrics/catalog.h"
#include "common/metrics/http_server.h"
#include "common/net/channel_security.h"
#include "common/net/grpc_keepalive.h"
#include "coordinator/flags.h"
#include "coordinator/metrics/fleet_metrics.h"
#include "coordinator/offline/report_command.h"
#include "coordinator/plan_tools.h"
#include "coordinator/report/terminal.h"
#include "coordinator/report/writers.h"
#include "coordinator/results/thresholds.h"
#include "coordinator/results/verdict.h"
#include "coordinator/session/coordinator.h"
#include "coordinator/session/discovery.h"
#include "plan/plan.h"
#include "plan/schema.h"

namespace {

using rig::coordinator::ExitCode;

constexpr char kUsage[] =
    "Usage: rig-coordinator [--plan] PLAN.yaml --agents HOST:PORT[,...] "
    "[settings]\n"
    "       rig-coordinator plan validate PLAN.yaml\n"
    "       rig-coordinator plan init [--workload NAME] [NEW.yaml]\n"
    "       rig-coordinator plan reference   (every plan key, Markdown)\n"
    "       rig-coordinator metrics reference   (every metric, Markdown)\n"
    "       rig-coordinator report show|compare|merge ...   (see report "
    "--help)\n\n"
    "Runs a test plan on rig-agents and prints the merged result; writes the\n"
    "JSON report to the plan's report.json. The database password is read\n"
    "from the variable named by the plan's target.password_env\n"
    "(default RIG_DB_PASSWORD); the agents' bearer token from RIG_AUTH_TOKEN\n"
    "or --auth-token-file. -v is --log-level=debug.";

constexpr char kEpilog[] =
    "Exit codes: 0 passed, 1 thresholds failed, 2 usage or plan error,\n"
    "3 verification failed, 4 the run could not complete (an agent\n"
    "unreachable, failed or lost).";

int Fail(ExitCode code, absl::string_view message) {
  std::fprintf(stderr, "rig-coordinator: %.*s\n",
               static_cast<int>(message.size()), message.data());
  return static_cast<int>(code);
}

// The plan, with every check that needs no agent.
absl::StatusOr<rig::v1::Plan> LoadAndValidate(
    const std::string& path, const std::vector<std::string>& overrides,
    bool allow_exec) {
  auto plan = rig::plan::LoadPlanFile(path, overrides);
  if (!plan.ok()) return plan.status();
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const rig::agent::Catalogue& catalogue = rig::agent::Catalogue::Default();
  auto check = [&catalogue](const rig::v1::Plan& p, bool whole) {
    return catalogue.Check(p.workload(), whole);
  };
  RETURN_IF_ERROR(rig::coordinator::ValidatePlanSemantics(
      *plan, text.str(), path, catalogue.List(), check, allow_exec));
  if (auto c = rig::agent::ErrorClassifier::Create(
          plan->resilience().error_classes());
      !c.ok()) {
    const int line = rig::plan::KeyLine(text.str(), "resilience.error_classes");
    return absl::InvalidArgumentError(
        absl::StrCat(path, line > 0 ? absl::StrCat(":", line) : "", ": ",
                     c.status().message()));
  }
  return plan;
}

int PlanCommand(const rig::Settings& settings,
                const std::vector<std::string>& args) {
  const std::string what = args.size() > 1 ? args[1] : "";
  if (what == "validate") {
    if (args.size() != 3) {
      return Fail(ExitCode::kUsage,
                  "usage: rig-coordinator plan validate PLAN.yaml");
    }
    auto plan = LoadAndValidate(args[2], settings.GetList("set"),
                                *settings.GetBool("allow-exec"));
    if (!plan.ok()) return Fail(ExitCode::kUsage, plan.status().message());
    std::cout << args[2] << ": ok (" << plan->workload().kind() << ", "
              << plan->load().connections() << " connections, "
              << rig::FormatDuration(rig::FromProto(plan->load().duration()))
              << ")\n";
    return 0;
  }
  if (what == "init") {
    if (args.size() > 3) {
      return Fail(ExitCode::kUsage,
                  "usage: rig-coordinator plan init [--workload NAME] "
                  "[NEW.yaml]");
    }
    const std::string workload = settings.Get("workload");
    std::vector<std::string> names;
    for (const auto& w : rig::agent::Catalogue::Default().List()) {
      names.push_back(w.name());
      if (w.name() != workload) continue;
      const std::string text = rig::coordinator::InitPlan(w);
      if (args.size() < 3) {
        std::cout << text;
        return 0;
      }
      if (std::ifstream(args[2]).good()) {
        return Fail(ExitCode::kUsage,
                    absl::StrCat(args[2], " exists; not overwriting it"));
      }
      std::ofstream out(args[2]);
      out << text;
      if (!out.good()) {
        return Fail(ExitCode::kUsage, absl::StrCat("cannot write ", args[2]));
      }
      std::cout << "wrote " << args[2] << "\n";
      return 0;
    }
    return Fail(ExitCode::kUsage,
                absl::StrCat("--workload \"", workload,
                             "\" is not a workload (workloads: ",
                             absl::StrJoin(names, ", "), ")"));
  }
  if (what == "reference" && args.size() == 2) {
    std::cout << rig::plan::PlanReferenceMarkdown();
    return 0;
  }
  return Fail(ExitCode::kUsage,
              "usage: rig-coordinator plan validate PLAN.yaml | plan init "
              "[--workload NAME] [NEW.yaml] | plan reference");
}

// Agents inside this process (--local N), on 127.0.0.1 ports of their own.
class LocalAgents {
 public:
  absl::StatusOr<std::vector<std::string>> Start(int n,
                                                 const std::string& driver) {
    auto made = rig::db::NewDriver(driver);
    if (!made.ok()) return rig::Prefix(made.status(), "--db-driver");
    driver_ = std::move(*made);
    states_ = std::make_unique<rig::agent::StateRegistry>(
        rig::agent::StateRegistry::Standard());
    std::vector<std::string> addresses;
    for (int i = 0; i < n; ++i) {
      rig::agent::AgentOptions options;
      options.name = absl::StrCat("local-", i + 1);
      auto service = std::make_unique<rig::agent::AgentServiceImpl>(
          options, driver_.get(), &rig::agent::Catalogue::Default(),
          states_.get());
      grpc::ServerBuilder builder;
      int port = 0;
      builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                               &port);
      rig::ApplyServerKeepalive(builder);
      builder.RegisterService(service.get());
      auto server = builder.BuildAndStart();
      if (server == nullptr || port == 0) {
        return absl::UnavailableError("cannot start a local agent");
      }
      addresses.push_back(absl::StrCat("127.0.0.1:", port));
      services_.push_back(std::move(service));
      servers_.push_back(std::move(server));
    }
    return addresses;
  }
  ~LocalAgents() {
    for (auto& s : servers_) {
      s->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
    }
  }

 private:
  std::unique_ptr<rig::db::Driver> driver_;
  std::unique_ptr<rig::agent::StateRegistry> states_;
  std::vector<std::unique_ptr<rig::agent::AgentServiceImpl>> services_;
  std::vector<std::unique_ptr<grpc::Server>> servers_;
};

}  // namespace

int main(int argc, char** argv) {
  // SIGINT / SIGTERM are taken by a waiter thread (before any thread starts).
  sigset_t signals = rig::BlockTerminationSignals();
  // Debian's abseil checks every absl::Mutex (gRPC's locks) for lock-order
  // cycles, as a debug build does: ~10% of the coordinator's CPU with a
  // thousand agents (perf, bench/fanin). Off, as in release builds.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // `report merge ... -o FILE`: -o is --output there (a one-letter alias of
  // the settings sets a fixed value; this one takes the next word).
  std::vector<const char*> args(argv, argv + argc);
  if (argc > 1 && absl::string_view(argv[1]) == "report") {
    for (auto& a : args) {
      if (absl::string_view(a) == "-o") a = "--output";
    }
  }
  auto settings = rig::Settings::Resolve(rig::coordinator::CoordinatorFlags(),
                                         argc, args.data());
  if (!settings.ok())
    return Fail(ExitCode::kUsage, settings.status().message());
  if (settings->help_requested() && !settings->positional().empty() &&
      settings->positional().front() == "report") {
    std::vector<rig::SettingSpec> report_flags;
    for (const auto& spec : rig::coordinator::CoordinatorFlags()) {
      for (const char* name :
           {"html", "csv", "hdr-log", "threshold", "output"}) {
        if (spec.name == name) report_flags.push_back(spec);
      }
    }
    std::cout << rig::Settings::Help(
        absl::StrCat(
            "Usage:\n", rig::coordinator::ReportUsage(),
            "\nCommands on JSON reports the coordinator wrote (report.json); "
            "no agents or database.\n"
            "show: the terminal summary again, percentiles from the stored "
            "histograms.\n"
            "compare: totals side by side with the change in percent; a "
            "threshold on the change\n"
            "  is '<metric> +<limit>' (fails on a rise past it) or '<metric> "
            "-<limit>' (a fall),\n"
            "  the limit in % of the base, or absolute (latency with a unit: "
            "'p99 +2ms').\n"
            "  Metrics: p50 p90 p95 p99 p99.9 min max mean error_rate errors "
            "throughput qps\n"
            "  read_qps write_qps other_qps.\n"
            "merge: reports of one plan from separate coordinators, merged "
            "exactly (histograms\n"
            "  merged, counters summed, intervals aligned by wall-clock "
            "time); -o is --output."),
        report_flags,
        "Exit codes: 0 done, 1 a threshold on the change failed, 2 usage or "
        "input error\n(missing file, not a report, plan mismatch, bad "
        "threshold), 4 a file could not be written.");
    return 0;
  }
  if (settings->help_requested() && !settings->positional().empty() &&
      (settings->positional().front() == "plan" ||
       settings->positional().front() == "metrics")) {
    // Their own usage and the settings they read, not the run's.
    const bool plan = settings->positional().front() == "plan";
    std::string workloads = "  Workloads:";  // wrapped at 79 columns
    size_t line_start = 0;
    for (const auto& w : rig::agent::Catalogue::Default().List()) {
      if (workloads.size() - line_start + w.name().size() + 2 > 79) {
        line_start = workloads.size() + 1;
        workloads += "\n   ";
      }
      absl::StrAppend(&workloads, " ", w.name(), ",");
    }
    workloads.back() = '.';
    std::vector<rig::SettingSpec> flags;
    for (const auto& spec : rig::coordinator::CoordinatorFlags()) {
      for (const char* name : {"set", "allow-exec", "workload"}) {
        if (plan && spec.name == name) flags.push_back(spec);
      }
    }
    std::cout << rig::Settings::Help(
        plan ? absl::StrCat(
                   "Usage: rig-coordinator plan validate PLAN.yaml [--set "
                   "KEY=VALUE ...] [--allow-exec]\n"
                   "       rig-coordinator plan init [--workload NAME] "
                   "[NEW.yaml]\n"
                   "       rig-coordinator plan reference\n\n"
                   "validate: every check that needs no agent or database "
                   "(keys, types, bounds,\n"
                   "  thresholds, faults); an error names the file, line and "
                   "key.\n"
                   "init: a commented plan for a workload, to NEW.yaml (never "
                   "overwritten) or stdout.\n",
                   workloads,
                   "\n"
                   "reference: every plan key with its default and meaning "
                   "(Markdown).")
             : std::string("Usage: rig-coordinator metrics reference\n\n"
                           "Every metric /metrics serves, with its type, "
                           "labels and meaning (Markdown)."),
        flags, "Exit codes: 0 done, 2 usage or plan error.");
    return 0;
  }
  if (settings->help_requested()) {
    std::cout << rig::Settings::Help(
        kUsage, rig::coordinator::CoordinatorFlags(), kEpilog);
    return 0;
  }
  if (*settings->GetBool("version")) {
    std::cout << "rig-coordinator " << rig::kToolVersion << "\n";
    return 0;
  }
  if (auto s = rig::ConfigureLoggingFromSettings(*settings, "coordinator");
      !s.ok()) {
    return Fail(ExitCode::kUsage, s.message());
  }
  auto connect_timeout = settings->GetDuration("connect-timeout");
  if (!connect_timeout.ok()) {
    return Fail(ExitCode::kUsage, connect_timeout.status().message());
  }

  std::string plan_path = settings->Get("plan");
  std::vector<std::string> positional = settings->positional();
  if (!positional.empty() && positional.front() == "plan") {
    return PlanCommand(*settings, positional);
  }
  if (!positional.empty() && positional.front() == "metrics") {
    if (positional.size() != 2 || positional[1] != "reference") {
      return Fail(ExitCode::kUsage, "usage: rig-coordinator metrics reference");
    }
    std::cout << rig::metrics::CatalogMarkdown();
    return 0;
  }
  if (!positional.empty() && positional.front() == "report") {
    rig::coordinator::ReportCommandOptions report;
    report.args.assign(positional.begin() + 1, positional.end());
    report.thresholds = settings->GetList("threshold");
    report.html = settings->Get("html");
    report.csv = settings->Get("csv");
    report.hdr_log = settings->Get("hdr-log");
    report.output = settings->Get("output");
    return rig::coordinator::RunReportCommand(report, std::cout, std::cerr);
  }
  if (plan_path.empty() && !positional.empty()) {
    plan_path = positional.front();
    positional.erase(positional.begin());
  }
  if (!positional.empty()) {
    if (plan_path == "run") {  // as k6 and go-tpc are called
      return Fail(ExitCode::kUsage,
                  "\"run\" is not a subcommand: a run is rig-coordinator "
                  "PLAN.yaml --agents HOST:PORT (see --help)");
    }
    return Fail(ExitCode::kUsage,
                absl::StrCat("unexpected argument \"", positional.front(),
                             "\" (see --help)"));
  }
  if (plan_path.empty()) {
    return Fail(ExitCode::kUsage,
                "no plan given (rig-coordinator PLAN.yaml "
                "--agents host:port; see --help)");
  }
  auto plan = LoadAndValidate(plan_path, settings->GetList("set"),
                              *settings->GetBool("allow-exec"));
  if (!plan.ok()) return Fail(ExitCode::kUsage, plan.status().message());
  std::vector<std::string> agents = settings->GetList("agents");
  for (const std::string& a : agents) {
    if (auto s = rig::coordinator::CheckAgentAddress(a); !s.ok()) {
      return Fail(ExitCode::kUsage, s.message());
    }
  }
  if (const std::string& dns = settings->Get("agents-dns"); !dns.empty()) {
    auto found = rig::coordinator::ResolveAgents(dns);
    if (!found.ok())
      return Fail(ExitCode::kIncomplete, found.status().message());
    agents.insert(agents.end(), found->begin(), found->end());
  }
  auto local = settings->GetInt("local");
  if (!local.ok() || *local < 0 || *local > 64) {
    return Fail(ExitCode::kUsage,
                "--local takes a number of agents from 0 to 64");
  }
  LocalAgents local_agents;
  if (*local > 0) {
    auto started = local_agents.Start(static_cast<int>(*local),
                                      settings->Get("db-driver"));
    if (!started.ok()) {
      return Fail(started.status().code() == absl::StatusCode::kInvalidArgument
                      ? ExitCode::kUsage
                      : ExitCode::kIncomplete,
                  started.status().message());
    }
    agents.insert(agents.end(), started->begin(), started->end());
  }
  if (agents.empty()) {
    return Fail(ExitCode::kUsage,
                "no agents given (--agents host:port,..., --agents-dns "
                "name:port or --local N)");
  }
  // The password comes from the environment, never from the command line.
  if (const char* pw = std::getenv(plan->target().password_env().c_str());
      pw != nullptr && plan->target().password().empty()) {
    plan->mutable_target()->set_password(pw);
  }
  rig::RegisterSecret(plan->target().password());

  auto security = rig::SecurityFromSettings(*settings, /*server=*/false);
  if (!security.ok())
    return Fail(ExitCode::kUsage, security.status().message());
  if (auto creds = rig::MakeChannelCredentials(*security); !creds.ok()) {
    return Fail(ExitCode::kUsage, creds.status().message());
  }
  rig::coordinator::CoordinatorOptions options;
  options.agents = agents;
  options.security = *security;
  options.connect_timeout = *connect_timeout;
  auto stop_grace = settings->GetDuration("stop-grace");
  if (!stop_grace.ok() || *stop_grace <= absl::ZeroDuration()) {
    return Fail(ExitCode::kUsage,
                "--stop-grace takes a positive duration, e.g. 30s");
  }
  options.stop_grace = *stop_grace;
  auto run_grace = settings->GetDuration("run-grace");
  if (!run_grace.ok() || *run_grace < absl::ZeroDuration()) {
    return Fail(ExitCode::kUsage,
                "--run-grace takes a duration (0 = no deadline), e.g. 1h");
  }
  options.run_grace = *run_grace;
  options.run_id = settings->Get("run-id");
  std::optional<rig::metrics::ListenAddress> metrics_listen;
  if (const std::string ml = settings->Get("metrics-listen"); !ml.empty()) {
    auto parsed = rig::metrics::ParseListenAddress("--metrics-listen", ml);
    if (!parsed.ok()) return Fail(ExitCode::kUsage, parsed.status().message());
    metrics_listen = *parsed;
  }
  auto linger = settings->GetDuration("metrics-linger");
  if (!linger.ok() || *linger < absl::ZeroDuration()) {
    return Fail(
        ExitCode::kUsage,
        absl::StrCat("--metrics-linger \"", settings->Get("metrics-linger"),
                     "\": expected a duration, e.g. 30s"));
  }
  rig::coordinator::FleetMetrics fleet_metrics;
  std::unique_ptr<rig::metrics::MetricsServer> metrics_server;
  if (metrics_listen.has_value()) {
    auto started = rig::metrics::MetricsServer::Start(
        *metrics_listen, [&fleet_metrics] { return fleet_metrics.Render(); });
    if (!started.ok()) {
      return Fail(ExitCode::kUsage, absl::StrCat("--metrics-listen: ",
                                                 started.status().message()));
    }
    metrics_server = std::move(*started);
    options.metrics = &fleet_metrics;
    RIG_LOG(Info) << "metrics on " << metrics_server->address()
                  << " (GET /metrics)";
  }
  // After the run: /metrics says "finished" and stays up --metrics-linger
  // (or until a signal), so that a last scrape sees the totals.
  auto finish = [&](int code) {
    if (metrics_server == nullptr) return code;
    fleet_metrics.SetPhase("finished");
    if (*linger > absl::ZeroDuration()) {
      RIG_LOG(Info) << "serving /metrics for " << absl::FormatDuration(*linger)
                    << " more (--metrics-linger; SIGINT/SIGTERM ends it)";
      const timespec wait = absl::ToTimespec(*linger);
      sigtimedwait(&signals, nullptr, &wait);
    }
    return code;
  };
  // On a terminal, progress is one line updated in place; otherwise (CI,
  // files) a line per interval.
  const bool tty = isatty(STDERR_FILENO) == 1;
  std::mutex progress_mu;
  options.progress = [tty, &progress_mu](const std::string& line) {
    std::lock_guard<std::mutex> lock(progress_mu);
    if (tty) {
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
    } else {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
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
  if (tty) std::fprintf(stderr, "\n");
  if (!report.ok()) {
    return finish(Fail(ExitCode::kIncomplete, report.status().message()));
  }

  // The files first: they must not depend on a terminal still being there.
  // After the summary, the files written ("JSON report: PATH").
  const rig::coordinator::TerminalWriter terminal;
  const auto files = rig::coordinator::ReportFiles(report->plan().report());
  auto summary = [&](size_t files_written) {
    std::cout << terminal.Render(*report);
    for (size_t i = 0; i < files_written; ++i) {
      std::cout << files[i].writer->Title() << ": " << files[i].path << "\n";
    }
  };
  for (size_t i = 0; i < files.size(); ++i) {
    if (auto s = rig::coordinator::WriteReport(*files[i].writer, *report,
                                               files[i].path);
        !s.ok()) {
      summary(i);
      return finish(Fail(ExitCode::kIncomplete, s.message()));
    }
  }
  summary(files.size());
  std::cout.flush();
  return finish(report->exit_code());
}
