#include "coordinator/session/assigner.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/base/version.h"
#include "coordinator/session/split.h"
#include "coordinator/session/untrusted.h"

namespace rig::coordinator {

std::string WhyUnfit(const rig::v1::Plan& plan, const std::string& address,
                     const absl::StatusOr<rig::v1::AgentInfo>& answer,
                     rig::v1::AgentInfo* usable) {
  if (!answer.ok()) return ScrubString(std::string(answer.status().message()));
  // What an agent says about itself ends up in the terminal and the report.
  rig::v1::AgentInfo info = *answer;
  ScrubStrings(&info);
  if (info.protocol_version() != rig::v1::PROTOCOL_VERSION_CURRENT) {
    return absl::StrCat(
        "agent ", address, ": speaks protocol ", info.protocol_version(),
        " (version ", info.version(), "), this coordinator speaks ",
        rig::v1::PROTOCOL_VERSION_CURRENT, " (version ", kToolVersion, ")");
  }
  if (info.busy()) {
    return absl::StrCat("agent ", address, ": busy with run ",
                        info.current_run_id());
  }
  std::vector<std::string> kinds = {plan.workload().kind()};
  for (const auto& a : plan.alongside()) kinds.push_back(a.kind());
  for (const auto& kind : kinds) {
    const bool offered =
        std::any_of(info.workloads().begin(), info.workloads().end(),
                    [&kind](const auto& w) { return w.name() == kind; });
    if (offered) continue;
    std::vector<std::string> names;
    for (const auto& w : info.workloads()) names.push_back(w.name());
    return absl::StrCat("agent ", address, ": does not offer workload \"", kind,
                        "\" (offers: ", absl::StrJoin(names, ", "), ")");
  }
  *usable = std::move(info);
  return "";
}

absl::StatusOr<std::vector<rig::v1::Assignment>> AssignWork(
    const rig::v1::Plan& plan, const std::vector<rig::v1::AgentInfo>& agents) {
  const int n = static_cast<int>(agents.size());
  const rig::v1::Load& load = plan.load();
  if (load.connections() < n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "load.connections is ", load.connections(), " but there are ", n,
        " agents: every agent needs at least one connection"));
  }
  std::vector<double> weights(n, 1.0);
  if (plan.agents().weight_by_cores()) {
    for (int i = 0; i < n; ++i) weights[i] = std::max(1, agents[i].cores());
  }
  // Every agent gets one connection; the rest go by weight.
  std::vector<int64_t> conns = SplitWeighted(load.connections() - n, weights);
  for (auto& share : conns) share += 1;
  const std::vector<double> rates = SplitRate(load.rate(), conns);
  const std::vector<rig::v1::KeyRange> ranges =
      SplitRange(1, plan.workload().table_size() + 1, n);
  std::vector<rig::v1::Assignment> out(n);
  int64_t offset = 0;
  for (int i = 0; i < n; ++i) {
    rig::v1::Assignment& a = out[i];
    a.set_agent_index(i);
    a.set_agent_count(n);
    a.set_agent_name(agents[i].name());
    *a.mutable_plan() = plan;
    a.set_connections(static_cast<int32_t>(conns[i]));
    a.set_connection_offset(static_cast<int32_t>(offset));
    offset += conns[i];
    a.set_rate(rates[i]);
    for (const auto& stage : load.stages()) {
      a.add_stage_rates(SplitRate(stage.rate(), conns)[i]);
    }
    *a.mutable_prepare_range() = ranges[i];
    a.set_run_verify(i == 0);
    // The schema exists before anyone loads (inside Preparing); everyone
    // loaded before anyone runs; everyone stopped before the data is
    // checked; checks done before the tables are dropped.
    a.add_barriers(rig::v1::STATE_PREPARING);
    a.add_barriers(rig::v1::STATE_WARMING_UP);
    a.add_barriers(rig::v1::STATE_VERIFYING);
    a.add_barriers(rig::v1::STATE_REPORTING);
  }
  return out;
}

}  // namespace rig::coordinator
