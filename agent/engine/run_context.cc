#include "agent/engine/run_context.h"

#include <algorithm>

#include "agent/engine/state_machine.h"
#include "agent/load/runner.h"
#include "agent/scenarios/alongside.h"
#include "agent/scenarios/scenario.h"
#include "common/base/proto_duration.h"
#include "plan/plan.h"

namespace rig::agent {
namespace {

const std::pair<const char*, rig::v1::State> kStates[] = {
    {kInitializing, rig::v1::STATE_INITIALIZING},
    {kConnecting, rig::v1::STATE_CONNECTING},
    {kPreparing, rig::v1::STATE_PREPARING},
    {kWarmingUp, rig::v1::STATE_WARMING_UP},
    {kRunning, rig::v1::STATE_RUNNING},
    {kVerifying, rig::v1::STATE_VERIFYING},
    {kReporting, rig::v1::STATE_REPORTING},
    {kCompleted, rig::v1::STATE_COMPLETED},
    {kFailed, rig::v1::STATE_FAILED},
    {kCancelled, rig::v1::STATE_CANCELLED},
};

}  // namespace

rig::v1::State StateEnum(const std::string& name) {
  for (const auto& [n, e] : kStates) {
    if (name == n) return e;
  }
  return rig::v1::STATE_CUSTOM;
}

std::string StateName(rig::v1::State state) {
  for (const auto& [n, e] : kStates) {
    if (state == e) return n;
  }
  return "";
}

void Cancellation::Cancel(absl::Status reason) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_.load()) return;
    reason_ = std::move(reason);
    cancelled_.store(true, std::memory_order_release);
  }
  cv_.notify_all();
}

absl::Status Cancellation::reason() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reason_;
}

bool Cancellation::WaitFor(absl::Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, absl::ToChronoNanoseconds(d),
                      [this] { return cancelled_.load(); });
}

// The one place the agent fills the plan's defaults (plan/schema.h): a
// coordinator sends them filled, so this only settles a hand-made
// assignment (a test, an embedding program); past here every field is read
// as it is, with no fallback at the read site.
namespace {
rig::v1::Assignment WithPlanDefaults(rig::v1::Assignment a) {
  rig::plan::ApplyPlanDefaults(*a.mutable_plan());
  return a;
}

std::vector<plan::Endpoint> EndpointsOrHost(const rig::v1::Target& t) {
  if (auto e = plan::TargetEndpoints(t); e.ok()) return *std::move(e);
  rig::v1::Target host_only = t;
  host_only.clear_endpoints();
  return *plan::TargetEndpoints(host_only);  // cannot fail
}
}  // namespace

RunContext::RunContext(std::string run_id_in, rig::v1::Assignment assignment_in,
                       db::Driver* driver_in, const Catalogue* catalogue_in,
                       RunEvents* events_in)
    : run_id(std::move(run_id_in)),
      assignment(WithPlanDefaults(std::move(assignment_in))),
      agent_name(assignment.agent_name()),
      endpoints(EndpointsOrHost(assignment.plan().target())),
      driver(driver_in),
      catalogue(catalogue_in),
      events(events_in),
      clock(std::chrono::steady_clock::now()),
      run_verify(assignment.run_verify()),
      run_cleanup(assignment.agent_index() == 0) {}

RunContext::~RunContext() = default;

void RunContext::Advance(rig::v1::State to, const std::string& barrier) {
  {
    std::lock_guard<std::mutex> lock(barrier_mu_);
    advanced_.emplace(static_cast<int>(to), barrier);
  }
  barrier_cv_.notify_all();
}

absl::Status RunContext::WaitForAdvance(rig::v1::State to,
                                        const std::string& barrier) {
  std::unique_lock<std::mutex> lock(barrier_mu_);
  while (!advanced_.count({static_cast<int>(to), barrier})) {
    if (cancel.cancelled()) return cancel.reason();
    // Short waits so a cancellation (signalled on another condition
    // variable) is seen promptly.
    barrier_cv_.wait_for(lock, std::chrono::milliseconds(20));
  }
  return absl::OkStatus();
}

absl::Status RunContext::Barrier(rig::v1::State awaiting,
                                 const std::string& message,
                                 const std::string& barrier) {
  const auto& barriers = assignment.barriers();
  if (std::find(barriers.begin(), barriers.end(), awaiting) == barriers.end()) {
    return absl::OkStatus();
  }
  rig::v1::AgentMessage m;
  auto* sc = m.mutable_state_changed();
  sc->set_from(StateEnum(state));
  sc->set_to(StateEnum(state));
  sc->set_from_name(state);
  sc->set_to_name(state);
  sc->set_offset_us(OffsetUs());
  sc->set_awaiting(awaiting);
  sc->set_barrier(barrier);
  sc->set_message(message);
  events->Send(m);
  return WaitForAdvance(awaiting, barrier);
}

db::ConnectOptions RunContext::ConnectOptions(size_t endpoint) const {
  const rig::v1::Target& t = assignment.plan().target();
  db::ConnectOptions o;
  const plan::Endpoint& e = endpoints.at(endpoint);
  o.host = e.host;
  o.port = e.port;
  o.user = t.user();
  o.password = t.password();
  o.database = t.database();
  o.connect_timeout = FromProto(t.connect_timeout());
  o.read_timeout = FromProto(t.read_timeout());
  o.write_timeout = FromProto(t.write_timeout());
  for (const auto& [k, v] : t.session_vars()) o.session_vars[k] = v;
  switch (t.tls_mode()) {
    case rig::v1::TLS_MODE_PREFERRED:
      o.tls_mode = db::TlsMode::kPreferred;
      break;
    case rig::v1::TLS_MODE_REQUIRED:
      o.tls_mode = db::TlsMode::kRequired;
      break;
    case rig::v1::TLS_MODE_VERIFY_CA:
      o.tls_mode = db::TlsMode::kVerifyCa;
      break;
    case rig::v1::TLS_MODE_VERIFY_IDENTITY:
      o.tls_mode = db::TlsMode::kVerifyIdentity;
      break;
    default:  // ApplyPlanDefaults has turned tls: true into required
      o.tls_mode = db::TlsMode::kDisabled;
      break;
  }
  o.tls_ca = t.tls_ca();
  o.tls_cert = t.tls_cert();
  o.tls_key = t.tls_key();
  o.allow_clear_password = t.allow_clear_password();
  o.protocol = t.protocol() == rig::v1::STATEMENT_PROTOCOL_TEXT
                   ? db::StatementProtocol::kText
                   : db::StatementProtocol::kPrepared;
  return o;
}

}  // namespace rig::agent
