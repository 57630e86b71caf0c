#include "plan/plan.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/proto_duration.h"

namespace rig::coordinator {
namespace {

std::string ErrorOf(const std::string& yaml,
                    const std::vector<std::string>& overrides = {}) {
  auto plan = rig::plan::ParsePlan(yaml, "plan.yaml", overrides);
  EXPECT_FALSE(plan.ok()) << "expected an error for:\n" << yaml;
  return plan.ok() ? "" : std::string(plan.status().message());
}

constexpr char kDesignExample[] = R"(
name: point-select-smoke
target: {host: 127.0.0.1, port: 4000, user: root, password_env: RIG_DB_PASSWORD,
         database: rig, tls: false, session_vars: {tidb_txn_mode: pessimistic}}
workload: {kind: oltp_point_select, tables: 4, table_size: 10000, options: {range_size: 100, name: x}}
load:     {connections: 64, rate: 0, duration: 1m30s, warmup: 5s,
           stages: [{duration: 30s, rate: 2000}, {duration: 250ms, rate: 8000}]}
resilience:
  retry:           {max_attempts: 3, initial_backoff: 50ms, max_backoff: 2s, jitter: 0.2}
  circuit_breaker: {failure_threshold: 20, window: 10s, open_for: 5s, half_open_probes: 3}
  error_classes: {1062: other}
thresholds: ["p99 < 50ms", "error_rate < 0.01"]
report: {json: report.json, html: report.html}
agents: {on_agent_loss: continue, max_lost_agents: 1}
)";

TEST(PlanTest, ParsesTheDesignExample) {
  auto plan = rig::plan::ParsePlan(kDesignExample, "plan.yaml");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->name(), "point-select-smoke");
  const auto& t = plan->target();
  EXPECT_EQ(t.host(), "127.0.0.1");
  EXPECT_EQ(t.port(), 4000);
  EXPECT_EQ(t.user(), "root");
  EXPECT_EQ(t.password_env(), "RIG_DB_PASSWORD");
  EXPECT_EQ(t.database(), "rig");
  EXPECT_FALSE(t.tls());
  EXPECT_EQ(t.session_vars().at("tidb_txn_mode"), "pessimistic");
  const auto& w = plan->workload();
  EXPECT_EQ(w.kind(), "oltp_point_select");
  EXPECT_EQ(w.tables(), 4);
  EXPECT_EQ(w.table_size(), 10000);
  EXPECT_EQ(w.options().fields().at("range_size").number_value(), 100);
  EXPECT_EQ(w.options().fields().at("name").string_value(), "x");
  const auto& l = plan->load();
  EXPECT_EQ(l.connections(), 64);
  EXPECT_EQ(l.duration().seconds(), 90);
  EXPECT_EQ(l.warmup().seconds(), 5);
  ASSERT_EQ(l.stages_size(), 2);
  EXPECT_EQ(l.stages(0).duration().seconds(), 30);
  EXPECT_EQ(l.stages(0).rate(), 2000);
  EXPECT_EQ(l.stages(1).duration().nanos(), 250000000);
  EXPECT_EQ(l.stages(1).rate(), 8000);
  const auto& r = plan->resilience();
  EXPECT_EQ(r.retry().max_attempts(), 3);
  EXPECT_EQ(r.retry().initial_backoff().nanos(), 50000000);
  EXPECT_EQ(r.retry().max_backoff().seconds(), 2);
  EXPECT_DOUBLE_EQ(r.retry().jitter(), 0.2);
  EXPECT_EQ(r.circuit_breaker().failure_threshold(), 20);
  EXPECT_EQ(r.circuit_breaker().window().seconds(), 10);
  EXPECT_EQ(r.circuit_breaker().open_for().seconds(), 5);
  EXPECT_EQ(r.circuit_breaker().half_open_probes(), 3);
  EXPECT_EQ(r.error_classes().at(1062), "other");
  ASSERT_EQ(plan->thresholds_size(), 2);
  EXPECT_EQ(plan->thresholds(0), "p99 < 50ms");
  EXPECT_EQ(plan->thresholds(1), "error_rate < 0.01");
  EXPECT_EQ(plan->report().json(), "report.json");
  EXPECT_EQ(plan->report().html(), "report.html");
  EXPECT_EQ(plan->agents().on_agent_loss(),
            rig::v1::AGENT_LOSS_POLICY_CONTINUE);
  EXPECT_EQ(plan->agents().max_lost_agents(), 1);
}

TEST(PlanTest, AnUnknownKeyInTheDesignExampleIsNamedWithItsLine) {
  auto plan = rig::plan::ParsePlan(
      std::string(kDesignExample) + "workload_extra_is_not_here: 1\n",
      "plan.yaml");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().message().substr(0, 13), "plan.yaml:15:")
      << plan.status();
  EXPECT_NE(plan.status().message().find("workload_extra_is_not_here"),
            std::string::npos)
      << plan.status();
}

TEST(PlanTest, ConvertsTypesDurationsAndEnums) {
  auto plan = rig::plan::ParsePlan(R"(
name: p
target: {port: 3306, session_vars: {tidb_txn_mode: pessimistic}}
workload: {kind: oltp_point_select, tables: 4, prepare: recreate, options: {range_size: 100}}
load: {connections: 64, duration: 1m30s, warmup: 250ms,
       stages: [{duration: 30s, rate: 2000, ramp: true}]}
resilience: {error_classes: {1062: other}}
thresholds: ["p99 < 50ms"]
agents: {on_agent_loss: CONTINUE}
)",
                                   "plan.yaml");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->target().port(), 3306);
  EXPECT_EQ(plan->target().session_vars().at("tidb_txn_mode"), "pessimistic");
  EXPECT_EQ(plan->workload().prepare(), rig::v1::PREPARE_MODE_RECREATE);
  EXPECT_EQ(plan->workload().options().fields().at("range_size").number_value(),
            100);
  EXPECT_EQ(FromProto(plan->load().duration()), absl::Seconds(90));
  EXPECT_EQ(FromProto(plan->load().warmup()), absl::Milliseconds(250));
  EXPECT_TRUE(plan->load().stages(0).ramp());
  EXPECT_EQ(plan->resilience().error_classes().at(1062), "other");
  EXPECT_EQ(plan->agents().on_agent_loss(),
            rig::v1::AGENT_LOSS_POLICY_CONTINUE);
}

TEST(PlanTest, AppliesDefaults) {
  auto plan =
      rig::plan::ParsePlan("workload: {kind: oltp_point_select}\n", "p.yaml");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->target().host(), "127.0.0.1");
  EXPECT_EQ(plan->target().port(), 4000);
  EXPECT_EQ(plan->target().password_env(), "RIG_DB_PASSWORD");
  EXPECT_EQ(plan->workload().tables(), 1);
  EXPECT_EQ(plan->workload().table_size(), 10000);
  EXPECT_EQ(plan->load().connections(), 4);
  EXPECT_EQ(FromProto(plan->load().duration()), absl::Seconds(10));
  EXPECT_EQ(FromProto(plan->load().report_interval()), absl::Seconds(1));
}

TEST(PlanTest, TlsModesAreWrittenAsMySqlClientsNameThem) {
  auto plan = rig::plan::ParsePlan(
      "workload: {kind: x}\n"
      "target: {tls_mode: verify-identity, tls_ca: /ca.pem, protocol: text}\n",
      "p.yaml");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->target().tls_mode(), rig::v1::TLS_MODE_VERIFY_IDENTITY);
  EXPECT_EQ(plan->target().tls_ca(), "/ca.pem");
  EXPECT_EQ(plan->target().protocol(), rig::v1::STATEMENT_PROTOCOL_TEXT);
  EXPECT_TRUE(plan->target().tls()) << "for agents that know only tls";
  // Defaults: no TLS, prepared statements, no clear-text password.
  plan = rig::plan::ParsePlan("workload: {kind: x}\n", "p.yaml");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->target().tls_mode(), rig::v1::TLS_MODE_DISABLED);
  EXPECT_FALSE(plan->target().tls());
  EXPECT_EQ(plan->target().protocol(), rig::v1::STATEMENT_PROTOCOL_PREPARED);
  EXPECT_FALSE(plan->target().allow_clear_password());
  // The older key: tls: true is required.
  plan = rig::plan::ParsePlan("workload: {kind: x}\ntarget: {tls: true}\n",
                              "p.yaml");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->target().tls_mode(), rig::v1::TLS_MODE_REQUIRED);
}

TEST(PlanTest, AnExplicitZeroJitterMeansNoneAndAbsentMeansTheDefault) {
  auto zero = rig::plan::ParsePlan(
      "workload: {kind: oltp_point_select}\n"
      "resilience: {retry: {jitter: 0}}\n",
      "plan.yaml");
  ASSERT_TRUE(zero.ok()) << zero.status();
  rig::plan::ApplyPlanDefaults(*zero);
  EXPECT_TRUE(zero->resilience().retry().has_jitter());
  EXPECT_EQ(zero->resilience().retry().jitter(), 0);
  auto absent = rig::plan::ParsePlan("workload: {kind: oltp_point_select}\n",
                                     "plan.yaml");
  ASSERT_TRUE(absent.ok()) << absent.status();
  rig::plan::ApplyPlanDefaults(*absent);
  EXPECT_EQ(absent->resilience().retry().jitter(), 0.2);
}

TEST(PlanTest, AnExplicitZeroRunTriggerIsOffAndAbsentMeansTen) {
  auto zero = rig::plan::ParsePlan(
      "workload: {kind: oltp_point_select}\n"
      "resilience: {circuit_breaker: {consecutive_failures: 0}}\n",
      "plan.yaml");
  ASSERT_TRUE(zero.ok()) << zero.status();
  rig::plan::ApplyPlanDefaults(*zero);
  EXPECT_TRUE(zero->resilience().circuit_breaker().has_consecutive_failures());
  EXPECT_EQ(zero->resilience().circuit_breaker().consecutive_failures(), 0);
  auto absent = rig::plan::ParsePlan("workload: {kind: oltp_point_select}\n",
                                     "plan.yaml");
  ASSERT_TRUE(absent.ok()) << absent.status();
  rig::plan::ApplyPlanDefaults(*absent);
  EXPECT_EQ(absent->resilience().circuit_breaker().consecutive_failures(), 10);
}

TEST(PlanTest, UnknownKeyNamesKeyPathAndLine) {
  const std::string msg = ErrorOf(
      "workload: {kind: oltp_point_select}\n"
      "load:\n"
      "  connections: 4\n"
      "  conections: 8\n");
  EXPECT_EQ(msg.substr(0, msg.find(" (")),
            "plan.yaml:4: unknown key \"load.conections\"");
  EXPECT_NE(msg.find("valid: connections, rate"), std::string::npos) << msg;
}

TEST(PlanTest, BadValuesNameKeyAndLine) {
  EXPECT_EQ(ErrorOf("workload: {kind: x}\nload: {duration: 5x}\n"),
            "plan.yaml:2: \"load.duration\": invalid duration \"5x\": use a "
            "number with a unit, e.g. 250ms, 30s, 1m30s (units: ns, us, ms, s, "
            "m, h)");
  EXPECT_EQ(ErrorOf("workload: {kind: x}\nload:\n  connections: 0\n"),
            "plan.yaml:3: \"load.connections\" is 0, out of range [1, 100000]");
  EXPECT_EQ(ErrorOf("workload: {kind: x}\nload: {connections: many}\n"),
            "plan.yaml:2: \"load.connections\" must be a whole number, not "
            "\"many\"");
  EXPECT_EQ(ErrorOf("workload: {kind: x, prepare: sometimes}\n"),
            "plan.yaml:1: \"workload.prepare\" must be one of skip, create, "
            "recreate, not \"sometimes\"");
  EXPECT_EQ(ErrorOf("workload: {kind: x}\nthresholds: p99 < 5ms\n"),
            "plan.yaml:2: \"thresholds\" must be a list");
  EXPECT_EQ(ErrorOf("workload: {kind: x}\ntarget: {tls: maybe}\n"),
            "plan.yaml:2: \"target.tls\" must be true or false, not \"maybe\"");
  EXPECT_EQ(
      ErrorOf("load: {connections: 2}\n"),
      "plan.yaml: \"workload.kind\" is required (e.g. oltp_point_select)");
  EXPECT_EQ(ErrorOf("workload: [1, 2]\n"),
            "plan.yaml:1: \"workload\" must be a mapping");
  EXPECT_NE(ErrorOf("workload: {kind: x\n").find("plan.yaml:"),
            std::string::npos);
}

TEST(PlanTest, OverridesApplyBeforeValidation) {
  auto plan = rig::plan::ParsePlan(
      "workload: {kind: oltp_point_select}\n", "p.yaml",
      {"load.duration=30s", "target.port=3306", "thresholds=[p99 < 5ms]"});
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(FromProto(plan->load().duration()), absl::Seconds(30));
  EXPECT_EQ(plan->target().port(), 3306);
  ASSERT_EQ(plan->thresholds_size(), 1);
  EXPECT_EQ(plan->thresholds(0), "p99 < 5ms");

  EXPECT_NE(ErrorOf("workload: {kind: x}\n", {"load.duraton=3s"})
                .find("unknown key \"load.duraton\""),
            std::string::npos);
  EXPECT_NE(ErrorOf("workload: {kind: x}\n", {"nonsense"}).find("--set"),
            std::string::npos);
}

TEST(PlanTest, SetCreatesMissingSectionsAndRefusesToStepThroughAValue) {
  auto plan = rig::plan::ParsePlan(
      "workload: {kind: oltp_point_select}\n", "p.yaml",
      {"resilience.retry.max_attempts=5", "agents.heartbeat_timeout=9s"});
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->resilience().retry().max_attempts(), 5);
  EXPECT_EQ(FromProto(plan->agents().heartbeat_timeout()), absl::Seconds(9));
  // Through a scalar: yaml-cpp threw BadSubscript here (exit 134).
  EXPECT_EQ(ErrorOf("name: n\nworkload: {kind: x}\n", {"name.x=1"}),
            "--set name.x: \"name\" is a value, not a section (it has no key "
            "\"x\")");
  EXPECT_EQ(
      ErrorOf("workload: {kind: x}\n", {"workload.kind.deeper.still=1"}),
      "--set workload.kind.deeper.still: \"workload.kind\" is a value, not a "
      "section (it has no key \"deeper\")");
  EXPECT_NE(
      ErrorOf("workload: {kind: x}\n", {"load..rate=1"}).find("no empty parts"),
      std::string::npos);
  // A plan that is not a mapping is named as such, --set or not.
  EXPECT_NE(ErrorOf("- a\n- b\n", {"load.rate=1"}).find("must be a mapping"),
            std::string::npos);
}

// A bad value or key that came from --set is named by its override: the
// file's line 1 (a comment here) has nothing to do with it.
TEST(PlanTest, AnErrorInAnOverrideNamesTheOverrideNotALineOfTheFile) {
  const std::string yaml =
      "# a comment\nworkload: {kind: oltp_point_select}\n"
      "load: {duration: 10s}\n";
  auto starts = [](const std::string& e, const std::string& prefix) {
    return e.rfind(prefix, 0) == 0;
  };
  std::string e = ErrorOf(yaml, {"load.report_interval=1ms"});
  EXPECT_TRUE(starts(e,
                     "--set load.report_interval: \"load.report_interval\" "
                     "is 1ms"))
      << e;
  e = ErrorOf(yaml, {"load.duration=5s", "load.connections=abc"});
  EXPECT_TRUE(starts(e, "--set load.connections: ")) << e;
  e = ErrorOf(yaml, {"load.bogus=1"});
  EXPECT_TRUE(starts(e, "--set load.bogus: unknown key \"load.bogus\"")) << e;
  e = ErrorOf(yaml, {"resilience.retri.max_attempts=3"});
  EXPECT_TRUE(starts(e,
                     "--set resilience.retri.max_attempts: unknown key "
                     "\"resilience.retri\""))
      << e;
  // Of two overrides in one new section, the one that brought the value.
  e = ErrorOf(yaml, {"resilience.retry.max_attempts=x",
                     "resilience.retry.initial_backoff=1ms"});
  EXPECT_TRUE(starts(e, "--set resilience.retry.max_attempts: ")) << e;
  e = ErrorOf(yaml,
              {"resilience.retry.max_attempts=2", "resilience.retry.bogus=1"});
  EXPECT_TRUE(starts(e, "--set resilience.retry.bogus: unknown key")) << e;
  e = ErrorOf(yaml, {"load={connections: 2, bogus: 1}"});
  EXPECT_TRUE(starts(e, "--set load: unknown key \"load.bogus\"")) << e;
  // The file's own mistakes keep their line, overrides or not.
  e = ErrorOf("workload: {kind: oltp_point_select}\nload: {connections: abc}\n",
              {"load.duration=5s"});
  EXPECT_TRUE(starts(e, "plan.yaml:2: ")) << e;
}

TEST(PlanTest, APasswordIsNeverTakenFromTheCommandLine) {
  const std::string e =
      ErrorOf("workload: {kind: x}\n", {"target.password=hunter2"});
  EXPECT_NE(e.find("--set target.password"), std::string::npos) << e;
  EXPECT_NE(e.find("target.password_env"), std::string::npos) << e;
  EXPECT_EQ(e.find("hunter2"), std::string::npos) << e;
  // Nor through the section above it.
  const std::string whole =
      ErrorOf("workload: {kind: x}\n", {"target={password: hunter2}"});
  EXPECT_NE(whole.find("target.password is never taken from the command line"),
            std::string::npos)
      << whole;
  EXPECT_EQ(whole.find("hunter2"), std::string::npos) << whole;
}

TEST(PlanTest, AKeyGivenTwiceIsRefusedWithBothLines) {
  EXPECT_EQ(ErrorOf("workload: {kind: x}\nload:\n  duration: 1s\n"
                    "  duration: 2s\n"),
            "plan.yaml:4: \"load.duration\" is given twice (lines 3 and 4): "
            "keep one");
  // Whole sections, map fields and free-form options alike.
  EXPECT_NE(ErrorOf("workload: {kind: x}\nload: {rate: 1}\nload: {rate: 2}\n")
                .find("\"load\" is given twice (lines 2 and 3)"),
            std::string::npos);
  EXPECT_NE(ErrorOf("workload: {kind: x, options: {a: 1, a: 2}}\n")
                .find("\"workload.options.a\" is given twice"),
            std::string::npos);
  EXPECT_NE(ErrorOf("workload: {kind: x}\n"
                    "target: {session_vars: {x: 1, x: 2}}\n")
                .find("\"target.session_vars.x\" is given twice"),
            std::string::npos);
}

// Inputs that are not plans end in one line, never in a signal or a long
// wait: each of these took seconds and gigabytes, or aborted.
TEST(PlanTest, AnAliasBombIsRefusedQuickly) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c, ++prev) {
    bomb +=
        absl::StrCat(std::string(1, c), ": &", std::string(1, c), " [*",
                     std::string(1, prev), ", *", std::string(1, prev), ", *",
                     std::string(1, prev), ", *", std::string(1, prev), ", *",
                     std::string(1, prev), ", *", std::string(1, prev), ", *",
                     std::string(1, prev), ", *", std::string(1, prev), ", *",
                     std::string(1, prev), ", *", std::string(1, prev), "]\n");
  }
  bomb += "workload: {kind: x, options: {bomb: *j}}\n";
  ASSERT_LT(bomb.size(), 1000u);  // 10^10 nodes once expanded
  const absl::Time start = absl::Now();
  EXPECT_NE(ErrorOf(bomb).find("more than 100000 YAML nodes"),
            std::string::npos);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST(PlanTest, HugeDeepAndBinaryInputsAreRefused) {
  EXPECT_NE(ErrorOf(std::string(2 << 20, '#')).find("larger than 1 MiB"),
            std::string::npos);
  EXPECT_NE(ErrorOf(std::string("workload: {kind: x}\n\0\n", 22))
                .find("NUL byte at offset 20"),
            std::string::npos);
  // Deeper than yaml-cpp's parser allows, and deeper than a plan needs.
  EXPECT_FALSE(ErrorOf(std::string(100000, '[')).empty());
  std::string deep = "workload: {kind: x, options: {o: ";
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  deep += "}}\n";
  EXPECT_NE(ErrorOf(deep).find("nested more than 64 deep"), std::string::npos)
      << ErrorOf(deep);
  auto zero = rig::plan::LoadPlanFile("/dev/zero");
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().message().find("/dev/zero: larger than 1 MiB"),
            std::string::npos)
      << zero.status();
}

TEST(PlanTest, DurationsOutsideTheirBoundsNameKeyLineAndBounds) {
  EXPECT_EQ(ErrorOf("workload: {kind: x}\nload:\n  report_interval: 1ns\n"),
            "plan.yaml:3: \"load.report_interval\" is 1ns, below the least it "
            "may be (100ms to 1h)");
  EXPECT_EQ(ErrorOf("workload: {kind: x}\nagents: {heartbeat_interval: 2m}\n"),
            "plan.yaml:2: \"agents.heartbeat_interval\" is 2m, above the "
            "most it may be (100ms to 1m)");
  EXPECT_NE(ErrorOf("workload: {kind: x}\nload: {stages: [{duration: 1us}]}\n")
                .find("\"load.stages.duration\" is 1us, below"),
            std::string::npos);
  EXPECT_NE(ErrorOf("workload: {kind: x}\nload: {duration: 0s}\n")
                .find("\"load.duration\" is 0s, below"),
            std::string::npos);
  // At the bounds, and a zero warm-up, pass.
  EXPECT_TRUE(rig::plan::ParsePlan("workload: {kind: x}\n"
                                   "load: {report_interval: 100ms, warmup: 0s, "
                                   "duration: 100ms}\n"
                                   "agents: {heartbeat_interval: 1m}\n",
                                   "plan.yaml")
                  .ok());
}

TEST(PlanTest, AScalarMultipliedByAliasesIsRefusedBeforeItIsBuilt) {
  // 64 KiB of text used 16 * 16 * 16 times: 256 MiB once expanded, in 4,096
  // nodes (under the node bound).
  std::string yaml = "a: &a " + std::string(64 << 10, 'x') + "\n";
  yaml +=
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, "
      "*a]\n";
  yaml +=
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, "
      "*b]\n";
  yaml +=
      "workload: {kind: x, options: {o: [*c, *c, *c, *c, *c, *c, *c, *c, "
      "*c, *c, *c, *c, *c, *c, *c, *c]}}\n";
  const std::string error = ErrorOf(yaml);
  EXPECT_NE(error.find("the plan expands to more than 2 MiB"),
            std::string::npos)
      << error;
}

TEST(PlanTest, MissingFileIsNamed) {
  auto plan = rig::plan::LoadPlanFile("/nonexistent/plan.yaml");
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("/nonexistent/plan.yaml"),
            std::string::npos);
}

}  // namespace
}  // namespace rig::coordinator
