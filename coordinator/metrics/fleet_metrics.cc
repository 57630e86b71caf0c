#include "coordinator/metrics/fleet_metrics.h"

#include "absl/strings/str_cat.h"
#include "common/metrics/exposition.h"
#include "plan/endpoints.h"

namespace rig::coordinator {
namespace {

constexpr int kLive = 0;
constexpr int kDone = 1;
constexpr int kLost = 2;
constexpr const char* kPhases[] = {"checking", "running", "stopping",
                                   "finished"};

}  // namespace

std::string FleetMetrics::BarrierLabel(rig::v1::State state,
                                       const std::string& barrier) {
  const std::string name = metrics::RunStateName(state, "");
  return barrier.empty() ? name : absl::StrCat(name, "/", barrier);
}

void FleetMetrics::SetPhase(const std::string& phase) {
  std::lock_guard<std::mutex> lock(mu_);
  phase_ = phase;
}

void FleetMetrics::RunStarted(
    const std::vector<std::string>& agents,
    const std::vector<rig::v1::Assignment>& assignments) {
  for (size_t i = 0; i < agents.size() && i < assignments.size(); ++i) {
    std::vector<std::string> endpoints;
    if (auto list = plan::TargetEndpoints(assignments[i].plan().target());
        list.ok()) {
      for (const auto& e : *list) endpoints.push_back(e.name);
    }
    runs_.RunStarted(agents[i], assignments[i].plan().workload().kind(),
                     endpoints);
  }
  std::lock_guard<std::mutex> lock(mu_);
  names_ = agents;
  status_.assign(agents.size(), kLive);
  phase_ = "running";
}

void FleetMetrics::Message(int index, const rig::v1::AgentMessage& message) {
  std::string name;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (index < 0 || index >= static_cast<int>(names_.size())) return;
    name = names_[index];
  }
  runs_.Message(name, message);
}

void FleetMetrics::AgentDone(int index) {
  std::lock_guard<std::mutex> lock(mu_);
  if (index >= 0 && index < static_cast<int>(status_.size())) {
    status_[index] = kDone;
  }
}

void FleetMetrics::AgentLost(int index) {
  std::lock_guard<std::mutex> lock(mu_);
  if (index >= 0 && index < static_cast<int>(status_.size())) {
    status_[index] = kLost;
  }
}

void FleetMetrics::BarrierWait(int index, rig::v1::State state,
                               const std::string& barrier) {
  std::lock_guard<std::mutex> lock(mu_);
  barriers_[BarrierLabel(state, barrier)].waiting.emplace(index, Clock::now());
}

void FleetMetrics::BarrierReleased(rig::v1::State state,
                                   const std::string& barrier) {
  std::lock_guard<std::mutex> lock(mu_);
  Barrier& b = barriers_[BarrierLabel(state, barrier)];
  const Clock::time_point now = Clock::now();
  for (const auto& [agent, since] : b.waiting) {
    b.wait_seconds += std::chrono::duration<double>(now - since).count();
  }
  b.waiting.clear();
  ++b.releases;
}

std::string FleetMetrics::Render() const {
  metrics::Exposition out;
  runs_.Render(&out);
  std::lock_guard<std::mutex> lock(mu_);
  out.Family(metrics::Spec("rig_agents"));
  int counts[3] = {0, 0, 0};
  for (int s : status_) ++counts[s];
  out.Sample("rig_agents", {{"status", "live"}}, counts[kLive]);
  out.Sample("rig_agents", {{"status", "done"}}, counts[kDone]);
  out.Sample("rig_agents", {{"status", "lost"}}, counts[kLost]);
  out.Family(metrics::Spec("rig_barrier_agents_waiting"));
  for (const auto& [label, b] : barriers_) {
    out.Sample("rig_barrier_agents_waiting", {{"barrier", label}},
               static_cast<double>(b.waiting.size()));
  }
  out.Family(metrics::Spec("rig_barrier_releases_total"));
  for (const auto& [label, b] : barriers_) {
    out.Sample("rig_barrier_releases_total", {{"barrier", label}},
               static_cast<double>(b.releases));
  }
  out.Family(metrics::Spec("rig_barrier_wait_seconds_total"));
  for (const auto& [label, b] : barriers_) {
    out.Sample("rig_barrier_wait_seconds_total", {{"barrier", label}},
               b.wait_seconds);
  }
  out.Family(metrics::Spec("rig_coordinator_state"));
  for (const char* phase : kPhases) {
    out.Sample("rig_coordinator_state", {{"state", phase}},
               phase_ == phase ? 1 : 0);
  }
  return out.text();
}

}  // namespace rig::coordinator
