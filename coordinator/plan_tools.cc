#include "coordinator/plan_tools.h"

#include <functional>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/base/duration.h"
#include "common/base/proto_duration.h"
#include "common/base/sql_identifier.h"
#include "common/base/status_macros.h"
#include "coordinator/results/thresholds.h"
#include "plan/endpoints.h"
#include "plan/fault_kinds.h"
#include "plan/kinds.h"
#include "plan/plan.h"
#include "plan/schema.h"
#include "plan/target.h"

namespace rig::coordinator {

using rig::plan::IsScenario;

namespace {

std::string Where(const std::string& path, const std::string& yaml,
                  const std::string& key) {
  const int line = rig::plan::KeyLine(yaml, key);
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

// One step of a fault (action or recover): exactly one kind, env only with
// exec, endpoint only with sql and one of the plan's; a load step
// (pause_load, set_rate) only as an action, set_rate with one of factor and
// rate and only in the open model.
absl::Status CheckFaultStep(const rig::v1::Plan& plan,
                            const rig::v1::FaultAction& a,
                            const std::string& key, const std::string& yaml,
                            const std::string& path, bool allow_exec,
                            bool is_recover) {
  const int kinds = (a.exec().empty() ? 0 : 1) + (a.sql_size() > 0 ? 1 : 0) +
                    (a.kill_connections() > 0 ? 1 : 0) +
                    (a.pause_load() ? 1 : 0) + (a.has_set_rate() ? 1 : 0);
  if (kinds != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        Where(path, yaml, key), ": \"", key, "\" needs ",
        kinds == 0 ? "an action" : "one action, not several",
        ": exec (a command), sql (statements), kill_connections (a "
        "share), pause_load (true) or set_rate ({factor: F} or {rate: "
        "ops/s})"));
  }
  if (plan::IsLoadAction(a) && is_recover) {
    const std::string sub = a.pause_load() ? ".pause_load" : ".set_rate";
    return absl::InvalidArgumentError(absl::StrCat(
        Where(path, yaml, key + sub), ": \"", key, sub,
        "\": a load change is not a recover step: a pause_load or set_rate "
        "fault's own end restores the plan's load (make the change a fault "
        "of its own)"));
  }
  if (a.has_set_rate()) {
    const rig::v1::LoadRate& r = a.set_rate();
    const std::string sub = key + ".set_rate";
    if ((r.factor() > 0) == (r.rate() > 0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(path, yaml, sub), ": \"", sub, "\" needs ",
          r.factor() > 0 ? "one of factor and rate, not both"
                         : "factor (times the plan's rate) or rate (total "
                           "ops/s)"));
    }
    if (!plan::IsOpenModel(plan.load())) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(path, yaml, sub), ": \"", sub,
          "\" changes the open model's rate, but the plan is the closed "
          "model (no load.rate, no load.stages): give load.rate, or use "
          "pause_load"));
    }
  }
  if (!a.exec().empty() && !allow_exec) {
    return absl::InvalidArgumentError(absl::StrCat(
        Where(path, yaml, key + ".exec"), ": \"", key,
        ".exec\" runs a command on the coordinator's machine, which only a "
        "coordinator started with --allow-exec does (a plan file alone must "
        "not be able to run commands)"));
  }
  if (!a.env().empty() && a.exec().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(path, yaml, key + ".env"), ": \"", key,
                     ".env\" is for exec; this step runs sql"));
  }
  for (int i = 0; i < a.sql_size(); ++i) {
    if (a.sql(i).find_first_not_of(" \t\r\n") == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(Where(path, yaml, key + ".sql"), ": \"", key,
                       ".sql\" statement ", i + 1, " is empty"));
    }
  }
  if (!a.endpoint().empty()) {
    const std::string where = Where(path, yaml, key + ".endpoint");
    if (a.sql_size() == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": \"", key, ".endpoint\" is for sql"));
    }
    auto endpoints = plan::TargetEndpoints(plan.target());
    bool known = false;
    std::vector<std::string> names;
    if (endpoints.ok()) {
      for (const auto& e : *endpoints) {
        names.push_back(e.name);
        known = known || e.name == a.endpoint();
      }
    }
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": \"", key, ".endpoint\" is \"", a.endpoint(),
                       "\", not one of the target's endpoints (",
                       absl::StrJoin(names, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

// The measured run's length as the plan asks it (stages, else duration).
absl::Duration MeasuredLength(const rig::v1::Load& load) {
  if (load.stages_size() == 0) return FromProto(load.duration());
  absl::Duration total;
  for (const auto& s : load.stages()) total += FromProto(s.duration());
  return total;
}

absl::Status CheckFaults(const rig::v1::Plan& plan, const std::string& yaml,
                         const std::string& path, bool allow_exec) {
  if (plan.faults_size() > 0 && IsScenario(plan.workload().kind())) {
    return absl::InvalidArgumentError(absl::StrCat(
        Where(path, yaml, "faults"),
        ": \"faults\" fire during a load workload's measured run, but "
        "workload.kind is the scenario \"",
        plan.workload().kind(), "\""));
  }
  const absl::Duration length = MeasuredLength(plan.load());
  for (int i = 0; i < plan.faults_size(); ++i) {
    const rig::v1::Fault& f = plan.faults(i);
    const std::string key = absl::StrCat("faults.", i);
    if (!f.has_action()) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(path, yaml, key), ": \"", key,
          ".action\" is missing: exec (a command), sql (statements), "
          "kill_connections (a share), pause_load or set_rate"));
    }
    RETURN_IF_ERROR(CheckFaultStep(plan, f.action(), key + ".action", yaml,
                                   path, allow_exec, /*is_recover=*/false));
    if (plan::IsLoadAction(f.action())) {
      const char* what = f.action().pause_load() ? "pause_load" : "set_rate";
      if (f.has_recover()) {
        return absl::InvalidArgumentError(absl::StrCat(
            Where(path, yaml, key + ".recover"), ": \"", key,
            ".recover\" is not taken by a ", what,
            " fault: its end restores the plan's load by itself (put another "
            "step in a fault of its own)"));
      }
      if (FromProto(f.duration()) <= absl::ZeroDuration()) {
        return absl::InvalidArgumentError(absl::StrCat(
            Where(path, yaml, key), ": \"", key, ".duration\" is missing: a ",
            what,
            " fault needs one (how long the load stays changed; its end "
            "restores the plan's load)"));
      }
    }
    if (f.has_recover()) {
      RETURN_IF_ERROR(CheckFaultStep(plan, f.recover(), key + ".recover", yaml,
                                     path, allow_exec, /*is_recover=*/true));
      if (f.action().sql_size() > 0 && f.recover().sql_size() > 0 &&
          f.recover().endpoint() != f.action().endpoint()) {
        return absl::InvalidArgumentError(absl::StrCat(
            Where(path, yaml, key + ".recover.endpoint"), ": \"", key,
            ".recover\" runs its sql on the action's connection: its "
            "endpoint must be the action's"));
      }
    }
    const absl::Duration at = FromProto(f.at());
    const absl::Duration duration = FromProto(f.duration());
    if (at >= length) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(path, yaml, key + ".at"), ": \"", key, ".at\" is ",
          rig::FormatDuration(at), ", not inside the measured run (",
          rig::FormatDuration(length), ")"));
    }
    if (f.has_every() && FromProto(f.every()) <= duration) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(path, yaml, key + ".every"), ": \"", key, ".every\" is ",
          rig::FormatDuration(FromProto(f.every())),
          ", not longer than its duration (", rig::FormatDuration(duration),
          "): occurrences would overlap"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidatePlanSemantics(
    const rig::v1::Plan& plan, const std::string& yaml, const std::string& path,
    const std::vector<rig::v1::WorkloadInfo>& workloads,
    const std::function<absl::Status(const rig::v1::Plan&, bool whole)>&
        check_options,
    bool allow_exec) {
  RETURN_IF_ERROR(CheckWorkload(plan, plan.workload(), "workload", yaml, path,
                                workloads, check_options));
  for (const auto& [name, value] : plan.target().session_vars()) {
    if (!IsPlainIdentifier(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(path, yaml, "target.session_vars." + name),
          ": \"target.session_vars\" key \"", name,
          "\" is not a variable name (letters, digits and _ only)"));
    }
  }
  if (auto endpoints = plan::TargetEndpoints(plan.target()); !endpoints.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(path, yaml, "target.endpoints"),
                     ": \"target.endpoints\": ", endpoints.status().message()));
  }
  std::string tls_key;
  if (absl::Status s = rig::plan::CheckTargetTls(plan.target(), &tls_key);
      !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(path, yaml, tls_key), ": ", s.message()));
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
    RETURN_IF_ERROR(
        CheckWorkload(plan, w, key, yaml, path, workloads, check_options));
  }
  RETURN_IF_ERROR(CheckFaults(plan, yaml, path, allow_exec));
  for (int i = 0; i < plan.thresholds_size(); ++i) {
    if (auto t = ParseThreshold(plan.thresholds(i)); !t.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(path, yaml, "thresholds"), ": ", t.status().message()));
    }
  }
  if (const absl::Duration interval =
          FromProto(plan.agents().heartbeat_interval()),
      timeout = FromProto(plan.agents().heartbeat_timeout());
      timeout < 2 * interval) {
    return absl::InvalidArgumentError(absl::StrCat(
        Where(path, yaml, "agents.heartbeat_timeout"),
        ": \"agents.heartbeat_timeout\" is ", rig::FormatDuration(timeout),
        ", less than twice agents.heartbeat_interval (",
        rig::FormatDuration(interval),
        "): one late heartbeat would make a healthy agent look lost"));
  }
  if (plan.load().connections() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": \"load.connections\" must be at least 1"));
  }
  return absl::OkStatus();
}

namespace {

// `text` as comment lines of at most ~76 columns, indented.
std::string Comment(absl::string_view text, const std::string& indent) {
  std::string out;
  std::string line;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (!line.empty() && indent.size() + line.size() + word.size() > 74) {
      absl::StrAppend(&out, indent, "#", line, "\n");
      line.clear();
    }
    absl::StrAppend(&line, " ", word);
  }
  if (!line.empty()) absl::StrAppend(&out, indent, "#", line, "\n");
  return out;
}

// The workload's options block: the sql workload's example, or each
// declared option commented out with its default.
std::string InitOptions(const rig::v1::WorkloadInfo& w,
                        const std::string& indent) {
  if (w.name() == "sql") {
    return absl::StrCat(
        indent, "options:\n", indent,
        "  setup: [\"CREATE TABLE IF NOT EXISTS kv (id BIGINT PRIMARY KEY, "
        "v VARCHAR(64))\"]\n",
        indent, "  cleanup: [\"DROP TABLE IF EXISTS kv\"]\n", indent,
        "  statements:\n", indent,
        "    - \"INSERT INTO kv VALUES ({seq}, {name}) ON DUPLICATE KEY "
        "UPDATE v = {name}\"\n",
        indent, "    - \"SELECT v FROM kv WHERE id = {hot}\"\n", indent,
        "  params:\n", indent, "    seq: {type: sequence, start: 1}\n", indent,
        "    hot: {type: zipfian, min: 1, max: 100000, exp: 0.8}\n", indent,
        "    name: {type: string, length: 16}\n", indent,
        "  transaction: true\n");
  }
  if (w.options_size() == 0) return absl::StrCat(indent, "options: {}\n");
  std::string out = absl::StrCat(indent, "options:\n");
  for (const auto& o : w.options()) {
    absl::StrAppend(
        &out, Comment(absl::StrCat(o.type(), ": ", o.help()), indent + "  "),
        indent, "  # ", o.name(), ": ",
        o.default_value().empty() ? "~" : o.default_value(), "\n");
  }
  return out;
}

}  // namespace

std::string InitPlan(const rig::v1::WorkloadInfo& w) {
  std::string out = absl::StrCat(
      "# A plan for rig-coordinator (", w.name(), ").\n# ", w.description(),
      "\n#\n"
      "# Every key is optional except workload.kind; the values shown are the\n"
      "# defaults, the commented ones examples. Check it with:\n"
      "#   rig-coordinator plan validate FILE\n");
  std::vector<std::string> open;  // the sections written so far
  for (const rig::plan::PlanKey& k : rig::plan::PlanKeys()) {
    const std::string path = k.path;
    if (absl::StrContains(path, "*")) continue;  // each entry's keys
    std::vector<std::string> parts = absl::StrSplit(path, '.');
    const std::string name = parts.back();
    parts.pop_back();
    std::string value = k.value;
    bool commented = false;
    if (path == "name" || path == "workload.kind") {
      value = w.name();
    } else if ((path == "alongside" || path == "faults") &&
               IsScenario(w.name())) {
      continue;
    } else if (path != "workload.options" && value.empty()) {
      if (*k.example == '\0') continue;
      value = k.example;
      commented = !k.init_writes_example;
    }
    // Open the sections this key is in.
    size_t same = 0;
    while (same < open.size() && same < parts.size() &&
           open[same] == parts[same]) {
      ++same;
    }
    open.resize(same);
    for (size_t i = same; i < parts.size(); ++i) {
      absl::StrAppend(&out, std::string(2 * i, ' '), parts[i], ":\n");
      open.push_back(parts[i]);
    }
    const std::string indent(2 * parts.size(), ' ');
    if (path == "workload.options") {
      absl::StrAppend(&out, InitOptions(w, indent));
      continue;
    }
    absl::StrAppend(&out, Comment(k.help, indent), indent,
                    commented ? "# " : "", name, ": ", value, "\n");
  }
  return out;
}

}  // namespace rig::coordinator
