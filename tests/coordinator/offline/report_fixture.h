#pragma once

// Reports for the tests of the report commands, made as the coordinator
// makes them: agents' intervals and results through RunAggregate, then the
// Report fields BuildReport fills. Test-only.

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/version.h"
#include "common/stats/histogram.h"
#include "coordinator/results/aggregate.h"
#include "google/protobuf/util/time_util.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator::testing {

// One agent's run: per interval, the response times it recorded (us).
using Samples = std::vector<std::vector<int64_t>>;

// A PASSED report of plan `plan_name` started at `started_us` (since the
// epoch), its intervals 1 s long from offset 2 s, one agent per entry of
// `agents`.
inline rig::v1::Report MakeReport(const std::string& run_id,
                                  const std::string& plan_name,
                                  int64_t started_us,
                                  const std::vector<Samples>& agents,
                                  int64_t errors_per_interval = 0) {
  using google::protobuf::util::TimeUtil;
  RunAggregate agg(static_cast<int>(agents.size()));
  for (size_t a = 0; a < agents.size(); ++a) {
    agg.SetAgentOrigin(static_cast<int>(a), 2000000);
    rig::v1::RunResult result;
    Histogram total;
    int64_t ops = 0;
    for (size_t seq = 0; seq < agents[a].size(); ++seq) {
      Histogram h;
      for (int64_t v : agents[a][seq]) h.Record(v);
      rig::v1::IntervalStats s;
      s.set_seq(static_cast<int64_t>(seq));
      s.set_start_offset_us(static_cast<int64_t>(seq) * 1000000);
      s.set_end_offset_us(static_cast<int64_t>(seq + 1) * 1000000);
      s.mutable_counters()->set_ops(h.count());
      s.mutable_counters()->set_queries(h.count());
      s.mutable_counters()->set_errors(errors_per_interval);
      s.set_latency(h.Encode());
      s.set_service_latency(h.Encode());
      (void)agg.AddInterval(static_cast<int>(a), s,
                            static_cast<int>(agents.size()), nullptr);
      total.Merge(h);
      ops += h.count();
    }
    result.set_final_state(rig::v1::STATE_COMPLETED);
    result.mutable_counters()->set_ops(ops);
    result.mutable_counters()->set_queries(ops);
    result.mutable_counters()->set_errors(
        errors_per_interval * static_cast<int64_t>(agents[a].size()));
    result.set_latency(total.Encode());
    result.set_service_latency(total.Encode());
    result.set_measured_us(static_cast<int64_t>(agents[a].size()) * 1000000);
    (void)agg.SetResult(static_cast<int>(a), result);
  }
  rig::v1::Report r;
  r.set_schema_version(kReportSchemaVersion);
  r.set_tool_version("test");
  r.set_run_id(run_id);
  r.mutable_plan()->set_name(plan_name);
  r.mutable_plan()->mutable_workload()->set_kind("oltp_point_select");
  r.mutable_plan()->mutable_load()->set_connections(4);
  r.mutable_plan()->mutable_load()->mutable_report_interval()->set_seconds(1);
  r.mutable_plan()->mutable_report()->set_json(run_id + ".json");
  *r.mutable_started_at() = TimeUtil::MicrosecondsToTimestamp(started_us);
  *r.mutable_finished_at() =
      TimeUtil::MicrosecondsToTimestamp(started_us + 60000000);
  r.set_status(rig::v1::RUN_STATUS_PASSED);
  *r.mutable_total() = agg.Total();
  for (size_t a = 0; a < agents.size(); ++a) {
    auto* ar = r.add_agents();
    ar->set_name("agent-" + std::to_string(a + 1));
    ar->set_final_state(rig::v1::STATE_COMPLETED);
    *ar->mutable_summary() = agg.AgentSummary(static_cast<int>(a));
  }
  for (const auto& iv : agg.Intervals()) *r.add_intervals() = iv;
  return r;
}

}  // namespace rig::coordinator::testing
