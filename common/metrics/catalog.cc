#include "common/metrics/catalog.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace rig::metrics {

const std::vector<MetricSpec>& Catalog() {
  static const auto* table = new std::vector<MetricSpec>{
      {"rig_operations_total", MetricType::kCounter, "agent, type, outcome",
       "Operations (transactions) measured, by outcome: success, or error "
       "(failed after its retries). Warm-up excluded.",
       Served::kBoth},
      {"rig_operation_duration_seconds", MetricType::kHistogram, "agent, type",
       "Response time of successful operations (from the intended start in "
       "the open model); buckets filled from the exact histogram.",
       Served::kBoth},
      {"rig_queries_total", MetricType::kCounter, "agent",
       "Statements sent, failed ones included.", Served::kBoth},
      {"rig_rows_total", MetricType::kCounter, "agent", "Rows read or written.",
       Served::kBoth},
      {"rig_statements_total", MetricType::kCounter, "agent, kind",
       "Statements that succeeded, as sysbench counts them: read (returned a "
       "result set), write (changed rows), other (BEGIN, COMMIT, a write "
       "that matched no row). oltp_* and sql; others send no series.",
       Served::kBoth},
      {"rig_errors_total", MetricType::kCounter, "agent, class",
       "Failed operations by error class (retry_txn, reconnect, backoff, "
       "fail_fast, other).",
       Served::kBoth},
      {"rig_errors_by_code_total", MetricType::kCounter, "agent, code",
       "Failed operations by server error code (0: no server code).",
       Served::kBoth},
      {"rig_retries_total", MetricType::kCounter, "agent",
       "Attempts that failed and were retried.", Served::kBoth},
      {"rig_reconnects_total", MetricType::kCounter, "agent",
       "Lost database connections replaced.", Served::kBoth},
      {"rig_connections_open", MetricType::kGauge, "agent",
       "Database connections of the load open at the last interval.",
       Served::kBoth},
      {"rig_breaker_state", MetricType::kGauge, "agent, endpoint",
       "Circuit breaker state per endpoint: 0 closed, 1 half-open, 2 open.",
       Served::kBoth},
      {"rig_breaker_transitions_total", MetricType::kCounter,
       "agent, endpoint, from, to",
       "Circuit breaker transitions (closed, open, half_open).", Served::kBoth},
      {"rig_breaker_open_seconds_total", MetricType::kCounter, "agent",
       "Time breakers were open while measuring (summed over endpoints).",
       Served::kBoth},
      {"rig_run_state", MetricType::kGauge, "agent, state",
       "1 for the state the agent's run is in (initializing .. completed, "
       "failed, cancelled, or a custom state's name), 0 for the others.",
       Served::kBoth},
      {"rig_agents", MetricType::kGauge, "status",
       "Agents of the run: live (running), done (sent their result), lost.",
       Served::kCoordinator},
      {"rig_barrier_agents_waiting", MetricType::kGauge, "barrier",
       "Agents parked at a barrier not yet released.", Served::kCoordinator},
      {"rig_barrier_releases_total", MetricType::kCounter, "barrier",
       "Barriers released.", Served::kCoordinator},
      {"rig_barrier_wait_seconds_total", MetricType::kCounter, "barrier",
       "Time agents spent parked at a barrier, summed over agents.",
       Served::kCoordinator},
      {"rig_coordinator_state", MetricType::kGauge, "state",
       "1 for the coordinator's phase: checking, running, stopping, "
       "finished.",
       Served::kCoordinator},
  };
  return *table;
}

const MetricSpec& Spec(std::string_view name) {
  for (const MetricSpec& spec : Catalog()) {
    if (name == spec.name) return spec;
  }
  std::fprintf(stderr, "metrics: no metric \"%.*s\" in the catalogue\n",
               static_cast<int>(name.size()), name.data());
  std::abort();
}

std::string CatalogMarkdown() {
  std::string out =
      "| metric | type | labels | served by | meaning |\n"
      "|---|---|---|---|---|\n";
  for (const MetricSpec& spec : Catalog()) {
    const char* type = spec.type == MetricType::kCounter ? "counter"
                       : spec.type == MetricType::kGauge ? "gauge"
                                                         : "histogram";
    absl::StrAppend(&out, "| `", spec.name, "` | ", type, " | ", spec.labels,
                    " | ",
                    spec.served == Served::kBoth ? "both" : "coordinator",
                    " | ", spec.help, " |\n");
  }
  return out;
}

}  // namespace rig::metrics
