#include "agent/flags.h"

#include "agent/db/drivers.h"
#include "common/config/cli.h"

namespace rig::agent {

const std::vector<SettingSpec>& AgentFlags() {
  static const auto* specs = [] {
    auto* s = new std::vector<SettingSpec>{
        {"listen", "RIG_AGENT_LISTEN", "127.0.0.1:7070",
         "Address to serve on (host:port; port 0 picks a free one). Use "
         "0.0.0.0:7070 to accept coordinators from other hosts."},
        {"name", "RIG_AGENT_NAME", "",
         "Name of this agent in reports and logs (default: hostname:port)."},
        {"shutdown-grace", "RIG_SHUTDOWN_GRACE", "20s",
         "On SIGTERM/SIGINT: how long the active run may take to report its "
         "result before the server closes."},
        {"tls-cert", "RIG_TLS_CERT", "",
         "Serve TLS with this certificate (PEM); needs --tls-key."},
        {"tls-key", "RIG_TLS_KEY", "", "The private key of --tls-cert (PEM)."},
        {"tls-ca", "RIG_TLS_CA", "",
         "CA (PEM) that client certificates must be signed by."},
        {"tls-require-client-cert", "RIG_TLS_REQUIRE_CLIENT_CERT", "false",
         "Mutual TLS: refuse coordinators without a certificate from --tls-ca.",
         true},
        {"auth-token-file", "RIG_AUTH_TOKEN_FILE", "",
         "File holding the bearer token coordinators must send (or set "
         "RIG_AUTH_TOKEN)."},
        {"health-listen", "RIG_HEALTH_LISTEN", "",
         "Also serve the gRPC health service alone, in plaintext, on this "
         "address (host:port): for Kubernetes probes when --tls-cert is set, "
         "since the kubelet's gRPC probes cannot speak TLS. Nothing else is "
         "served there. Empty = off."},
        {"metrics-listen", "RIG_METRICS_LISTEN", "",
         "Serve Prometheus metrics at http://HOST:PORT/metrics (host:port; "
         "port 0 picks a free one, logged). Empty = off."},
        {"max-connections", "RIG_MAX_CONNECTIONS", "10000",
         "Refuse a run that asks this agent for more database connections "
         "(each is a thread and its buffers); 1 to 1000000."},
        {"max-duration", "RIG_MAX_DURATION", "24h",
         "Refuse a run that would last longer (warm-up plus measured "
         "time)."},
        {"allowed-targets", "RIG_ALLOWED_TARGETS", "",
         "Databases a run may connect to: a comma-separated list of host, "
         "host:port or CIDR blocks (10.0.0.0/8); a name matches a block when "
         "all its addresses are inside. Empty = any."},
        {"start-timeout", "RIG_START_TIMEOUT", "10s",
         "Close a session whose first message (Start) has not come within "
         "this, so silent peers hold no server thread."},
        {"db-driver", "RIG_DB_DRIVER", db::kDefaultDriver,
         "Database client library: mariadb (MariaDB Connector/C, the "
         "default) or cppconn (mysqlcppconn)."},
    };
    for (auto& spec : CommonSettingSpecs()) s->push_back(spec);
    return s;
  }();
  return *specs;
}

}  // namespace rig::agent
