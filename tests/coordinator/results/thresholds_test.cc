#include "coordinator/results/thresholds.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "tests/support/has_substr.h"

namespace rig::coordinator {
namespace {

using rig::testing::HasSubstr;

Threshold MustParse(absl::string_view text) {
  absl::StatusOr<Threshold> t = ParseThreshold(text);
  EXPECT_TRUE(t.ok()) << text << ": " << t.status();
  return t.ok() ? *t : Threshold{};
}

std::string ParseError(absl::string_view text) {
  absl::StatusOr<Threshold> t = ParseThreshold(text);
  EXPECT_FALSE(t.ok()) << text << " parsed";
  if (t.ok()) return "";
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(t.status().message());
}

// p50 1ms, p90 2ms, p95 3ms, p99 50ms, p99.9 80ms, max 2s, min 100us,
// mean 1.5ms; 10000 ops, 20 errors, 1000 ops/s, 5000 queries/s.
rig::v1::Report SampleReport() {
  rig::v1::Report r;
  rig::v1::Summary* s = r.mutable_total();
  rig::v1::Latency* l = s->mutable_latency();
  l->set_count(10000);
  l->set_min_us(100);
  l->set_mean_us(1500.5);
  l->set_p50_us(1000);
  l->set_p90_us(2000);
  l->set_p95_us(3000);
  l->set_p99_us(50000);
  l->set_p999_us(80000);
  l->set_max_us(2000000);
  s->mutable_counters()->set_ops(10000);
  s->mutable_counters()->set_errors(20);
  s->set_error_rate(0.01);
  s->set_ops_per_sec(1000);
  s->set_queries_per_sec(5000);
  s->set_measured_us(10000000);
  return r;
}

TEST(ThresholdParseTest, ParsesEveryLatencyMetric) {
  struct Case {
    const char* text;
    const char* metric;
    double limit_us;
  };
  const Case cases[] = {
      {"p50 <= 2ms", "p50", 2000},    {"p90 < 3ms", "p90", 3000},
      {"p95 < 4ms", "p95", 4000},     {"p99 < 50ms", "p99", 50000},
      {"p99.9 < 1s", "p99.9", 1e6},   {"p999 < 1s", "p99.9", 1e6},
      {"max < 2s", "max", 2e6},       {"min > 10us", "min", 10},
      {"mean < 10ms", "mean", 10000}, {"p99 < 2m", "p99", 120e6},
      {"p99 < 1m30s", "p99", 90e6},   {"p99 < 1.5ms", "p99", 1500},
      {"p99 < 500ns", "p99", 0.5},    {"P99 < 50ms", "p99", 50000},
  };
  for (const Case& c : cases) {
    Threshold t = MustParse(c.text);
    EXPECT_EQ(t.expression, c.text);
    EXPECT_EQ(t.metric, c.metric) << c.text;
    EXPECT_DOUBLE_EQ(t.limit, c.limit_us) << c.text;
  }
}

TEST(ThresholdParseTest, ParsesRatesAndCounts) {
  struct Case {
    const char* text;
    const char* metric;
    double limit;
  };
  const Case cases[] = {
      {"error_rate < 0.01", "error_rate", 0.01},
      {"error_rate < 1%", "error_rate", 0.01},
      {"error_rate <= 0.5 %", "error_rate", 0.005},
      {"errors == 0", "errors", 0},
      {"errors < 10", "errors", 10},
      {"throughput > 1000", "throughput", 1000},
      {"ops_per_sec >= 1e3", "throughput", 1000},
      {"qps > 5000", "qps", 5000},
      {"queries_per_sec > 5000.5", "qps", 5000.5},
      {"read_qps > 100", "read_qps", 100},
      {"WRITE_QPS >= 2.5", "write_qps", 2.5},
      {"other_qps < 10", "other_qps", 10},
  };
  for (const Case& c : cases) {
    Threshold t = MustParse(c.text);
    EXPECT_EQ(t.metric, c.metric) << c.text;
    EXPECT_DOUBLE_EQ(t.limit, c.limit) << c.text;
  }
}

TEST(ThresholdParseTest, ParsesEveryOperator) {
  for (const char* op : {"<", "<=", ">", ">=", "=="}) {
    Threshold t = MustParse(std::string("p99 ") + op + " 5ms");
    EXPECT_EQ(t.op, op);
    t = MustParse(std::string("errors ") + op + " 3");
    EXPECT_EQ(t.op, op);
  }
}

TEST(ThresholdParseTest, AcceptsWhitespaceVariants) {
  for (const char* text :
       {"p99<50ms", "p99 <50ms", "p99< 50ms", "  p99   <   50ms  ",
        "\tp99\t<\t50ms\n", "p99 < 50 ms"}) {
    Threshold t = MustParse(text);
    EXPECT_EQ(t.metric, "p99") << text;
    EXPECT_EQ(t.op, "<") << text;
    EXPECT_DOUBLE_EQ(t.limit, 50000) << text;
  }
  EXPECT_EQ(MustParse("  p99 < 50ms ").expression, "p99 < 50ms");
  Threshold t = MustParse("error_rate<=0.01");
  EXPECT_EQ(t.op, "<=");
  EXPECT_DOUBLE_EQ(t.limit, 0.01);
}

TEST(ThresholdParseTest, LatencyWithoutUnitIsAnError) {
  EXPECT_EQ(ParseError("p99 < 50"),
            "threshold \"p99 < 50\": latency limits need a unit (e.g. 50ms); "
            "units: us, ms, s, m");
  EXPECT_TRUE(HasSubstr(ParseError("max < 0"), "need a unit"));
  EXPECT_TRUE(HasSubstr(ParseError("mean < 2.5"), "need a unit"));
}

TEST(ThresholdParseTest, UnknownMetricListsTheMetrics) {
  const std::string e = ParseError("p98 < 5ms");
  EXPECT_TRUE(HasSubstr(e, "threshold \"p98 < 5ms\": unknown metric \"p98\""));
  for (const char* m :
       {"p50", "p99.9", "max", "mean", "error_rate", "errors", "throughput",
        "ops_per_sec", "qps", "read_qps", "write_qps", "other_qps"}) {
    EXPECT_TRUE(HasSubstr(e, m));
  }
  EXPECT_TRUE(HasSubstr(ParseError("latency < 5ms"), "unknown metric"));
  EXPECT_TRUE(HasSubstr(ParseError("< 5ms"), "expected a metric first"));
}

TEST(ThresholdParseTest, BadNumbersAreErrors) {
  EXPECT_TRUE(
      HasSubstr(ParseError("p99 < fast"), "bad latency limit \"fast\""));
  EXPECT_TRUE(HasSubstr(ParseError("p99 < 50xs"), "bad latency limit"));
  EXPECT_TRUE(HasSubstr(ParseError("p99 < inf"), "bad latency limit"));
  EXPECT_TRUE(HasSubstr(ParseError("p99 < -5ms"), "must not be negative"));
  EXPECT_TRUE(HasSubstr(ParseError("error_rate < abc"),
                        "bad limit \"abc\"; error_rate takes a plain number"));
  EXPECT_TRUE(HasSubstr(ParseError("throughput > 1000ops"), "bad limit"));
  EXPECT_TRUE(HasSubstr(ParseError("throughput > 5s"), "plain number"));
  EXPECT_TRUE(HasSubstr(ParseError("qps > nan"), "bad limit"));
  EXPECT_TRUE(HasSubstr(ParseError("qps > inf"), "bad limit"));
  EXPECT_TRUE(HasSubstr(ParseError("errors < 1%"), "bad limit"));
  EXPECT_TRUE(HasSubstr(ParseError("errors < -1"), "must not be negative"));
  EXPECT_TRUE(HasSubstr(ParseError("p99 <"), "missing limit after \"<\""));
}

TEST(ThresholdParseTest, BadOperatorsAreErrors) {
  EXPECT_EQ(ParseError("p99 = 5ms"),
            "threshold \"p99 = 5ms\": bad operator \"=\"; expected one of <, "
            "<=, >, >=, ==");
  EXPECT_TRUE(HasSubstr(ParseError("p99 => 5ms"), "bad operator \"=>\""));
  EXPECT_TRUE(HasSubstr(ParseError("p99 != 5ms"), "bad operator \"!=\""));
  EXPECT_TRUE(HasSubstr(ParseError("p99 << 5ms"), "bad operator \"<<\""));
  EXPECT_TRUE(HasSubstr(ParseError("p99 ~ 5ms"), "bad operator \"~\""));
  EXPECT_TRUE(HasSubstr(ParseError("p99 50ms"), "missing operator"));
  EXPECT_TRUE(HasSubstr(ParseError("p99"), "missing operator"));
}

TEST(ThresholdParseTest, EmptyIsAnError) {
  EXPECT_TRUE(HasSubstr(ParseError(""), "threshold \"\": empty; expected"));
  EXPECT_TRUE(HasSubstr(ParseError("   "), "empty"));
}

TEST(ThresholdParseTest, ParseThresholdsReportsEveryBadEntry) {
  google::protobuf::RepeatedPtrField<std::string> texts;
  *texts.Add() = "p99 < 50ms";
  *texts.Add() = "error_rate < 0.01";
  absl::StatusOr<std::vector<Threshold>> ok = ParseThresholds(texts);
  ASSERT_TRUE(ok.ok()) << ok.status();
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[1].metric, "error_rate");

  *texts.Add() = "p99 < 50";
  *texts.Add() = "p98 < 5ms";
  absl::StatusOr<std::vector<Threshold>> bad = ParseThresholds(texts);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasSubstr(bad.status().message(), "\"p99 < 50\""));
  EXPECT_TRUE(HasSubstr(bad.status().message(), "\"p98 < 5ms\""));

  google::protobuf::RepeatedPtrField<std::string> none;
  ASSERT_TRUE(ParseThresholds(none).ok());
  EXPECT_TRUE(ParseThresholds(none)->empty());
}

bool Passes(absl::string_view text, const rig::v1::Report& r) {
  return Evaluate(MustParse(text), r).passed();
}

// "new_order.p99 < 50ms": the figure of that operation type, not the
// total's; a type the report lacks fails, naming the types it has.
TEST(ThresholdEvaluateTest, AMetricOfAnOperationTypeIsJudgedOnThatType) {
  const Threshold t = MustParse("New_Order.p99.9 < 50ms");
  EXPECT_EQ(t.type, "New_Order");
  EXPECT_EQ(t.metric, "p99.9");
  EXPECT_EQ(MustParse("payment.throughput > 10").type, "payment");
  EXPECT_EQ(MustParse("p99 < 1ms").type, "");
  EXPECT_TRUE(HasSubstr(ParseError("new_order.lost_agents < 1"),
                        "not of an operation type"));
  EXPECT_TRUE(HasSubstr(ParseError("new_order.p98 < 1ms"),
                        "unknown metric \"new_order.p98\""));

  rig::v1::Report r = SampleReport();  // total p99.9 80ms
  for (const auto& [type, p999] :
       {std::pair<std::string, int64_t>{"New_Order", 40000},
        {"payment", 90000}}) {
    rig::v1::OperationReport* o = r.add_operations();
    o->set_type(type);
    o->mutable_summary()->mutable_latency()->set_count(100);
    o->mutable_summary()->mutable_latency()->set_p999_us(p999);
    o->mutable_summary()->set_ops_per_sec(5);
  }
  rig::v1::ThresholdVerdict v = Evaluate(t, r);
  EXPECT_TRUE(v.passed()) << v.message();
  EXPECT_EQ(v.observed(), 40000);
  EXPECT_TRUE(HasSubstr(v.message(), "New_Order.p99.9 = 40"));
  EXPECT_FALSE(Evaluate(MustParse("payment.p99.9 < 50ms"), r).passed());
  EXPECT_FALSE(Evaluate(MustParse("payment.throughput > 10"), r).passed());
  v = Evaluate(MustParse("stock_level.p99 < 50ms"), r);
  EXPECT_FALSE(v.passed());
  EXPECT_TRUE(HasSubstr(v.message(),
                        "no operation type \"stock_level\" (the report has "
                        "New_Order, payment)"));
}

TEST(ThresholdEvaluateTest, LostAgentsCountsTheRunsLostAgents) {
  rig::v1::Report r = SampleReport();
  r.add_agents()->set_name("a1");
  EXPECT_TRUE(Passes("lost_agents < 1", r));
  r.add_agents()->set_lost(true);
  const rig::v1::ThresholdVerdict v = Evaluate(MustParse("lost_agents < 1"), r);
  EXPECT_FALSE(v.passed());
  EXPECT_EQ(v.message(), "lost_agents = 1, limit < 1: FAILED");
  EXPECT_TRUE(Passes("lost_agents <= 1", r));
}

TEST(ThresholdEvaluateTest, FaultMetricsJudgeTheWorstFault) {
  rig::v1::Report r = SampleReport();
  // None fired: nothing to judge, which fails.
  rig::v1::ThresholdVerdict v = Evaluate(MustParse("fault.recovery < 30s"), r);
  EXPECT_FALSE(v.passed());
  EXPECT_EQ(v.message(), "fault.recovery: no fault fired, limit < 30s: FAILED");
  auto add = [&r](const std::string& name, int64_t recovery_us,
                  int64_t errors) {
    rig::v1::FaultRecord* f = r.add_faults();
    f->set_name(name);
    f->set_occurrence(1);
    f->mutable_recovery()->set_recovered(true);
    f->mutable_recovery()->set_recovery_us(recovery_us);
    f->mutable_recovery()->set_errors(errors);
    return f;
  };
  add("a", 4000000, 30);
  add("b", 12000000, 150);
  v = Evaluate(MustParse("fault.recovery < 30s"), r);
  EXPECT_TRUE(v.passed()) << v.message();
  EXPECT_EQ(v.message(), "fault.recovery = 12s, limit < 30s: passed");
  EXPECT_FALSE(Passes("fault.recovery < 10s", r));
  v = Evaluate(MustParse("fault.errors < 100"), r);
  EXPECT_FALSE(v.passed());
  EXPECT_EQ(v.message(), "fault.errors = 150, limit < 100: FAILED");
  EXPECT_TRUE(Passes("fault.errors <= 150", r));
  // One not recovered fails a recovery threshold whatever the others did.
  rig::v1::FaultRecord* c = add("c", 0, 0);
  c->set_index(2);
  c->mutable_recovery()->set_recovered(false);
  c->mutable_recovery()->set_summary("not recovered by the end");
  v = Evaluate(MustParse("fault.recovery < 30s"), r);
  EXPECT_FALSE(v.passed());
  EXPECT_EQ(v.message(),
            "fault.recovery: fault 3 (c) #1: not recovered by the end, limit "
            "< 30s: FAILED");
}

TEST(ThresholdParseTest, FaultRecoveryNeedsAUnit) {
  EXPECT_EQ(ParseError("fault.recovery < 30"),
            "threshold \"fault.recovery < 30\": recovery limits need a unit "
            "(e.g. 30ms); units: us, ms, s, m");
  EXPECT_EQ(ParseError("fault.errors < 1s"),
            "threshold \"fault.errors < 1s\": bad limit \"1s\"; fault.errors "
            "takes a plain number, e.g. fault.errors < 0");
}

TEST(ThresholdEvaluateTest, LatencyAtAndAroundTheLimit) {
  const rig::v1::Report r = SampleReport();  // p99 = 50ms
  EXPECT_FALSE(Passes("p99 < 50ms", r));
  EXPECT_TRUE(Passes("p99 <= 50ms", r));
  EXPECT_TRUE(Passes("p99 < 50001us", r));
  EXPECT_FALSE(Passes("p99 <= 49999us", r));
  EXPECT_FALSE(Passes("p99 > 50ms", r));
  EXPECT_TRUE(Passes("p99 >= 50ms", r));
  EXPECT_TRUE(Passes("p99 > 49999us", r));
  EXPECT_TRUE(Passes("p99 == 50ms", r));
  EXPECT_FALSE(Passes("p99 == 50001us", r));
  EXPECT_TRUE(Passes("p50 <= 1ms", r));
  EXPECT_TRUE(Passes("p90 < 2001us", r));
  EXPECT_FALSE(Passes("p95 < 3ms", r));
  EXPECT_TRUE(Passes("p99.9 < 81ms", r));
  EXPECT_FALSE(Passes("p999 < 80ms", r));
  EXPECT_FALSE(Passes("max < 2s", r));
  EXPECT_TRUE(Passes("max <= 2s", r));
  EXPECT_TRUE(Passes("min >= 100us", r));
  EXPECT_TRUE(Passes("mean < 1501us", r));
  EXPECT_FALSE(Passes("mean < 1500us", r));
}

TEST(ThresholdEvaluateTest, RatesAndCountsAtAndAroundTheLimit) {
  const rig::v1::Report r = SampleReport();
  EXPECT_FALSE(Passes("error_rate < 0.01", r));
  EXPECT_TRUE(Passes("error_rate <= 0.01", r));
  EXPECT_TRUE(Passes("error_rate < 1.1%", r));
  EXPECT_TRUE(Passes("error_rate < 0.0100001", r));
  EXPECT_FALSE(Passes("errors == 0", r));
  EXPECT_TRUE(Passes("errors == 20", r));
  EXPECT_TRUE(Passes("errors < 21", r));
  EXPECT_FALSE(Passes("errors < 20", r));
  EXPECT_FALSE(Passes("throughput > 1000", r));
  EXPECT_TRUE(Passes("throughput >= 1000", r));
  EXPECT_TRUE(Passes("ops_per_sec > 999.99", r));
  EXPECT_FALSE(Passes("qps > 5000", r));
  EXPECT_TRUE(Passes("qps >= 5000", r));
  EXPECT_TRUE(Passes("qps < 5000.01", r));
}

TEST(ThresholdEvaluateTest, VerdictCarriesObservedLimitAndMessage) {
  rig::v1::Report r = SampleReport();
  r.mutable_total()->mutable_latency()->set_p99_us(61200);
  rig::v1::ThresholdVerdict v = Evaluate(MustParse("p99 < 50ms"), r);
  EXPECT_EQ(v.expression(), "p99 < 50ms");
  EXPECT_FALSE(v.passed());
  EXPECT_DOUBLE_EQ(v.observed(), 61200);  // microseconds
  EXPECT_DOUBLE_EQ(v.limit(), 50000);
  EXPECT_EQ(v.message(), "p99 = 61.2ms, limit < 50ms: FAILED");

  v = Evaluate(MustParse("max < 3s"), r);
  EXPECT_TRUE(v.passed());
  EXPECT_EQ(v.message(), "max = 2s, limit < 3s: passed");

  v = Evaluate(MustParse("p50 < 900us"), r);
  EXPECT_EQ(v.message(), "p50 = 1ms, limit < 900us: FAILED");

  v = Evaluate(MustParse("throughput > 1000"), r);
  EXPECT_EQ(v.message(), "throughput = 1000 ops/s, limit > 1000 ops/s: FAILED");
  v = Evaluate(MustParse("error_rate < 0.02"), r);
  EXPECT_EQ(v.message(), "error_rate = 0.01, limit < 0.02: passed");
  EXPECT_DOUBLE_EQ(v.observed(), 0.01);
  v = Evaluate(MustParse("errors == 0"), r);
  EXPECT_EQ(v.message(), "errors = 20, limit == 0: FAILED");
  v = Evaluate(MustParse("qps > 4000"), r);
  EXPECT_EQ(v.message(),
            "qps = 5000 queries/s, limit > 4000 queries/s: passed");
}

// oltp_* and sql count statements by kind: a rate over the measured time; a run
// that counted none (another workload) cannot pass such a threshold.
TEST(ThresholdEvaluateTest, StatementKindRatesFailWhereNoneWereCounted) {
  rig::v1::Report r = SampleReport();  // 10 s measured
  r.mutable_total()->mutable_counters()->set_read_queries(140000);
  r.mutable_total()->mutable_counters()->set_write_queries(40000);
  r.mutable_total()->mutable_counters()->set_other_queries(20000);
  EXPECT_TRUE(Passes("read_qps >= 14000", r));
  EXPECT_FALSE(Passes("read_qps > 14000", r));
  EXPECT_TRUE(Passes("write_qps == 4000", r));
  EXPECT_TRUE(Passes("other_qps < 2000.01", r));
  EXPECT_FALSE(Passes("other_qps < 2000", r));
  rig::v1::ThresholdVerdict v = Evaluate(MustParse("read_qps > 10000"), r);
  EXPECT_EQ(v.message(),
            "read_qps = 14000 queries/s, limit > 10000 queries/s: passed");
  EXPECT_DOUBLE_EQ(v.observed(), 14000);

  const rig::v1::Report none = SampleReport();
  v = Evaluate(MustParse("write_qps < 1000000"), none);
  EXPECT_FALSE(v.passed());
  EXPECT_EQ(v.message(),
            "write_qps: no statements counted by kind (oltp_* and sql count "
            "them), limit < 1000000 queries/s: FAILED");
}

TEST(ThresholdEvaluateTest, NothingMeasuredFailsLatencyAndErrorRate) {
  rig::v1::Report empty;
  rig::v1::ThresholdVerdict v = Evaluate(MustParse("p99 < 50ms"), empty);
  EXPECT_FALSE(v.passed());
  EXPECT_EQ(v.message(), "p99: no latency samples, limit < 50ms: FAILED");
  v = Evaluate(MustParse("error_rate < 0.01"), empty);
  EXPECT_FALSE(v.passed());
  EXPECT_TRUE(HasSubstr(v.message(), "no operations measured"));
  // Counts and rates of nothing are zero, and that is a real answer.
  EXPECT_TRUE(Passes("errors == 0", empty));
  EXPECT_FALSE(Passes("throughput > 0", empty));
}

TEST(ThresholdEvaluateTest, ApplyAppendsVerdictsAndSaysIfAllPassed) {
  rig::v1::Report r = SampleReport();
  std::vector<Threshold> ts = {MustParse("p99 <= 50ms"),
                               MustParse("errors < 100")};
  EXPECT_TRUE(ApplyThresholds(ts, &r));
  ASSERT_EQ(r.thresholds_size(), 2);
  EXPECT_EQ(r.thresholds(0).expression(), "p99 <= 50ms");
  EXPECT_TRUE(r.thresholds(1).passed());

  ts.push_back(MustParse("throughput > 2000"));
  rig::v1::Report r2 = SampleReport();
  EXPECT_FALSE(ApplyThresholds(ts, &r2));
  ASSERT_EQ(r2.thresholds_size(), 3);
  EXPECT_FALSE(r2.thresholds(2).passed());

  rig::v1::Report r3 = SampleReport();
  EXPECT_TRUE(ApplyThresholds({}, &r3));
  EXPECT_EQ(r3.thresholds_size(), 0);
}

}  // namespace
}  // namespace rig::coordinator
