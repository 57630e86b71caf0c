#include "coordinator/flags.h"

#include "agent/db/drivers.h"
#include "common/config/cli.h"

namespace rig::coordinator {

const std::vector<SettingSpec>& CoordinatorFlags() {
  static const auto* specs = [] {
    auto* s = new std::vector<SettingSpec>{
        {"plan", "RIG_PLAN", "",
         "The plan file (YAML). May also be given as the first argument."},
        {"agents", "RIG_AGENTS", "",
         "Agents to run on, host:port[,host:port...].", false, true, true},
        {"agents-dns", "RIG_AGENTS_DNS", "",
         "Find agents by DNS: every address of name:port (a Kubernetes "
         "headless Service)."},
        {"local", "RIG_LOCAL_AGENTS", "0",
         "Run this many agents inside the coordinator (one machine, no "
         "rig-agent needed); 0 to 64."},
        {"db-driver", "RIG_DB_DRIVER", db::kDefaultDriver,
         "For --local agents: database client library, mariadb (MariaDB "
         "Connector/C) or cppconn (mysqlcppconn)."},
        {"set", "", "",
         "Override a plan key, e.g. --set load.duration=30s (repeatable).",
         false, true},
        {"workload", "RIG_WORKLOAD", "oltp_point_select",
         "For `plan init`: the workload the new plan runs."},
        {"connect-timeout", "RIG_CONNECT_TIMEOUT", "5s",
         "How long to wait for each agent to answer GetInfo."},
        {"stop-grace", "RIG_STOP_GRACE", "30s",
         "After a stop (SIGINT/SIGTERM, a failed agent, the run deadline): "
         "how long agents may take to report before their sessions are cut "
         "and the partial report is written. A second signal cuts at once."},
        {"run-grace", "RIG_RUN_GRACE", "1h",
         "The run's deadline is warm-up + measured time + this (preparing, "
         "verifying and cleanup included); past it the run is stopped. 0 = "
         "no deadline."},
        {"allow-exec", "", "false",
         "Let the plan's faults run commands on this machine (faults.*.action "
         "exec); without it a plan with an exec fault is refused. A plan "
         "file alone must not be able to run commands where the coordinator "
         "runs (with its credentials, e.g. kubectl's).",
         true},
        {"run-id", "RIG_RUN_ID", "",
         "Run id (default: generated from the time)."},
        {"metrics-listen", "RIG_METRICS_LISTEN", "",
         "Serve Prometheus metrics at http://HOST:PORT/metrics (host:port; "
         "port 0 picks a free one, logged). Empty = off."},
        {"metrics-linger", "RIG_METRICS_LINGER", "0s",
         "With --metrics-listen: after the reports are written, keep "
         "serving /metrics this long (or until SIGINT/SIGTERM) so that a "
         "last scrape sees the totals."},
        {"tls-ca", "RIG_TLS_CA", "",
         "Connect to agents over TLS, trusting this CA (PEM)."},
        {"tls-cert", "RIG_TLS_CERT", "",
         "Client certificate (PEM) for mutual TLS; needs --tls-key."},
        {"tls-key", "RIG_TLS_KEY", "", "The private key of --tls-cert (PEM)."},
        {"tls-server-name", "RIG_TLS_SERVER_NAME", "",
         "Name the agents' certificates carry, if not their address."},
        {"auth-token-file", "RIG_AUTH_TOKEN_FILE", "",
         "File holding the bearer token sent to agents (or set "
         "RIG_AUTH_TOKEN)."},
        // The `report` commands (coordinator/offline/report_command.h).
        {"html", "", "",
         "For `report show|compare|merge`: also write this HTML page."},
        {"csv", "", "",
         "For `report show|merge`: also write the intervals as CSV here."},
        {"hdr-log", "", "",
         "For `report show|merge`: also write the HdrHistogram interval log "
         "here."},
        {"threshold", "", "",
         "For `report compare`: a threshold on the change, e.g. 'p99 +10%' "
         "or 'throughput -5%' (repeatable).",
         false, true},
        {"output", "", "",
         "For `report merge` (or -o): where to write the merged JSON "
         "report."},
    };
    for (auto& spec : CommonSettingSpecs()) s->push_back(spec);
    return s;
  }();
  return *specs;
}

}  // namespace rig::coordinator
