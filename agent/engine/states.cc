// The standard state handlers of a run (docs/design.md, "The state machine"):
// Initializing -> Connecting -> Preparing -> WarmingUp -> Running ->
// Verifying -> Reporting -> Completed. Initializing builds the workload or
// the scenario that workload.kind names; a scenario's steps replace
// Preparing .. Verifying for that run (Initializing::AddStates).
//
// Where several agents must agree, the coordinator lists barriers in the
// assignment: inside Preparing (the schema exists before anyone loads),
// before WarmingUp (everyone loaded before anyone runs), before Verifying
// (everyone stopped before the data is checked) and before Reporting
// (checks done before the tables are dropped).

#include "absl/strings/str_cat.h"
#include "agent/engine/catalogue.h"
#include "agent/engine/state_machine.h"
#include "agent/load/runner.h"
#include "agent/resilience/error_class.h"
#include "agent/scenarios/alongside.h"
#include "agent/scenarios/scenario.h"
#include "common/base/check_status.h"
#include "common/base/error_context.h"
#include "common/base/logging.h"
#include "common/base/proto_duration.h"
#include "common/base/status_macros.h"
#include "plan/barriers.h"
#include "plan/target.h"

namespace rig::agent {
namespace {

class Initializing : public StateHandler {
 public:
  absl::StatusOr<std::string> Execute(RunContext& ctx) override {
    const rig::v1::Plan& plan = ctx.assignment.plan();
    if (ctx.assignment.connections() <= 0) {
      return absl::InvalidArgumentError(
          "assignment has no connections (load.connections must be at least "
          "the number of agents)");
    }
    if (auto endpoints = plan::TargetEndpoints(plan.target());
        !endpoints.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"target.endpoints\": ", endpoints.status().message()));
    }
    if (auto classifier =
            ErrorClassifier::Create(plan.resilience().error_classes());
        !classifier.ok()) {
      return classifier.status();
    }
    // Before any connection: TLS keys that disagree, or a CA, certificate
    // or key file this agent cannot read, fail the run here, by name.
    RETURN_IF_ERROR(rig::plan::CheckTargetTls(plan.target(), nullptr));
    RETURN_IF_ERROR(rig::plan::CheckTargetTlsFiles(plan.target()));
    ASSIGN_OR_RETURN(auto built, ctx.catalogue->Make(plan.workload()));
    RETURN_IF_ERROR(Alongside::Check(plan, *ctx.catalogue));
    ctx.workload = std::move(built.workload);
    ctx.scenario = std::move(built.scenario);
    if (ctx.workload != nullptr) {
      ctx.workload->SetAgent(ctx.assignment.agent_index(),
                             std::max(1, ctx.assignment.agent_count()));
    }
    return std::string(kNext);
  }
  // A scenario: Connecting -> its steps -> Reporting.
  absl::Status AddStates(const RunContext& ctx,
                         StateRegistry& states) override {
    if (ctx.scenario == nullptr) return absl::OkStatus();
    return AddScenarioSteps(states, ctx.scenario->Steps(), kConnecting,
                            kReporting);
  }
};

class Connecting : public StateHandler {
 public:
  absl::StatusOr<std::string> Execute(RunContext& ctx) override {
    auto scope = ctx.driver->AttachThread();
    // Every endpoint must answer at the start: a dead or mistyped one is
    // named now rather than found by its breaker later.
    for (int i = 0; i < ctx.assignment.connections(); ++i) {
      if (ctx.cancel.cancelled()) return ctx.cancel.reason();
      const size_t endpoint = ctx.InitialEndpoint(i);
      auto conn = ctx.driver->Connect(ctx.ConnectOptions(endpoint));
      if (!conn.ok()) {
        ErrorContext where;
        where.operation =
            ctx.endpoints.size() > 1
                ? absl::StrCat("connect to ", ctx.endpoints[endpoint].name)
                : "connect";
        where.connection = i;
        return WithContext(conn.status(), where);
      }
      ctx.connections.push_back(std::move(*conn));
    }
    ASSIGN_OR_RETURN(auto server, db::DetectServer(*ctx.connections.front()));
    ctx.server = server;
    std::string to;
    for (const plan::Endpoint& e : ctx.endpoints) {
      absl::StrAppend(&to, to.empty() ? "" : ", ", e.name);
    }
    RIG_LOG(Info) << ctx.connections.size() << " connections to " << to << " ("
                  << server.flavor << " " << server.version << ")";
    return std::string(kNext);
  }
  absl::Duration TimeLimit(const RunContext& ctx) const override {
    // Connections are made one after another, each bounded by the connect
    // timeout; the margin covers slow handshakes.
    return ctx.ConnectOptions().connect_timeout *
               std::max(1, ctx.assignment.connections()) +
           absl::Seconds(30);
  }
};

class Preparing : public StateHandler {
 public:
  absl::StatusOr<std::string> Execute(RunContext& ctx) override {
    const rig::v1::Workload& w = ctx.assignment.plan().workload();
    if (w.prepare() == rig::v1::PREPARE_MODE_SKIP) return std::string(kNext);
    auto scope = ctx.driver->AttachThread();
    db::Connection& conn = *ctx.connections.front();
    ErrorContext where;
    where.connection = conn.id();
    // One agent makes the schema; the others wait for it at a barrier of its
    // own: the one before PREPARING has already been released.
    if (ctx.assignment.agent_index() == 0) {
      where.operation = "create tables";
      absl::Status s = ctx.workload->CreateSchema(
          conn, w.prepare() == rig::v1::PREPARE_MODE_RECREATE);
      if (!s.ok()) return WithContext(s, where);
    }
    RETURN_IF_ERROR(
        ctx.Barrier(rig::v1::STATE_PREPARING, kTablesReady, kTablesReady));
    LoadTask task;
    task.range = ctx.assignment.prepare_range();
    task.batch_size = w.prepare_batch_size();
    int64_t last_report_us = 0;
    task.progress = [&ctx, &last_report_us](int64_t done, int64_t total) {
      const int64_t now = ctx.OffsetUs();
      if (done == total || now - last_report_us >= 1000000) {
        last_report_us = now;
        rig::v1::AgentMessage m;
        auto* p = m.mutable_progress();
        p->set_state(rig::v1::STATE_PREPARING);
        p->set_what("rows loaded");
        p->set_done(done);
        p->set_total(total);
        ctx.events->Send(m);
      }
      return !ctx.cancel.cancelled();
    };
    where.operation = "load data";
    if (absl::Status s = ctx.workload->Load(conn, task); !s.ok()) {
      return WithContext(s, where);
    }
    return std::string(kNext);
  }
};

class WarmingUp : public StateHandler {
 public:
  absl::StatusOr<std::string> Execute(RunContext& ctx) override {
    ASSIGN_OR_RETURN(auto classifier,
                     ErrorClassifier::Create(
                         ctx.assignment.plan().resilience().error_classes()));
    ctx.load = std::make_unique<LoadRunner>(ctx, std::move(classifier));
    RETURN_IF_ERROR(ctx.load->Start());
    ctx.cancel.WaitFor(FromProto(ctx.assignment.plan().load().warmup()));
    return std::string(kNext);
  }
  absl::Duration TimeLimit(const RunContext& ctx) const override {
    return FromProto(ctx.assignment.plan().load().warmup()) + absl::Seconds(60);
  }
};

absl::Duration RunLength(const rig::v1::Load& load) {
  if (load.stages_size() > 0) {
    absl::Duration total;
    for (const auto& stage : load.stages())
      total += FromProto(stage.duration());
    return total;
  }
  return FromProto(load.duration());
}

class Running : public StateHandler {
 public:
  absl::StatusOr<std::string> Execute(RunContext& ctx) override {
    ctx.load->BeginMeasuring();
    ctx.alongside = std::make_unique<Alongside>(ctx);
    ctx.alongside->Start();
    const bool cancelled =
        ctx.cancel.WaitFor(RunLength(ctx.assignment.plan().load()));
    // Stop even when cancelled, so the last interval is reported.
    ctx.load->Stop();
    ctx.alongside->Finish(cancelled ? absl::ZeroDuration() : kAlongsideGrace);
    const StatsDelta& totals = ctx.load->totals();
    totals.counters.ToProto(ctx.result.mutable_counters());
    ctx.result.set_latency(totals.latency.Encode());
    ctx.result.set_service_latency(totals.service_latency.Encode());
    ctx.result.set_measured_us(ctx.load->measured_us());
    return std::string(kNext);
  }
  absl::Duration TimeLimit(const RunContext& ctx) const override {
    // The read timeout bounds how long stopping the workers can take.
    return RunLength(ctx.assignment.plan().load()) +
           ctx.ConnectOptions().read_timeout + absl::Seconds(30) +
           (ctx.assignment.plan().alongside().empty() ? absl::ZeroDuration()
                                                      : kAlongsideGrace);
  }
  void Exit(RunContext& ctx) override {
    // Overrun or error: no round outlives the state.
    if (ctx.alongside != nullptr) ctx.alongside->Finish(absl::ZeroDuration());
  }
};

// The connection for the once-per-run steps after the load (the global
// verification, the cleanup). The load can leave the first slot empty: a
// reconnect that failed as the load stopped (the server still down, the
// breaker open); then one is opened here.
absl::StatusOr<db::Connection*> AfterLoadConnection(RunContext& ctx) {
  if (ctx.connections.empty()) ctx.connections.resize(1);
  if (ctx.connections.front() == nullptr) {
    ASSIGN_OR_RETURN(ctx.connections.front(),
                     ctx.driver->Connect(ctx.ConnectOptions()));
  }
  return ctx.connections.front().get();
}

class Verifying : public StateHandler {
 public:
  absl::StatusOr<std::string> Execute(RunContext& ctx) override {
    // A global check runs once, on the agent the coordinator chose (at the
    // barrier before this state: another one if agent 0 was lost).
    if (!ctx.run_verify.load()) return std::string(kNext);
    auto scope = ctx.driver->AttachThread();
    ErrorContext where;
    where.operation = "verify";
    auto conn = AfterLoadConnection(ctx);
    if (!conn.ok()) return WithContext(conn.status(), where);
    auto result = ctx.workload->Verify(**conn);
    if (!result.ok()) {
      where.connection = (*conn)->id();
      return WithContext(result.status(), where);
    }
    *ctx.result.mutable_verification() = *result;
    for (const auto& check : result->checks()) {
      RIG_LOG(Info) << "check " << check.message();
    }
    return std::string(kNext);
  }
};

class Reporting : public StateHandler {
 public:
  absl::StatusOr<std::string> Execute(RunContext& ctx) override {
    // The verdict of the checks this agent made (scenarios, bank).
    auto* v = ctx.result.mutable_verification();
    for (const auto& check : v->checks()) {
      v->set_status(FoldCheckStatus(v->status(), check.status()));
    }
    if (ctx.workload != nullptr && ctx.assignment.plan().workload().cleanup() &&
        ctx.run_cleanup.load()) {
      auto scope = ctx.driver->AttachThread();
      ErrorContext where;
      where.operation = "cleanup";
      auto conn = AfterLoadConnection(ctx);
      if (!conn.ok()) return WithContext(conn.status(), where);
      if (absl::Status s = ctx.workload->Cleanup(**conn); !s.ok()) {
        return WithContext(s, where);
      }
    }
    auto* server = ctx.result.mutable_server();
    server->set_flavor(ctx.server.flavor);
    server->set_version(ctx.server.version);
    server->set_version_comment(ctx.server.version_comment);
    return std::string(kNext);
  }
};

}  // namespace

StateRegistry StateRegistry::Standard() {
  StateRegistry r;
  r.Register(kInitializing, std::make_shared<Initializing>(), {kConnecting});
  r.Register(kConnecting, std::make_shared<Connecting>(), {kPreparing});
  r.Register(kPreparing, std::make_shared<Preparing>(), {kWarmingUp});
  r.Register(kWarmingUp, std::make_shared<WarmingUp>(), {kRunning});
  r.Register(kRunning, std::make_shared<Running>(), {kVerifying, kReporting});
  r.Register(kVerifying, std::make_shared<Verifying>(), {kReporting});
  r.Register(kReporting, std::make_shared<Reporting>(), {kCompleted});
  return r;
}

}  // namespace rig::agent
