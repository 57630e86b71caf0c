// The checks `plan validate` and a run make before any agent is contacted
// (coordinator/plan_tools.h), with the agent's own catalogue of workloads
// and scenarios, as rig-coordinator does.

#include "coordinator/plan_tools.h"

#include <gtest/gtest.h>

#include "agent/engine/catalogue.h"
#include "plan/kinds.h"
#include "plan/plan.h"
#include "plan/schema.h"

namespace rig::coordinator {
namespace {

std::vector<rig::v1::WorkloadInfo> Catalogue() {
  return agent::Catalogue::Default().List();
}

absl::Status CheckOptions(const rig::v1::Plan& p, bool whole) {
  return agent::Catalogue::Default().Check(p.workload(), whole);
}

// The error for `yaml` ("" if it passes both the parse and the semantics).
std::string Check(const std::string& yaml) {
  auto plan = rig::plan::ParsePlan(yaml, "plan.yaml");
  if (!plan.ok()) return std::string(plan.status().message());
  return std::string(
      ValidatePlanSemantics(*plan, yaml, "plan.yaml", Catalogue(), CheckOptions)
          .message());
}

// The same, as a coordinator started with --allow-exec checks it.
std::string CheckAllowingExec(const std::string& yaml) {
  auto plan = rig::plan::ParsePlan(yaml, "plan.yaml");
  if (!plan.ok()) return std::string(plan.status().message());
  return std::string(ValidatePlanSemantics(*plan, yaml, "plan.yaml",
                                           Catalogue(), CheckOptions,
                                           /*allow_exec=*/true)
                         .message());
}

constexpr char kLoad[] =
    "workload: {kind: oltp_point_select}\n"
    "load: {connections: 2}\n";

TEST(PlanToolsTest, AGoodPlanWithAlongsidePasses) {
  EXPECT_EQ(
      Check(std::string(kLoad) + "alongside:\n"
                                 "  - kind: scenario/isolation\n"
                                 "    every: 5s\n"
                                 "    options: {rows: 20}\n"
                                 "  - {kind: scenario/deadlock, agents: 1}\n"),
      "");
}

TEST(PlanToolsTest, UnknownWorkloadAndOptionNameTheirLine) {
  EXPECT_EQ(Check("load: {connections: 2}\nworkload: {kind: oltp_nope}\n")
                .substr(0, 44),
            "plan.yaml:2: \"workload.kind\" is \"oltp_nope\",");
  const std::string msg = Check(
      "workload:\n  kind: oltp_point_select\n  options:\n    rang_size: 5\n");
  EXPECT_EQ(msg.substr(0, msg.find(':', 10)), "plan.yaml:4") << msg;
  EXPECT_NE(msg.find("unknown key \"workload.options.rang_size\""),
            std::string::npos)
      << msg;
}

TEST(PlanToolsTest, AlongsideErrorsNameTheEntryAndLine) {
  std::string msg = Check(std::string(kLoad) +
                          "alongside:\n"
                          "  - kind: scenario/isolation\n"
                          "  - kind: oltp_read_write\n");
  EXPECT_EQ(msg.rfind("plan.yaml:5: \"alongside.1.kind\" is "
                      "\"oltp_read_write\": alongside takes scenarios",
                      0),
            0u)
      << msg;

  msg = Check(std::string(kLoad) +
              "alongside:\n"
              "  - kind: scenario/isolation\n"
              "    options:\n"
              "      rowz: 3\n");
  EXPECT_EQ(msg.rfind("plan.yaml:6: unknown key "
                      "\"alongside.0.options.rowz\": workload "
                      "scenario/isolation has options rows",
                      0),
            0u)
      << msg;

  msg = Check(std::string(kLoad) +
              "alongside:\n"
              "  - kind: scenario/isolation\n"
              "    options: {rows: 0}\n");
  EXPECT_EQ(msg.rfind("plan.yaml:5: ", 0), 0u) << msg;
  EXPECT_NE(msg.find("rows must be at least 1"), std::string::npos) << msg;

  msg = Check(std::string(kLoad) +
              "alongside:\n"
              "  - kind: scenario/isolation\n"
              "  - kind: scenario/isolation\n");
  EXPECT_EQ(msg.rfind("plan.yaml:5: \"scenario/isolation\" is listed twice", 0),
            0u)
      << msg;

  msg = Check(std::string(kLoad) +
              "alongside:\n"
              "  - kind: scenario/isolation\n"
              "    every: -1s\n");
  EXPECT_EQ(msg.rfind("plan.yaml:5: \"alongside.every\": invalid duration "
                      "\"-1s\": must not be negative",
                      0),
            0u)
      << msg;

  msg = Check(std::string(kLoad) +
              "alongside:\n"
              "  - kind: scenario/isolation\n"
              "    agents: -2\n");
  EXPECT_EQ(msg.rfind("plan.yaml:5: \"alongside.0.agents\" must not be "
                      "negative",
                      0),
            0u)
      << msg;

  msg = Check(
      "workload: {kind: scenario/savepoints}\n"
      "alongside:\n"
      "  - kind: scenario/isolation\n");
  EXPECT_EQ(msg.rfind("plan.yaml:2: \"alongside\" runs scenarios next to a "
                      "load workload",
                      0),
            0u)
      << msg;
}

// session_vars values are SQL expressions (documented); their names go into
// SET SESSION as they are, so only a plain name passes.
TEST(PlanToolsTest, AHeartbeatTimeoutUnderTwoIntervalsIsRefused) {
  EXPECT_EQ(Check(std::string(kLoad) +
                  "agents: {heartbeat_interval: 1s, heartbeat_timeout: 2s}\n"),
            "");
  EXPECT_EQ(Check(std::string(kLoad) + "agents:\n  heartbeat_interval: 1s\n"
                                       "  heartbeat_timeout: 1500ms\n"),
            "plan.yaml:5: \"agents.heartbeat_timeout\" is 1.5s, less than "
            "twice agents.heartbeat_interval (1s): one late heartbeat would "
            "make a healthy agent look lost");
}

TEST(PlanToolsTest, SessionVariableNamesArePlainIdentifiers) {
  EXPECT_EQ(Check(std::string(kLoad) +
                  "target: {session_vars: {tidb_txn_mode: pessimistic, "
                  "autocommit: 1}}\n"),
            "");
  EXPECT_EQ(Check(std::string(kLoad) +
                  "target:\n  session_vars:\n"
                  "    'autocommit = 1, GLOBAL max_connections': 5\n"),
            "plan.yaml:5: \"target.session_vars\" key \"autocommit = 1, "
            "GLOBAL max_connections\" is not a variable name (letters, digits "
            "and _ only)");
}

TEST(PlanToolsTest, TlsKeysThatDisagreeNameTheKeyAndLine) {
  for (const char* good :
       {"target: {tls_mode: preferred}\n", "target: {tls: true}\n",
        "target: {tls: true, tls_mode: verify-identity}\n",
        "target: {tls_mode: verify-ca, tls_ca: /ca.pem}\n",
        "target: {tls_mode: verify-identity}\n",
        "target: {tls_mode: required, tls_cert: /c.pem, tls_key: /c.key}\n"}) {
    EXPECT_EQ(Check(std::string(kLoad) + good), "") << good;
  }
  EXPECT_EQ(Check(std::string(kLoad) +
                  "target:\n  tls: true\n  tls_mode: preferred\n"),
            "plan.yaml:4: \"target.tls\" is true (TLS required) but "
            "\"target.tls_mode\" is preferred: keep one of them");
  EXPECT_EQ(Check(std::string(kLoad) + "target:\n  tls_mode: verify-ca\n"),
            "plan.yaml:4: \"target.tls_mode\" verify-ca needs "
            "\"target.tls_ca\" (the CA that signed the server's certificate)");
  EXPECT_EQ(Check(std::string(kLoad) +
                  "target:\n  tls_mode: required\n  tls_ca: /ca.pem\n"),
            "plan.yaml:5: \"target.tls_ca\" is set but \"target.tls_mode\" "
            "is required, which does not check the server's certificate: use "
            "verify-ca or verify-identity");
  EXPECT_EQ(Check(std::string(kLoad) +
                  "target:\n  tls_mode: required\n  tls_key: /c.key\n"),
            "plan.yaml:5: \"target.tls_cert\" and \"target.tls_key\" go "
            "together (a client certificate and its key)");
  EXPECT_EQ(Check(std::string(kLoad) +
                  "target:\n  tls_cert: /c.pem\n  tls_key: /c.key\n"),
            "plan.yaml:4: \"target.tls_cert\" is set but \"target.tls_mode\" "
            "is disabled: a client certificate needs TLS");
  EXPECT_EQ(Check(std::string(kLoad) + "target: {tls_mode: verify}\n"),
            "plan.yaml:3: \"target.tls_mode\" must be one of disabled, "
            "preferred, required, verify-ca, verify-identity, not \"verify\"");
}

TEST(PlanToolsTest, KeyLineStepsIntoLists) {
  const std::string yaml =
      "alongside:\n"
      "  - kind: a\n"
      "  - kind: b\n"
      "    every: 1s\n";
  EXPECT_EQ(rig::plan::KeyLine(yaml, "alongside"), 1);
  EXPECT_EQ(rig::plan::KeyLine(yaml, "alongside.1"), 3);
  EXPECT_EQ(rig::plan::KeyLine(yaml, "alongside.1.every"), 4);
  EXPECT_EQ(rig::plan::KeyLine(yaml, "alongside.2"), 0);
}

TEST(PlanToolsTest, EveryInitPlanValidatesAndItsAlongsideExampleToo) {
  for (const auto& w : Catalogue()) {
    SCOPED_TRACE(w.name());
    const std::string yaml = InitPlan(w);
    EXPECT_EQ(Check(yaml), "") << yaml;
    const bool scenario = rig::plan::IsScenario(w.name());
    const size_t at = yaml.find("\n# alongside: [");
    EXPECT_EQ(at == std::string::npos, scenario) << yaml;
    if (at == std::string::npos) continue;
    // Uncommented, the example is a valid plan.
    std::string uncommented = yaml;
    uncommented.erase(at + 1, 2);
    auto plan = rig::plan::ParsePlan(uncommented, "init.yaml");
    ASSERT_TRUE(plan.ok()) << plan.status() << "\n" << uncommented;
    EXPECT_EQ(plan->alongside_size(), 2);
    EXPECT_EQ(Check(uncommented), "") << uncommented;
  }
}

TEST(PlanToolsTest, InitPlansShowACommentedFaultsExample) {
  for (const auto& w : Catalogue()) {
    SCOPED_TRACE(w.name());
    const std::string yaml = InitPlan(w);
    const size_t at = yaml.find("\n# faults: [");
    EXPECT_EQ(at == std::string::npos, rig::plan::IsScenario(w.name())) << yaml;
    if (at == std::string::npos) continue;
    std::string uncommented = yaml;
    uncommented.erase(at + 1, 2);
    auto plan = rig::plan::ParsePlan(uncommented, "init.yaml");
    ASSERT_TRUE(plan.ok()) << plan.status() << "\n" << uncommented;
    ASSERT_EQ(plan->faults_size(), 2);
    EXPECT_TRUE(plan->faults(1).action().pause_load());
    EXPECT_EQ(CheckAllowingExec(uncommented), "") << uncommented;
    EXPECT_NE(Check(uncommented).find("--allow-exec"), std::string::npos);
  }
}

// plan init writes every default of plan/schema.h, with its value: the
// plan as written is the plan with the defaults applied.
TEST(PlanToolsTest, InitPlansWriteEveryDefaultOfTheTable) {
  for (const auto& w : Catalogue()) {
    SCOPED_TRACE(w.name());
    auto written = rig::plan::ParsePlanWithoutDefaults(InitPlan(w), "init");
    ASSERT_TRUE(written.ok()) << written.status();
    rig::v1::Plan filled = *written;
    rig::plan::ApplyPlanDefaults(filled);
    EXPECT_EQ(written->DebugString(), filled.DebugString());
    EXPECT_EQ(written->resilience().DebugString(),
              rig::plan::PlanDefaults().resilience().DebugString());
  }
}

TEST(PlanToolsTest, FaultsPass) {
  const std::string plan =
      std::string(kLoad) +
      "faults:\n"
      "  - name: lock\n"
      "    at: 2s\n"
      "    duration: 2s\n"
      "    action: {sql: [\"LOCK TABLES sbtest1 WRITE\"]}\n"
      "    recover: {sql: [\"UNLOCK TABLES\"]}\n"
      "  - at: 1s\n"
      "    every: 3s\n"
      "    action: {exec: \"true\", env: {A: b}}\n"
      "  - {at: 5s, action: {kill_connections: 0.5}}\n";
  EXPECT_EQ(CheckAllowingExec(plan), "");
  EXPECT_NE(CheckAllowingExec(std::string(kLoad) +
                              "faults: [{action: {kill_connections: 1.5}}]\n")
                .find("\"faults.action.kill_connections\" is 1.5"),
            std::string::npos);
}

TEST(PlanToolsTest, AnExecFaultNeedsAllowExec) {
  const std::string plan = std::string(kLoad) +
                           "faults:\n"
                           "  - at: 1s\n"
                           "    action:\n"
                           "      exec: \"systemctl stop tidb\"\n";
  const std::string msg = Check(plan);
  EXPECT_EQ(msg.substr(0, msg.find(' ')), "plan.yaml:6:") << msg;
  EXPECT_NE(msg.find("\"faults.0.action.exec\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("--allow-exec"), std::string::npos) << msg;
  EXPECT_EQ(CheckAllowingExec(plan), "");
}

TEST(PlanToolsTest, FaultErrorsNameTheKeyAndLine) {
  auto fault = [](const std::string& body) {
    return std::string(kLoad) + "faults:\n  - at: 1s\n" + body;
  };
  std::string msg = CheckAllowingExec(fault("    duration: 1s\n"));
  EXPECT_NE(msg.find("plan.yaml:4: \"faults.0.action\" is missing"),
            std::string::npos)
      << msg;
  msg = CheckAllowingExec(
      fault("    action: {exec: \"true\", sql: [\"SELECT 1\"]}\n"));
  EXPECT_NE(msg.find("plan.yaml:5: \"faults.0.action\" needs one action, not "
                     "several"),
            std::string::npos)
      << msg;
  msg = CheckAllowingExec(
      fault("    action: {sql: [\"SELECT 1\"], endpoint: \"db9:1\"}\n"));
  EXPECT_NE(msg.find("plan.yaml:5: \"faults.0.action.endpoint\" is \"db9:1\", "
                     "not one of the target's endpoints (127.0.0.1:4000)"),
            std::string::npos)
      << msg;
  msg = CheckAllowingExec(std::string(kLoad) +
                          "faults:\n  - at: 10s\n    action: {exec: x}\n");
  EXPECT_NE(msg.find("plan.yaml:4: \"faults.0.at\" is 10s, not inside the "
                     "measured run (10s)"),
            std::string::npos)
      << msg;
  msg = CheckAllowingExec(
      fault("    every: 2s\n    duration: 2s\n    action: {exec: x}\n"));
  EXPECT_NE(msg.find("plan.yaml:5: \"faults.0.every\" is 2s, not longer than "
                     "its duration (2s)"),
            std::string::npos)
      << msg;
  msg = CheckAllowingExec(fault("    action: {exec: x}\n    tmeout: 1s\n"));
  EXPECT_NE(msg.find("tmeout"), std::string::npos) << msg;
}

// pause_load and set_rate: the load itself changes until the fault's end.
TEST(PlanToolsTest, LoadFaultsPass) {
  const std::string open =
      "workload: {kind: oltp_point_select}\n"
      "load: {connections: 2, rate: 100}\n"
      "faults:\n"
      "  - {at: 1s, duration: 2s, action: {set_rate: {factor: 3}}}\n"
      "  - {at: 4s, duration: 1s, action: {set_rate: {rate: 500}}}\n"
      "  - {at: 6s, every: 3s, duration: 1s, action: {pause_load: true}}\n";
  EXPECT_EQ(Check(open), "");
  // pause_load in the closed model too.
  EXPECT_EQ(Check(std::string(kLoad) +
                  "faults: [{at: 1s, duration: 1s, action: {pause_load: "
                  "true}}]\n"),
            "");
  // Stages are the open model.
  EXPECT_EQ(Check("workload: {kind: oltp_point_select}\n"
                  "load: {stages: [{duration: 5s, rate: 10}]}\n"
                  "faults: [{at: 1s, duration: 1s, action: {set_rate: "
                  "{factor: 0.5}}}]\n"),
            "");
}

TEST(PlanToolsTest, LoadFaultErrorsNameTheKeyAndLine) {
  auto open = [](const std::string& body) {
    return "workload: {kind: oltp_point_select}\n"
           "load: {connections: 2, rate: 100}\n"
           "faults:\n"
           "  - at: 1s\n" +
           body;
  };
  // A factor out of range (the loader, with the line).
  std::string msg =
      Check(open("    duration: 1s\n    action: {set_rate: {factor: 0}}\n"));
  EXPECT_NE(msg.find("plan.yaml:6"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"faults.action.set_rate.factor\" is 0, out of range"),
            std::string::npos)
      << msg;
  msg =
      Check(open("    duration: 1s\n    action: {set_rate: {factor: 5000}}\n"));
  EXPECT_NE(msg.find("\"faults.action.set_rate.factor\" is 5000, out of "
                     "range"),
            std::string::npos)
      << msg;
  msg = Check(open("    duration: 1s\n    action: {set_rate: {}}\n"));
  EXPECT_NE(msg.find("plan.yaml:6: \"faults.0.action.set_rate\" needs factor "
                     "(times the plan's rate) or rate"),
            std::string::npos)
      << msg;
  msg = Check(open(
      "    duration: 1s\n    action: {set_rate: {factor: 2, rate: 10}}\n"));
  EXPECT_NE(msg.find("plan.yaml:6: \"faults.0.action.set_rate\" needs one of "
                     "factor and rate, not both"),
            std::string::npos)
      << msg;
  // set_rate in the closed model.
  msg = Check(std::string(kLoad) +
              "faults:\n"
              "  - at: 1s\n"
              "    duration: 1s\n"
              "    action:\n"
              "      set_rate: {factor: 3}\n");
  EXPECT_NE(msg.find("plan.yaml:7: \"faults.0.action.set_rate\" changes the "
                     "open model's rate, but the plan is the closed model"),
            std::string::npos)
      << msg;
  // No duration: the load would stay changed for the rest of the run.
  msg = Check(open("    action: {pause_load: true}\n"));
  EXPECT_NE(msg.find("plan.yaml:4: \"faults.0.duration\" is missing: a "
                     "pause_load fault needs one"),
            std::string::npos)
      << msg;
  msg = Check(open("    action: {set_rate: {factor: 3}}\n"));
  EXPECT_NE(msg.find("\"faults.0.duration\" is missing: a set_rate fault"),
            std::string::npos)
      << msg;
  // Its end restores the load: no recover of its own, and a load change is
  // never a recover step.
  msg =
      Check(open("    duration: 1s\n    action: {pause_load: true}\n"
                 "    recover: {kill_connections: 0.5}\n"));
  EXPECT_NE(msg.find("plan.yaml:7: \"faults.0.recover\" is not taken by a "
                     "pause_load fault"),
            std::string::npos)
      << msg;
  msg =
      Check(open("    duration: 1s\n    action: {kill_connections: 0.5}\n"
                 "    recover: {set_rate: {factor: 2}}\n"));
  EXPECT_NE(msg.find("plan.yaml:7: \"faults.0.recover.set_rate\": a load "
                     "change is not a recover step"),
            std::string::npos)
      << msg;
  msg =
      Check(open("    duration: 1s\n    action: {pause_load: true, "
                 "kill_connections: 0.5}\n"));
  EXPECT_NE(msg.find("\"faults.0.action\" needs one action, not several"),
            std::string::npos)
      << msg;
}

}  // namespace
}  // namespace rig::coordinator
