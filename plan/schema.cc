#include "plan/schema.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/base/duration.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "plan/plan.h"
#include "yaml-cpp/yaml.h"

namespace rig::plan {
namespace {

constexpr double kNoMax = 0;  // with min 1: no range
constexpr double kThirtyDays = 30 * 86400;

const PlanKey kKeys[] = {
    {"name", "", "shown in the report"},
    {"target.host", "127.0.0.1", "the database under test"},
    {"target.port", "4000", "TiDB listens on 4000; MySQL and MariaDB on 3306",
     1, 65535},
    {"target.user", "root", "the database user"},
    {"target.password_env", "RIG_DB_PASSWORD",
     "variable on the coordinator holding the password (a password is never "
     "taken from the command line)"},
    {"target.database", "rig", "the schema the workload's tables live in"},
    {"target.tls", "false",
     "`true` is `tls_mode: required` (kept for older plans)"},
    {"target.session_vars", "",
     "`SET SESSION name = value` on every new connection; names are plain "
     "identifiers, values SQL expressions written as given (a bare word is "
     "read as a name; quote other strings: `\"'a b'\"`)",
     1, kNoMax, "{tidb_txn_mode: pessimistic}"},
    {"target.connect_timeout", "5s",
     "client connect timeout (whole seconds, rounded up)", 0.001, 3600},
    {"target.read_timeout", "30s",
     "client read timeout (whole seconds, rounded up)", 0.001, 86400},
    {"target.write_timeout", "30s",
     "client write timeout (whole seconds, rounded up)", 0.001, 86400},
    {"target.tls_mode", "disabled",
     "TLS to the database, as MySQL clients' `--ssl-mode`: `disabled`; "
     "`preferred` (TLS if the server offers it); `required` (TLS or no "
     "connection, certificate not checked); `verify-ca` (and signed by "
     "`tls_ca`); `verify-identity` (and issued for `target.host`; without "
     "`tls_ca`, the system's CAs)"},
    {"target.tls_ca", "",
     "PEM file on the agents: the CA that signed the server's certificate "
     "(verify-ca, verify-identity)",
     1, kNoMax, "/etc/rig/db-ca.pem"},
    {"target.tls_cert", "",
     "PEM file on the agents: a client certificate, with `tls_key`", 1, kNoMax,
     "/etc/rig/db-client.pem"},
    {"target.tls_key", "", "PEM file on the agents: the key of `tls_cert`", 1,
     kNoMax, "/etc/rig/db-client.key"},
    {"target.allow_clear_password", "false",
     "let the server ask for the password itself (`mysql_clear_password`, "
     "PAM `dialog`), as PAM and LDAP logins do; off, only logins that never "
     "send the password are allowed"},
    {"target.protocol", "prepared",
     "`prepared`: prepared statements (binary protocol); `text`: parameters "
     "written into the SQL text, escaped by the client (sysbench's "
     "`--db-ps-mode=disable`)"},
    {"target.endpoints", "",
     "several servers, `host:port` (or `host`, with target.port), instead of "
     "target.host: connections are spread over them, each has its own "
     "circuit breaker (a dead one's connections move to the others and come "
     "back when it recovers), and the report shows each",
     1, kNoMax, "[tidb-0:4000, tidb-1:4000, tidb-2:4000]"},
    {"target.balance", "round_robin",
     "how connections are spread over target.endpoints: `round_robin` "
     "(connection i of the whole load to endpoint i mod n) or "
     "`least_connections` (a new connection to the endpoint this agent uses "
     "least)"},
    {"target.connection_lifetime", "",
     "close a connection this old and open it again (on the next endpoint); "
     "for a load balancer or Service in front of the servers, so that "
     "servers added during the run get load; unset = keep for the run",
     0.1, kThirtyDays, "10m"},
    {"target.dsn", "",
     "the target as one URL instead of host, port, user, database and "
     "endpoints: `mysql://user@host:port[,host:port...]/database?key=value` "
     "with keys balance, connection_lifetime, connect_timeout, read_timeout, "
     "write_timeout, tls (a tls_mode), tls_ca, protocol; never a password",
     1, kNoMax,
     "\"mysql://root@tidb-0:4000,tidb-1:4000/rig?tls=verify-identity\""},
    {"workload.kind", "", "(required) the workload, see Workloads"},
    {"workload.tables", "1", "sysbench's `--tables`", 1, 100000},
    {"workload.table_size", "10000",
     "sysbench's `--table-size` (bank: accounts)", 1, 1e12},
    {"workload.options", "", "per workload, see Workloads"},
    {"workload.prepare", "create",
     "`create`: create missing tables and rows; `skip`: use them as they "
     "are; `recreate`: drop first"},
    {"workload.cleanup", "false", "drop the tables after the run"},
    {"workload.prepare_batch_size", "1000", "rows per INSERT while loading", 1,
     100000},
    {"load.connections", "4", "total across agents; at least one per agent", 1,
     100000},
    {"load.rate", "0", "total ops/s; 0 = closed model (as fast as possible)", 0,
     1e9},
    {"load.duration", "10s", "measured time (without stages)", 0.1,
     kThirtyDays},
    {"load.warmup", "0s", "load before measuring; excluded from results", 0,
     kThirtyDays},
    {"load.think_time", "0s", "pause between operations (closed model)", 0,
     3600},
    {"load.arrival", "constant",
     "`constant` or `poisson` arrivals (open model)"},
    {"load.stages", "", "open model by stage; the run lasts their total", 1,
     kNoMax,
     "[{duration: 30s, rate: 1000}, {duration: 30s, rate: 4000, ramp: true}]"},
    {"load.stages.*.duration", "", "how long the stage lasts", 0.1,
     kThirtyDays},
    {"load.stages.*.rate", "", "total ops/s at the end of the stage", 0, 1e9},
    {"load.stages.*.ramp", "false",
     "go linearly from the previous stage's rate"},
    {"load.report_interval", "1s",
     "interval statistics and progress (each interval costs the coordinator "
     "a few KiB of temporary file until the report: see Sizing)",
     0.1, 3600},
    {"resilience.retry.max_attempts", "3",
     "attempts per operation, the first included", 1, 1000},
    {"resilience.retry.initial_backoff", "50ms", "wait before the first retry",
     0, 3600},
    {"resilience.retry.max_backoff", "2s", "longest wait between attempts", 0,
     3600},
    {"resilience.retry.jitter", "0.2",
     "each wait is spread by ± this fraction; an explicit 0 means none", -1, 1},
    {"resilience.retry.multiplier", "2", "each wait is this times the last", 1,
     100},
    {"resilience.circuit_breaker.disabled", "false", "turn the breaker off"},
    {"resilience.circuit_breaker.failure_threshold", "20",
     "failures in the window that open the breaker", 1, 1e9},
    {"resilience.circuit_breaker.failure_rate", "0.5",
     "and the failed fraction of the window's requests at least this", 0, 1},
    {"resilience.circuit_breaker.min_requests", "20",
     "requests in the window before the breaker judges", 1, 1e9},
    {"resilience.circuit_breaker.window", "10s", "the sliding window", 0.01,
     86400},
    {"resilience.circuit_breaker.open_for", "5s",
     "how long it stays open before probing", 0.01, 86400},
    {"resilience.circuit_breaker.half_open_probes", "3",
     "successful probes that close it again", 1, 1e6},
    {"resilience.circuit_breaker.consecutive_failures", "10",
     "failures in a row that open it at once, whatever the window holds (a "
     "server that stops after a long healthy window); an explicit 0 means "
     "only the window judges",
     0, 1e9},
    {"resilience.error_classes", "", "override a code's class (see Errors)", 1,
     kNoMax, "{1062: other, 1105: retry_txn}"},
    {"thresholds", "",
     "`p50`..`p99.9`, `max`, `mean` with `< <= > >= ==` and a duration; "
     "`error_rate`, `errors`, `throughput` (ops/s), `qps`, `read_qps` / "
     "`write_qps` / `other_qps` (`oltp_*` and `sql` statements by kind per "
     "second; "
     "fails for a workload that counts none), `lost_agents` "
     "(agents lost in the run: `lost_agents < 1` fails a degraded run) with a "
     "number; of the faults: `fault.recovery` (the longest recovery) with a "
     "duration, `fault.errors` (the most errors during one) with a number",
     1, kNoMax, "[\"p99 < 100ms\", \"error_rate < 0.01\"]", true},
    {"report.json", "", "where to write the JSON report", 1, kNoMax,
     "report.json", true},
    {"report.html", "", "where to write the HTML report", 1, kNoMax,
     "report.html", true},
    {"report.journal", "",
     "where to write the run journal: JSON lines written as the run goes "
     "(see Report)",
     1, kNoMax, "journal.jsonl"},
    {"report.csv", "",
     "where to write the intervals as CSV, one row per interval (see "
     "Report)",
     1, kNoMax, "report.csv"},
    {"report.csv_per_agent", "false",
     "also a CSV row per agent and interval (column `agent`; the merged rows "
     "say `all`); the report then keeps every agent's intervals"},
    {"report.hdr_log", "",
     "where to write the response times as an HdrHistogram interval log "
     "(see Report)",
     1, kNoMax, "report.hlog"},
    {"agents.on_agent_loss", "abort",
     "`continue` keeps running without up to `max_lost_agents` lost agents; "
     "the global check (bank) and the cleanup then run on the first agent "
     "left. Losing the first agent before it has made the tables stops the "
     "run under any policy; losing the agent running the global check makes "
     "the run incomplete (not verified)"},
    {"agents.max_lost_agents", "0", "agents the run may lose (with continue)",
     0, 1e6},
    {"agents.allow_partial_start", "false",
     "start with the agents that answered GetInfo, leaving out the others"},
    {"agents.weight_by_cores", "false",
     "split connections and rate by the CPUs each agent may use (affinity "
     "mask capped by its cgroup CPU quota: a pod's CPU limit); one "
     "connection each first"},
    {"agents.heartbeat_interval", "1s", "how often each side says it lives",
     0.1, 60},
    {"agents.heartbeat_timeout", "5s",
     "an agent or coordinator silent this long is lost; at least twice "
     "`heartbeat_interval`",
     0.2, 3600},
    {"alongside", "",
     "scenarios repeated while the load runs, each on its own connections "
     "and tables (see Scenarios)",
     1, kNoMax,
     "[{kind: scenario/isolation, every: 10s}, "
     "{kind: scenario/deadlock, every: 30s, agents: 1}]"},
    {"alongside.*.kind", "", "a scenario (`scenario/<name>`)"},
    {"alongside.*.options", "", "the scenario's options"},
    {"alongside.*.every", "10s", "time between the starts of two rounds", 0.1,
     86400},
    {"alongside.*.agents", "0", "run it on the first N agents; 0 = all"},
    {"faults", "",
     "faults fired during the measured run, each marked on the report's "
     "timeline with its outcome and the recovery measured from the "
     "intervals (see Resilience testing); an action acts on the database "
     "(`exec`, `sql`, `kill_connections`) or on the load itself "
     "(`pause_load: true`, or `set_rate: {factor: 3}` in the open model: a "
     "spike to 3x the rate), until `duration` ends it",
     1, kNoMax,
     "[{name: stop a node, at: 4s, duration: 3s, action: {exec: "
     "\"systemctl stop tidb-1\"}, recover: {exec: \"systemctl start "
     "tidb-1\"}}, {name: pause, at: 8s, duration: 1s, action: {pause_load: "
     "true}}]"},
    {"faults.*.name", "", "shown in the report (default: the action)"},
    {"faults.*.at", "0s", "when it fires, into the measured run", 0,
     kThirtyDays},
    {"faults.*.every", "",
     "fire again this long after each start (from `at` on) until the run "
     "ends; unset = once",
     0.1, kThirtyDays},
    {"faults.*.duration", "0s",
     "how long the fault lasts: its `recover` runs this long after the "
     "action started",
     0, kThirtyDays},
    {"faults.*.action.exec", "",
     "what the fault does (one of exec, sql, kill_connections, pause_load, "
     "set_rate): a command run "
     "by the coordinator with `/bin/sh -c` (e.g. `kubectl "
     "delete pod tidb-1`); refused unless the coordinator runs with "
     "`--allow-exec`; its exit status and output are recorded"},
    {"faults.*.action.env", "", "variables added to the command's environment"},
    {"faults.*.action.sql", "",
     "statements run in order on a connection of their own, opened by the "
     "first agent and held until `recover` (which runs its own `sql` on it), "
     "so that `LOCK TABLES t WRITE` holds for `duration`"},
    {"faults.*.action.endpoint", "",
     "the server of target.endpoints (`host:port`) the statements go to; "
     "unset = the first"},
    {"faults.*.action.kill_connections", "",
     "every agent drops this share of its load connections abruptly (their "
     "sockets shut down), e.g. 0.5; the workers reconnect (counted)",
     0.000001, 1},
    {"faults.*.action.pause_load", "",
     "`true`: every agent starts no new operation until the fault's end "
     "(either model; an operation under way finishes); in the open model "
     "the arrivals of the pause are skipped, not queued, so no burst "
     "follows. Needs `duration`; the end resumes the plan's load"},
    {"faults.*.action.set_rate.factor", "",
     "`set_rate` changes the open model's rate until the fault's end, which "
     "restores the plan's rate (its stages followed); it takes one of "
     "`factor` and `rate`, needs `duration`, and is refused with a "
     "closed-model plan. `factor`: times the plan's rate (stages and ramps "
     "followed, scaled), e.g. 3 for a spike to 3x",
     0.001, 1000},
    {"faults.*.action.set_rate.rate", "",
     "total ops/s, split across agents as `load.rate` is", 0.001, 1e9},
    {"faults.*.recover.exec", "",
     "what ends the fault (`recover` takes one of exec, sql, "
     "kill_connections, as `action` does; a load action takes none), run "
     "`duration` after the action "
     "started, or at once when the run stops first: as action.exec"},
    {"faults.*.recover.env", "", "as action.env"},
    {"faults.*.recover.sql", "",
     "as action.sql, on the action's connection when it had sql"},
    {"faults.*.recover.endpoint", "", "as action.endpoint"},
    {"faults.*.recover.kill_connections", "", "as action.kill_connections",
     0.000001, 1},
    {"faults.*.recover.pause_load", "",
     "not taken: a load action's end restores the plan's load by itself"},
    {"faults.*.recover.set_rate.factor", "", "not taken", 0.001, 1000},
    {"faults.*.recover.set_rate.rate", "", "not taken", 0.001, 1e9},
    {"faults.*.timeout", "60s",
     "time limit of each step: a command still running is killed (its "
     "process group), statements are abandoned; either is reported as timed "
     "out",
     0.1, 86400},
    {"faults.*.baseline", "10s",
     "the window before the fault whose intervals give the baseline "
     "throughput and p99",
     0.1, 86400},
    {"faults.*.recovered_throughput", "0.9",
     "recovered once an interval's throughput is at least this share of the "
     "baseline...",
     0.01, 10},
    {"faults.*.recovered_p99", "2",
     "...and its p99 at most this many times the baseline p99", 1, 1000},
};

// The path without list positions: "load.stages.0.rate", "load.stages.*.rate"
// and "load.stages.rate" (the loader's own form) are one key.
std::string Normalized(absl::string_view path) {
  std::vector<absl::string_view> kept;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (part == "*" || (!part.empty() && part.find_first_not_of("0123456789") ==
                                             absl::string_view::npos)) {
      continue;
    }
    kept.push_back(part);
  }
  return absl::StrJoin(kept, ".");
}

std::string Cell(absl::string_view s) {
  return absl::StrReplaceAll(s, {{"|", "\\|"}});
}

std::string Bound(double v) {
  if (std::abs(v) < 1e15 && v == std::floor(v)) {
    return absl::StrCat(static_cast<int64_t>(v));  // 1000000, not 1e+06
  }
  return absl::StrCat(v);
}

std::string DurationBound(double seconds) {
  return rig::FormatDuration(absl::Seconds(seconds));
}

// The defaults as a YAML tree; a list entry's default becomes a one-entry
// list, which ApplyPlanDefaults reads for every entry.
YAML::Node DefaultsTree() {
  YAML::Node root(YAML::NodeType::Map);
  for (const PlanKey& k : kKeys) {
    if (*k.value == '\0') continue;
    YAML::Node node;
    node.reset(root);
    const std::vector<std::string> parts = absl::StrSplit(k.path, '.');
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      YAML::Node child;
      if (parts[i] == "*") {
        if (node.size() == 0) node.push_back(YAML::Node(YAML::NodeType::Map));
        child = node[0];
      } else {
        if (!node[parts[i]]) {
          node[parts[i]] =
              YAML::Node(parts[i + 1] == "*" ? YAML::NodeType::Sequence
                                             : YAML::NodeType::Map);
        }
        child = node[parts[i]];
      }
      node.reset(child);
    }
    node[parts.back()] = YAML::Load(k.value);
  }
  return root;
}

// Empties every list of sections (the models of their entries' defaults).
void ClearLists(google::protobuf::Message& m) {
  const google::protobuf::Reflection* r = m.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const auto* f : fields) {
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    if (f->is_repeated()) {
      if (!f->is_map()) r->ClearField(&m, f);
    } else {
      ClearLists(*r->MutableMessage(&m, f));
    }
  }
}

}  // namespace

absl::Span<const PlanKey> PlanKeys() { return kKeys; }

const PlanKey* FindPlanKey(const std::string& path) {
  const std::string key = Normalized(path);
  for (const PlanKey& k : kKeys) {
    if (key == Normalized(k.path)) return &k;
  }
  return nullptr;
}

bool IsDurationKey(const PlanKey& key) {
  const google::protobuf::Descriptor* d = rig::v1::Plan::descriptor();
  const google::protobuf::FieldDescriptor* f = nullptr;
  for (absl::string_view part : absl::StrSplit(key.path, '.')) {
    if (part == "*") continue;
    if (d == nullptr) return false;
    f = d->FindFieldByName(std::string(part));
    if (f == nullptr) return false;
    d = f->message_type();
  }
  return d != nullptr && d->full_name() == "google.protobuf.Duration";
}

const rig::v1::Plan& PlanDefaultsWithListModels() {
  static const rig::v1::Plan* plan = [] {
    YAML::Emitter yaml;
    yaml << DefaultsTree();
    auto parsed = ParsePlanWithoutDefaults(yaml.c_str(), "the plan defaults");
    if (!parsed.ok()) {  // the table itself is wrong: every test shows it
      std::fprintf(stderr, "%s\n", parsed.status().ToString().c_str());
      std::abort();
    }
    return new rig::v1::Plan(*std::move(parsed));
  }();
  return *plan;
}

const rig::v1::Plan& PlanDefaults() {
  static const rig::v1::Plan* plan = [] {
    auto* p = new rig::v1::Plan(PlanDefaultsWithListModels());
    ClearLists(*p);
    return p;
  }();
  return *plan;
}

std::string PlanReferenceMarkdown() {
  std::string out =
      "| key | default | meaning |\n"
      "|---|---|---|\n";
  for (const PlanKey& k : kKeys) {
    std::string meaning = Cell(k.help);
    if (k.min <= k.max) {
      auto bound = IsDurationKey(k) ? DurationBound : Bound;
      absl::StrAppend(&meaning, " (", bound(k.min), " to ", bound(k.max), ")");
    }
    if (*k.example != '\0') {
      absl::StrAppend(&meaning, "; e.g. `", Cell(k.example), "`");
    }
    absl::StrAppend(&out, "| `", k.path, "` | ", Cell(k.value), " | ", meaning,
                    " |\n");
  }
  return out;
}

}  // namespace rig::plan
