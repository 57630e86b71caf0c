// rig-agent: runs the test state machine for a coordinator, one run at a
// time, over gRPC.

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "agent/db/drivers.h"
#include "agent/engine/catalogue.h"
#include "agent/flags.h"
#include "agent/server/health.h"
#include "agent/server/quota.h"
#include "agent/server/service.h"
#include "common/base/logging.h"
#include "common/base/version.h"
#include "common/config/cli.h"
#include "common/config/settings.h"
#include "common/metrics/exposition.h"
#include "common/metrics/http_server.h"
#include "common/metrics/run_metrics.h"
#include "common/net/channel_security.h"
#include "common/net/grpc_keepalive.h"
#include "grpcpp/ext/health_check_service_server_builder_option.h"
#include "grpcpp/grpcpp.h"

namespace {

constexpr char kUsage[] =
    "Usage: rig-agent [--listen HOST:PORT] [settings]\n\n"
    "Serves the rig's agent protocol: a coordinator (rig-coordinator) sends "
    "it\n"
    "a plan and its share of the load; it connects to the database, runs the\n"
    "workload and streams statistics back. -v is --log-level=debug.\n"
    "The bearer token is read from RIG_AUTH_TOKEN or --auth-token-file, never\n"
    "from the command line.";

constexpr char kReadinessService[] = "rig.v1.AgentService";

int Fail(const std::string& message) {
  std::fprintf(stderr, "rig-agent: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // SIGINT / SIGTERM are taken by a waiter thread (before any thread starts).
  sigset_t signals = rig::BlockTerminationSignals();
  // Debian's abseil checks every absl::Mutex (gRPC's locks) for lock-order
  // cycles, as a debug build does: ~10% of the coordinator's CPU with a
  // thousand agents (perf, bench/fanin). Off, as in release builds.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  auto settings = rig::Settings::Resolve(rig::agent::AgentFlags(), argc, argv);
  if (!settings.ok()) return Fail(std::string(settings.status().message()));
  if (settings->help_requested()) {
    std::cout << rig::Settings::Help(kUsage, rig::agent::AgentFlags());
    return 0;
  }
  if (*settings->GetBool("version")) {
    std::cout << "rig-agent " << rig::kToolVersion << "\n";
    return 0;
  }
  if (!settings->positional().empty()) {
    return Fail(absl::StrCat("unexpected argument \"",
                             settings->positional().front(),
                             "\" (see --help)"));
  }
  if (auto s = rig::ConfigureLoggingFromSettings(*settings, "agent"); !s.ok()) {
    return Fail(std::string(s.message()));
  }
  auto grace = settings->GetDuration("shutdown-grace");
  if (!grace.ok()) return Fail(std::string(grace.status().message()));

  auto security = rig::SecurityFromSettings(*settings, /*server=*/true);
  if (!security.ok()) return Fail(std::string(security.status().message()));
  auto credentials = rig::MakeServerCredentials(*security);
  if (!credentials.ok()) {
    return Fail(std::string(credentials.status().message()));
  }
  const std::string listen = settings->Get("listen");
  auto made_driver = rig::db::NewDriver(settings->Get("db-driver"));
  if (!made_driver.ok()) {
    return Fail(absl::StrCat("--db-driver: ", made_driver.status().message()));
  }
  std::unique_ptr<rig::db::Driver> driver = std::move(*made_driver);
  rig::agent::StateRegistry states = rig::agent::StateRegistry::Standard();
  rig::agent::AgentOptions options;
  options.name = settings->Get("name");
  options.token_required = !security->token.empty();
  auto max_connections = settings->GetInt("max-connections");
  if (!max_connections.ok() || *max_connections < 1 ||
      *max_connections > 1000000) {
    return Fail("--max-connections takes a number from 1 to 1000000");
  }
  options.limits.max_connections = static_cast<int>(*max_connections);
  auto max_duration = settings->GetDuration("max-duration");
  if (!max_duration.ok() || *max_duration <= absl::ZeroDuration()) {
    return Fail("--max-duration takes a positive duration, e.g. 24h");
  }
  options.limits.max_duration = *max_duration;
  options.limits.allowed_targets_text = settings->Get("allowed-targets");
  auto allowed =
      rig::agent::ParseAllowedTargets(options.limits.allowed_targets_text);
  if (!allowed.ok()) return Fail(std::string(allowed.status().message()));
  options.limits.allowed_targets = std::move(*allowed);
  auto start_timeout = settings->GetDuration("start-timeout");
  if (!start_timeout.ok() || *start_timeout <= absl::ZeroDuration()) {
    return Fail("--start-timeout takes a positive duration, e.g. 10s");
  }
  options.start_timeout = *start_timeout;
  // The addresses served on, checked before gRPC tries them (its own
  // message for "nowhere" is a resolver error).
  if (auto parsed =
          rig::metrics::ParseListenAddress("--listen", listen, "0.0.0.0:7070");
      !parsed.ok()) {
    return Fail(std::string(parsed.status().message()));
  }
  if (const std::string hl = settings->Get("health-listen"); !hl.empty()) {
    if (auto parsed = rig::metrics::ParseListenAddress("--health-listen", hl,
                                                       "0.0.0.0:7071");
        !parsed.ok()) {
      return Fail(std::string(parsed.status().message()));
    }
  }
  std::optional<rig::metrics::ListenAddress> metrics_listen;
  if (const std::string ml = settings->Get("metrics-listen"); !ml.empty()) {
    auto parsed = rig::metrics::ParseListenAddress("--metrics-listen", ml);
    if (!parsed.ok()) return Fail(std::string(parsed.status().message()));
    metrics_listen = *parsed;
  }
  rig::metrics::RunMetrics run_metrics;
  options.metrics = &run_metrics;
  // gRPC health service for Kubernetes probes: "" (liveness) serves while
  // the process runs; "rig.v1.AgentService" (readiness) only while idle.
  grpc::EnableDefaultHealthCheckService(true);
  // The agent's server and, with --health-listen, the plaintext
  // health-only server: each has its own health service to keep in step.
  std::atomic<grpc::Server*> health_server{nullptr};
  rig::agent::HealthService health_only_service;
  auto set_ready = [&health_server, &health_only_service](bool ready) {
    if (grpc::Server* s = health_server.load()) {
      s->GetHealthCheckService()->SetServingStatus(kReadinessService, ready);
    }
    health_only_service.Set(kReadinessService, ready);
  };
  options.on_busy = [&set_ready](bool busy) { set_ready(!busy); };
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, *credentials, &port);
  rig::ApplyServerKeepalive(builder);
  rig::ApplyServerSecurity(*security, &builder);
  rig::agent::ApplyServerQuota(builder);
  auto service = std::make_unique<rig::agent::AgentServiceImpl>(
      options, driver.get(), &rig::agent::Catalogue::Default(), &states);
  builder.RegisterService(service.get());
  // Before anything is served: a run can only start once the server does,
  // and on_busy keeps this in step from then on.
  health_only_service.Set("", true);
  health_only_service.Set(kReadinessService, true);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return Fail(absl::StrCat("--listen: cannot listen on ", listen,
                             ": the port is in use, or the host is not an "
                             "address of this machine"));
  }
  server->GetHealthCheckService()->SetServingStatus("", true);
  server->GetHealthCheckService()->SetServingStatus(kReadinessService, true);
  health_server.store(server.get());
  std::unique_ptr<grpc::Server> health_only;
  if (const std::string hl = settings->Get("health-listen"); !hl.empty()) {
    grpc::ServerBuilder health_builder;  // the health service only
    // Not gRPC's default health service: ours (agent/server/health.h).
    health_builder.SetOption(
        std::make_unique<grpc::HealthCheckServiceServerBuilderOption>(nullptr));
    health_builder.RegisterService(&health_only_service);
    int health_port = 0;
    health_builder.AddListeningPort(hl, grpc::InsecureServerCredentials(),
                                    &health_port);
    health_only = health_builder.BuildAndStart();
    if (health_only == nullptr || health_port == 0) {
      return Fail(absl::StrCat("--health-listen: cannot listen on ", hl,
                               ": the port is in use, or the host is not an "
                               "address of this machine"));
    }
    RIG_LOG(Info) << "health service (plaintext) on "
                  << hl.substr(0, hl.rfind(':')) << ":" << health_port;
  }
  std::unique_ptr<rig::metrics::MetricsServer> metrics_server;
  if (metrics_listen.has_value()) {
    auto started =
        rig::metrics::MetricsServer::Start(*metrics_listen, [&run_metrics] {
          rig::metrics::Exposition out;
          run_metrics.Render(&out);
          return out.text();
        });
    if (!started.ok()) {
      return Fail(
          absl::StrCat("--metrics-listen: ", started.status().message()));
    }
    metrics_server = std::move(*started);
    RIG_LOG(Info) << "metrics on " << metrics_server->address()
                  << " (GET /metrics)";
  }
  std::string name = settings->Get("name");
  if (name.empty()) {
    char host[256] = {};
    gethostname(host, sizeof(host) - 1);
    name = absl::StrCat(host, ":", port);
  }
  rig::SetLogContext("agent", name);
  service->SetName(name);
  RIG_LOG(Info) << "rig-agent " << rig::kToolVersion << " listening on "
                << listen.substr(0, listen.rfind(':')) << ":" << port;
  if (const std::string host = listen.substr(0, listen.rfind(':'));
      security->token.empty() && security->tls.cert.empty() &&
      host != "127.0.0.1" && host != "localhost" && host != "[::1]") {
    // Anyone who reaches the port may start runs against any database this
    // agent can reach (bounded only by --allowed-targets): say so loudly.
    RIG_LOG(Warning)
        << "UNAUTHENTICATED: listening on " << host
        << " without a bearer token or TLS: anyone who can reach this port "
           "can run plans through this agent. Set RIG_AUTH_TOKEN (or "
           "--auth-token-file) here and on the coordinator, add --tls-cert/"
           "--tls-key, and limit targets with --allowed-targets";
  }

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    RIG_LOG(Info) << "received " << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
                  << ": ending the active run and shutting down";
    service->CancelActiveRun(
        absl::StrCat("agent received ", sig == SIGTERM ? "SIGTERM" : "SIGINT"));
    set_ready(false);
    server->Shutdown(std::chrono::system_clock::now() +
                     absl::ToChronoNanoseconds(*grace));
  });
  server->Wait();
  waiter.join();
  if (health_only != nullptr) health_only->Shutdown();
  metrics_server.reset();
  RIG_LOG(Info) << "stopped";
  return 0;
}
