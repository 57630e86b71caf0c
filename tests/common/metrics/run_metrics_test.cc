#include "common/metrics/run_metrics.h"

#include <gtest/gtest.h>

#include <tuple>

#include "common/stats/histogram.h"

namespace rig::metrics {
namespace {

rig::v1::AgentMessage Interval(int64_t ops, int64_t errors,
                               std::vector<int64_t> latencies_us) {
  rig::v1::AgentMessage m;
  auto* iv = m.mutable_interval();
  iv->mutable_counters()->set_ops(ops);
  iv->mutable_counters()->set_errors(errors);
  iv->mutable_counters()->set_queries(ops * 2 + errors);
  iv->mutable_counters()->set_retries(3);
  iv->mutable_counters()->set_reconnects(1);
  iv->mutable_counters()->set_breaker_open_us(250000);
  (*iv->mutable_counters()->mutable_errors_by_class())["reconnect"] = errors;
  (*iv->mutable_counters()->mutable_errors_by_code())[2013] = errors;
  iv->set_open_connections(4);
  iv->set_breaker_state(rig::v1::BREAKER_STATE_HALF_OPEN);
  Histogram h;
  for (int64_t v : latencies_us) h.Record(v);
  iv->set_latency(h.Encode());
  return m;
}

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

std::string Render(const RunMetrics& m) {
  Exposition out;
  m.Render(&out);
  return out.text();
}

TEST(RunMetricsTest, SumsIntervalsIntoCountersAndBuckets) {
  RunMetrics m;
  m.RunStarted("a1", "oltp_point_select", {"db:3306"});
  m.Message("a1", Interval(10, 1, {200, 300}));
  m.Message("a1", Interval(5, 2, {4000}));
  const std::string t = Render(m);
  EXPECT_TRUE(Has(t,
                  "rig_operations_total{agent=\"a1\",type=\"oltp_point_"
                  "select\",outcome=\"success\"} 15"))
      << t;
  EXPECT_TRUE(Has(t,
                  "rig_operations_total{agent=\"a1\",type=\"oltp_point_"
                  "select\",outcome=\"error\"} 3"))
      << t;
  EXPECT_TRUE(Has(t,
                  "rig_operation_duration_seconds_bucket{agent=\"a1\","
                  "type=\"oltp_point_select\",le=\"0.0005\"} 2"))
      << t;
  EXPECT_TRUE(Has(t,
                  "rig_operation_duration_seconds_count{agent=\"a1\","
                  "type=\"oltp_point_select\"} 3"))
      << t;
  EXPECT_TRUE(Has(t, "rig_queries_total{agent=\"a1\"} 33")) << t;
  EXPECT_TRUE(Has(t, "rig_retries_total{agent=\"a1\"} 6")) << t;
  EXPECT_TRUE(Has(t, "rig_reconnects_total{agent=\"a1\"} 2")) << t;
  EXPECT_TRUE(Has(t, "rig_errors_total{agent=\"a1\",class=\"reconnect\"} 3"))
      << t;
  EXPECT_TRUE(Has(t, "rig_errors_by_code_total{agent=\"a1\",code=\"2013\"} 3"))
      << t;
  EXPECT_TRUE(Has(t, "rig_breaker_open_seconds_total{agent=\"a1\"} 0.5")) << t;
  EXPECT_TRUE(Has(t, "rig_connections_open{agent=\"a1\"} 4")) << t;
  EXPECT_TRUE(Has(t, "rig_breaker_state{agent=\"a1\",endpoint=\"db:3306\"} 1"))
      << t;
}

// oltp_* and sql count statements by kind as sysbench does; the series
// add up over intervals, and a workload that counts none has none.
TEST(RunMetricsTest, StatementKindsAreASeriesEachWhereCounted) {
  RunMetrics m;
  m.RunStarted("a1", "oltp_read_write", {"db:3306"});
  m.RunStarted("a2", "oltp_point_select", {"db:3306"});
  m.RunStarted("a3", "tpcc", {"db:3306"});
  for (int i = 0; i < 2; ++i) {
    rig::v1::AgentMessage rw = Interval(10, 0, {300});
    rw.mutable_interval()->mutable_counters()->set_read_queries(140 + i);
    rw.mutable_interval()->mutable_counters()->set_write_queries(40);
    rw.mutable_interval()->mutable_counters()->set_other_queries(20);
    m.Message("a1", rw);
    rig::v1::AgentMessage ps = Interval(10, 0, {300});
    ps.mutable_interval()->mutable_counters()->set_read_queries(10);
    m.Message("a2", ps);
    m.Message("a3", Interval(10, 0, {300}));
  }
  const std::string t = Render(m);
  EXPECT_TRUE(Has(t, "rig_statements_total{agent=\"a1\",kind=\"read\"} 281"))
      << t;
  EXPECT_TRUE(Has(t, "rig_statements_total{agent=\"a1\",kind=\"write\"} 80"))
      << t;
  EXPECT_TRUE(Has(t, "rig_statements_total{agent=\"a1\",kind=\"other\"} 40"))
      << t;
  EXPECT_TRUE(Has(t, "rig_statements_total{agent=\"a2\",kind=\"read\"} 20"))
      << t;
  EXPECT_TRUE(Has(t, "rig_statements_total{agent=\"a2\",kind=\"write\"} 0"))
      << t;
  EXPECT_EQ(t.find("rig_statements_total{agent=\"a3\""), std::string::npos)
      << t;
}

TEST(RunMetricsTest, BreakerEventsSetStateAndCountTransitions) {
  RunMetrics m;
  m.RunStarted("a1", "bank", {"db-0:3306", "db-1:3306"});
  rig::v1::AgentMessage e;
  e.mutable_breaker_event()->set_target("db-1:3306");
  e.mutable_breaker_event()->set_from(rig::v1::BREAKER_STATE_CLOSED);
  e.mutable_breaker_event()->set_to(rig::v1::BREAKER_STATE_OPEN);
  m.Message("a1", e);
  const std::string t = Render(m);
  EXPECT_TRUE(
      Has(t, "rig_breaker_state{agent=\"a1\",endpoint=\"db-0:3306\"} 0"))
      << t;
  EXPECT_TRUE(
      Has(t, "rig_breaker_state{agent=\"a1\",endpoint=\"db-1:3306\"} 2"))
      << t;
  EXPECT_TRUE(Has(t,
                  "rig_breaker_transitions_total{agent=\"a1\",endpoint="
                  "\"db-1:3306\",from=\"closed\",to=\"open\"} 1"))
      << t;
}

TEST(RunMetricsTest, RunStateIsASetWithOneStateAtOne) {
  RunMetrics m;
  m.RunStarted("a1", "bank", {"db:3306"});
  rig::v1::AgentMessage sc;
  sc.mutable_state_changed()->set_to(rig::v1::STATE_RUNNING);
  m.Message("a1", sc);
  std::string t = Render(m);
  EXPECT_TRUE(Has(t, "rig_run_state{agent=\"a1\",state=\"running\"} 1")) << t;
  EXPECT_TRUE(Has(t, "rig_run_state{agent=\"a1\",state=\"initializing\"} 0"))
      << t;
  sc.mutable_state_changed()->set_to(rig::v1::STATE_CUSTOM);
  sc.mutable_state_changed()->set_to_name("Soaking");
  m.Message("a1", sc);
  t = Render(m);
  EXPECT_TRUE(Has(t, "rig_run_state{agent=\"a1\",state=\"Soaking\"} 1")) << t;
  EXPECT_TRUE(Has(t, "rig_run_state{agent=\"a1\",state=\"running\"} 0")) << t;
  rig::v1::AgentMessage r;
  r.mutable_result()->set_final_state(rig::v1::STATE_COMPLETED);
  m.Message("a1", r);
  t = Render(m);
  EXPECT_TRUE(Has(t, "rig_run_state{agent=\"a1\",state=\"completed\"} 1")) << t;
  EXPECT_TRUE(Has(t, "rig_connections_open{agent=\"a1\"} 0")) << t;
}

// Counters outlive runs (an agent serves many); gauges start again.
TEST(RunMetricsTest, ASecondRunAddsToCountersAndResetsGauges) {
  RunMetrics m;
  m.RunStarted("a1", "oltp_insert", {"db:3306"});
  m.Message("a1", Interval(10, 0, {100}));
  m.RunStarted("a1", "oltp_insert", {"db:3306"});
  const std::string t = Render(m);
  EXPECT_TRUE(Has(t,
                  "rig_operations_total{agent=\"a1\",type=\"oltp_insert\","
                  "outcome=\"success\"} 10"))
      << t;
  EXPECT_TRUE(Has(t, "rig_connections_open{agent=\"a1\"} 0")) << t;
  EXPECT_TRUE(Has(t, "rig_breaker_state{agent=\"a1\",endpoint=\"db:3306\"} 0"))
      << t;
}

// A workload of several types (tpcc): one series per type the intervals
// carry, and none left for the workload kind.
TEST(RunMetricsTest, IntervalsWithTypesGiveASeriesPerType) {
  RunMetrics m;
  m.RunStarted("a1", "tpcc", {"db:3306"});
  rig::v1::AgentMessage msg = Interval(7, 1, {200, 300, 400});
  for (const auto& [type, ops, errors, us] :
       {std::tuple<const char*, int64_t, int64_t, int64_t>{"new_order", 4, 1,
                                                           300},
        {"payment", 3, 0, 3000}}) {
    rig::v1::OperationStats* o = msg.mutable_interval()->add_operations();
    o->set_type(type);
    o->mutable_counters()->set_ops(ops);
    o->mutable_counters()->set_errors(errors);
    Histogram h;
    for (int i = 0; i < ops; ++i) h.Record(us);
    o->set_latency(h.Encode());
  }
  m.Message("a1", msg);
  const std::string t = Render(m);
  EXPECT_TRUE(Has(t,
                  "rig_operations_total{agent=\"a1\",type=\"new_order\","
                  "outcome=\"success\"} 4"))
      << t;
  EXPECT_TRUE(Has(t,
                  "rig_operations_total{agent=\"a1\",type=\"new_order\","
                  "outcome=\"error\"} 1"))
      << t;
  EXPECT_TRUE(Has(t,
                  "rig_operation_duration_seconds_count{agent=\"a1\","
                  "type=\"payment\"} 3"))
      << t;
  EXPECT_EQ(t.find("type=\"tpcc\""), std::string::npos) << t;
}

TEST(RunMetricsTest, AnIntervalWithoutTypesIsTheWorkloadKind) {
  rig::v1::IntervalStats iv;
  iv.mutable_counters()->set_ops(3);
  auto types = OperationTypes("oltp_read_write", iv);
  ASSERT_EQ(types.size(), 1u);
  EXPECT_EQ(types[0].type, "oltp_read_write");
  EXPECT_EQ(types[0].counters->ops(), 3);
}

}  // namespace
}  // namespace rig::metrics
