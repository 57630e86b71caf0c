#include "coordinator/plan_tools.h"

#include <functional>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/base/sql_identifier.h"
#include "coordinator/results/thresholds.h"
#include "plan/plan.h"

namespace rig::coordinator {
namespace {

std::string Where(const std::string& path, const std::string& yaml,
                  const std::string& key) {
  const int line = KeyLine(yaml, key);
  return line > 0 ? absl::StrCat(path, ":", line) : path;
}

// Checks one workload spec (the plan's workload, or an alongside entry
// turned into one): the kind exists, each option is declared and well typed,
// and the whole set builds. `key` is its dotted path in the YAML.
absl::Status CheckWorkload(
    const rig::v1::Plan& plan, const rig::v1::Workload& workload,
    const std::string& key, const std::string& yaml, const std::string& path,
    const std::vector<rig::v1::WorkloadInfo>& workloads,
    const std::function<absl::Status(const rig::v1::Plan&, bool whole)>&
        check_options) {
  const rig::v1::WorkloadInfo* info = nullptr;
  std::vector<std::string> names;
  for (const auto& w : workloads) {
    names.push_back(w.name());
    if (w.name() == workload.kind()) info = &w;
  }
  if (info == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        Where(path, yaml, key + ".kind"), ": \"", key, ".kind\" is \"",
        workload.kind(),
        "\", not a workload (workloads: ", absl::StrJoin(names, ", "), ")"));
  }
  rig::v1::Plan one = plan;
  *one.mutable_workload() = workload;
  for (const auto& [name, value] : workload.options().fields()) {
    bool declared = false;
    std::vector<std::string> options;
    for (const auto& o : info->options()) {
      options.push_back(o.name());
      declared = declared || o.name() == name;
    }
    const std::string option_key = absl::StrCat(key, ".options.", name);
    if (!declared) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(path, yaml, option_key), ": unknown key \"", option_key,
          "\": workload ", info->name(), " has ",
          options.empty()
              ? "no options"
              : absl::StrCat("options ", absl::StrJoin(options, ", "))));
    }
    // Each option alone, so the message can name its line.
    rig::v1::Plan single = one;
    single.mutable_workload()->mutable_options()->clear_fields();
    (*single.mutable_workload()->mutable_options()->mutable_fields())[name] =
        value;
    if (absl::Status s = check_options(single, false); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Where(path, yaml, option_key), ": ", s.message()));
    }
  }
  if (absl::Status s = check_options(one, true); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(path, yaml, key + ".options"), ": ", s.message()));
  }
  return absl::OkStatus();
}

bool IsScenario(const std::string& kind) {
  return absl::StartsWith(kind, "scenario/");
}

}  // namespace

absl::Status ValidatePlanSemantics(
    const rig::v1::Plan& plan, const std::string& yaml, const std::string& path,
    const std::vector<rig::v1::WorkloadInfo>& workloads,
    const std::function<absl::Status(const rig::v1::Plan&, bool whole)>&
        check_options) {
  if (absl::Status s = CheckWorkload(plan, plan.workload(), "workload", yaml,
                                     path, workloads, check_options);
      !s.ok()) {
    return s;
  }
  for (const auto& [name, value] : plan.target().session_vars()) {
    if (!IsPlainIdentifier(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(path, yaml, "target.session_vars." + name),
          ": \"target.session_vars\" key \"", name,
          "\" is not a variable name (letters, digits and _ only)"));
    }
  }
  std::set<std::string> alongside_kinds;
  for (int i = 0; i < plan.alongside_size(); ++i) {
    const rig::v1::Alongside& a = plan.alongside(i);
    const std::string key = absl::StrCat("alongside.", i);
    const std::string where = Where(path, yaml, key);
    if (IsScenario(plan.workload().kind())) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(path, yaml, "alongside"),
          ": \"alongside\" runs scenarios next to a load workload, but "
          "workload.kind is the scenario \"",
          plan.workload().kind(), "\""));
    }
    if (!IsScenario(a.kind())) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(path, yaml, key + ".kind"), ": \"", key, ".kind\" is \"",
          a.kind(),
          "\": alongside takes scenarios (scenario/<name>); a load workload "
          "goes in workload.kind"));
    }
    if (!alongside_kinds.insert(a.kind()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": \"", a.kind(),
                       "\" is listed twice in alongside (both rounds would "
                       "use the same tables)"));
    }
    if (a.agents() < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(Where(path, yaml, key + ".agents"), ": \"", key,
                       ".agents\" must not be negative (0 = every agent)"));
    }
    rig::v1::Workload w;
    w.set_kind(a.kind());
    *w.mutable_options() = a.options();
    if (absl::Status s =
            CheckWorkload(plan, w, key, yaml, path, workloads, check_options);
        !s.ok()) {
      return s;
    }
  }
  for (int i = 0; i < plan.thresholds_size(); ++i) {
    if (auto t = ParseThreshold(plan.thresholds(i)); !t.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(path, yaml, "thresholds"), ": ", t.status().message()));
    }
  }
  if (plan.load().connections() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": \"load.connections\" must be at least 1"));
  }
  return absl::OkStatus();
}

std::string InitPlan(const rig::v1::WorkloadInfo& w) {
  std::string options;
  if (w.name() == "sql") {
    options =
        "  options:\n"
        "    setup: [\"CREATE TABLE IF NOT EXISTS kv (id BIGINT PRIMARY KEY, "
        "v VARCHAR(64))\"]\n"
        "    cleanup: [\"DROP TABLE IF EXISTS kv\"]\n"
        "    statements:\n"
        "      - \"INSERT INTO kv VALUES ({seq}, {name}) ON DUPLICATE KEY "
        "UPDATE v = {name}\"\n"
        "      - \"SELECT v FROM kv WHERE id = {hot}\"\n"
        "    params:\n"
        "      seq: {type: sequence, start: 1}\n"
        "      hot: {type: zipfian, min: 1, max: 100000, exp: 0.8}\n"
        "      name: {type: string, length: 16}\n"
        "    transaction: true\n";
  } else if (w.options_size() > 0) {
    options = "  options:            # uncomment to change a default\n";
    for (const auto& o : w.options()) {
      absl::StrAppend(&options, "    # ", o.name(), ": ",
                      o.default_value().empty() ? "~" : o.default_value(),
                      "   # ", o.type(), ": ", o.help(), "\n");
    }
  } else {
    options = "  options: {}\n";
  }
  return absl::StrCat(
      "# A plan for rig-coordinator (", w.name(), ").\n# ", w.description(),
      "\n#\n"
      "# Every key is optional except workload.kind; the values shown are the\n"
      "# defaults. Check it with: rig-coordinator plan validate FILE\n"
      "name: ",
      w.name(),
      "\n"
      "target:\n"
      "  host: 127.0.0.1\n"
      "  port: 4000            # TiDB; MySQL and MariaDB listen on 3306\n"
      "  user: root\n"
      "  password_env: RIG_DB_PASSWORD   # the password is read from this "
      "variable\n"
      "  database: rig\n"
      "  session_vars: {}      # e.g. {tidb_txn_mode: pessimistic}\n"
      "  connect_timeout: 5s\n"
      "  read_timeout: 30s\n"
      "workload:\n"
      "  kind: ",
      w.name(),
      "\n"
      "  tables: 1\n"
      "  table_size: 10000\n"
      "  prepare: create       # create | skip | recreate\n"
      "  cleanup: false        # drop the tables after the run\n",
      options,
      "load:\n"
      "  connections: 4        # total, split across the agents\n"
      "  rate: 0               # total ops/s; 0 = as fast as possible (closed "
      "model)\n"
      "  arrival: constant     # constant | poisson (open model)\n"
      "  duration: 10s\n"
      "  warmup: 0s\n"
      "  think_time: 0s\n"
      "  report_interval: 1s\n"
      "  # stages: [{duration: 30s, rate: 1000}, {duration: 30s, rate: 4000, "
      "ramp: true}]\n"
      "resilience:\n"
      "  retry: {max_attempts: 3, initial_backoff: 50ms, max_backoff: 2s, "
      "jitter: 0.2}\n"
      "  circuit_breaker: {failure_threshold: 20, failure_rate: 0.5, "
      "min_requests: 20,\n"
      "                    window: 10s, open_for: 5s, half_open_probes: 3}\n"
      "  error_classes: {}     # e.g. {1062: other}\n",
      absl::StartsWith(w.name(), "scenario/")
          ? ""
          : "# Correctness scenarios repeated while the load runs, each on "
            "its\n"
            "# own connections and tables (see the README, Scenarios):\n"
            "# alongside:\n"
            "#   - {kind: scenario/isolation, every: 10s}\n"
            "#   - {kind: scenario/deadlock, every: 30s, agents: 1}\n",
      "agents:\n"
      "  on_agent_loss: abort  # abort | continue\n"
      "  max_lost_agents: 0\n"
      "  heartbeat_interval: 1s\n"
      "  heartbeat_timeout: 5s\n"
      "thresholds:\n"
      "  - \"p99 < 100ms\"\n"
      "  - \"error_rate < 0.01\"\n"
      "report:\n"
      "  json: report.json\n"
      "  html: report.html\n");
}

}  // namespace rig::coordinator
