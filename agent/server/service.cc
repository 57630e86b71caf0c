#include "agent/server/service.h"

#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "agent/faults/fault_runner.h"
#include "agent/load/runner.h"
#include "common/base/cores.h"
#include "common/base/logging.h"
#include "common/base/proto_duration.h"
#include "common/base/version.h"
#include "common/net/grpc_status.h"

namespace rig::agent {
namespace {

using Stream = grpc::ServerReaderWriter<rig::v1::AgentMessage,
                                        rig::v1::CoordinatorMessage>;

// Serialises writes to the stream (one write in flight); a failed write
// means the coordinator is gone, which cancels the run.
class StreamEvents : public RunEvents {
 public:
  // `metrics` (may be null) sees every message, as `agent`'s.
  StreamEvents(Stream* stream, metrics::RunMetrics* metrics, std::string agent)
      : stream_(stream), metrics_(metrics), agent_(std::move(agent)) {}
  void Send(const rig::v1::AgentMessage& message) override {
    if (metrics_ != nullptr) metrics_->Message(agent_, message);
    std::lock_guard<std::mutex> lock(mu_);
    if (broken_) return;
    last_sent_ = std::chrono::steady_clock::now();
    if (!stream_->Write(message)) {
      broken_ = true;
      if (on_broken_) on_broken_();
    }
  }
  // When the last message went out.
  std::chrono::steady_clock::time_point last_sent() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_sent_;
  }
  void OnBroken(std::function<void()> f) {
    std::lock_guard<std::mutex> lock(mu_);
    on_broken_ = std::move(f);
  }

 private:
  std::mutex mu_;
  Stream* stream_;  // guarded by mu_
  metrics::RunMetrics* const metrics_;
  const std::string agent_;
  bool broken_ = false;                              // guarded by mu_
  std::function<void()> on_broken_;                  // guarded by mu_
  std::chrono::steady_clock::time_point last_sent_;  // guarded by mu_
};

}  // namespace

AgentServiceImpl::AgentServiceImpl(AgentOptions options, db::Driver* driver,
                                   const Catalogue* catalogue,
                                   const StateRegistry* states)
    : options_(std::move(options)),
      driver_(driver),
      catalogue_(catalogue),
      states_(states) {}

grpc::Status AgentServiceImpl::GetInfo(grpc::ServerContext*,
                                       const rig::v1::GetInfoRequest*,
                                       rig::v1::AgentInfo* response) {
  response->set_version(kToolVersion);
  response->set_protocol_version(rig::v1::PROTOCOL_VERSION_CURRENT);
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  response->set_hostname(host);
  response->set_cores(options_.cores > 0 ? options_.cores : UsableCores());
  response->set_token_required(options_.token_required);
  for (auto& w : catalogue_->List()) *response->add_workloads() = std::move(w);
  std::lock_guard<std::mutex> lock(mu_);
  response->set_name(options_.name);
  response->set_busy(busy_.load());
  response->set_current_run_id(run_id_);
  return grpc::Status::OK;
}

void AgentServiceImpl::SetName(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  options_.name = name;
}

void AgentServiceImpl::CancelActiveRun(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  if (active_ != nullptr) active_->cancel.Cancel(absl::CancelledError(reason));
}

grpc::Status AgentServiceImpl::Session(grpc::ServerContext* context,
                                       Stream* stream) {
  rig::v1::CoordinatorMessage first;
  bool got_first = false;
  bool timed_out = false;
  {
    // The first Read waits for a peer that may never write: a guard cancels
    // the call after start_timeout.
    std::mutex first_mu;
    std::condition_variable first_cv;
    bool read_done = false;
    std::thread guard([&] {
      std::unique_lock<std::mutex> lock(first_mu);
      if (!first_cv.wait_for(lock,
                             absl::ToChronoNanoseconds(options_.start_timeout),
                             [&] { return read_done; })) {
        timed_out = true;
        context->TryCancel();
      }
    });
    got_first = stream->Read(&first);
    {
      std::lock_guard<std::mutex> lock(first_mu);
      read_done = true;
    }
    first_cv.notify_all();
    guard.join();
  }
  if (!got_first) {
    if (timed_out) {
      RIG_LOG(Warning) << "closed a session from " << context->peer()
                       << ": no Start within "
                       << absl::FormatDuration(options_.start_timeout);
    }
    return grpc::Status(
        grpc::StatusCode::CANCELLED,
        timed_out ? absl::StrCat("no Start within ",
                                 absl::FormatDuration(options_.start_timeout))
                  : std::string("stream closed before Start"));
  }
  if (!first.has_start()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the first message of a session must be Start");
  }
  if (absl::Status s =
          CheckAssignment(first.start().assignment(), options_.limits);
      !s.ok()) {
    RIG_LOG(Warning) << "refused a run from " << context->peer() << ": "
                     << s.message();
    return ToGrpcStatus(s);
  }
  std::string name;
  {
    std::lock_guard<std::mutex> lock(mu_);
    name = options_.name;
    if (busy_.load()) {
      return grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("agent ", name, " is busy with run ", run_id_));
    }
    busy_.store(true);
  }
  if (options_.on_busy) options_.on_busy(true);
  const rig::v1::Start& start = first.start();
  rig::v1::Assignment assignment = start.assignment();
  if (assignment.agent_name().empty()) assignment.set_agent_name(name);
  // Redacted from the logs while this run lasts (not for ever: a later run
  // must not find its words blanked by an earlier run's password).
  const ScopedSecret password(assignment.plan().target().password());
  SetLogContext("run", start.run_id());

  StreamEvents events(stream, options_.metrics, name);
  RunContext ctx(start.run_id(), assignment, driver_, catalogue_, &events);
  if (options_.metrics != nullptr) {
    std::vector<std::string> endpoints;
    for (const auto& e : ctx.endpoints) endpoints.push_back(e.name);
    options_.metrics->RunStarted(name, assignment.plan().workload().kind(),
                                 endpoints);
  }
  events.OnBroken([&ctx] {
    ctx.cancel.Cancel(absl::CancelledError("coordinator stream broken"));
  });
  {
    std::lock_guard<std::mutex> lock(mu_);
    run_id_ = start.run_id();
    active_ = &ctx;
  }
  RIG_LOG(Info) << "run started: " << assignment.connections()
                << " connections, workload "
                << assignment.plan().workload().kind();

  // The plan's sql faults, run when the coordinator says (before the
  // reader, which feeds it; destroyed after the reader is joined).
  FaultRunner faults(ctx);
  // Reader: barriers, faults, Stop, heartbeats; end of stream cancels the
  // run.
  std::mutex reader_mu;
  std::condition_variable reader_cv;
  bool reader_done = false;
  std::atomic<int64_t> last_heard_us{ctx.OffsetUs()};
  std::thread reader([&] {
    rig::v1::CoordinatorMessage m;
    while (stream->Read(&m)) {
      last_heard_us.store(ctx.OffsetUs());
      if (m.has_advance()) {
        if (m.advance().barrier().empty()) {
          if (m.advance().to_state() == rig::v1::STATE_VERIFYING) {
            ctx.run_verify.store(m.advance().run_once());
          } else if (m.advance().to_state() == rig::v1::STATE_REPORTING) {
            ctx.run_cleanup.store(m.advance().run_once());
          }
        }
        ctx.Advance(m.advance().to_state(), m.advance().barrier());
      } else if (m.has_fault()) {
        faults.Handle(m.fault());
      } else if (m.has_stop()) {
        ctx.cancel.Cancel(absl::CancelledError(
            absl::StrCat("stopped by the coordinator: ", m.stop().reason())));
      }
    }
    ctx.cancel.Cancel(absl::CancelledError("coordinator closed the stream"));
    std::lock_guard<std::mutex> lock(reader_mu);
    reader_done = true;
    reader_cv.notify_all();
  });

  // Heartbeats both ways: ours tell the coordinator we are alive in long
  // quiet phases; a coordinator silent for heartbeat_timeout (killed, or the
  // network cut) ends the run, which frees the connections.
  std::mutex beat_mu;
  std::condition_variable beat_cv;
  bool beat_done = false;
  std::thread beater([&] {
    const rig::v1::AgentPolicy& policy = assignment.plan().agents();
    const absl::Duration interval = FromProto(policy.heartbeat_interval());
    const int64_t timeout_us =
        absl::ToInt64Microseconds(FromProto(policy.heartbeat_timeout()));
    int64_t seq = 0;
    std::unique_lock<std::mutex> lock(beat_mu);
    while (!beat_cv.wait_for(lock, absl::ToChronoNanoseconds(interval),
                             [&] { return beat_done; })) {
      // Any message tells the coordinator we live: a heartbeat only when
      // nothing went out for half an interval (while measuring, the
      // intervals do; a fleet's coordinator reads half the messages).
      if (std::chrono::steady_clock::now() - events.last_sent() >
          absl::ToChronoNanoseconds(interval / 2)) {
        rig::v1::AgentMessage hb;
        hb.mutable_heartbeat()->set_seq(++seq);
        events.Send(hb);
      }
      const int64_t silent_us = ctx.OffsetUs() - last_heard_us.load();
      if (silent_us > timeout_us) {
        RIG_LOG(Warning) << "coordinator lost: nothing heard for "
                         << silent_us / 1000 << "ms; ending the run";
        ctx.cancel.Cancel(absl::CancelledError(absl::StrCat(
            "coordinator lost: nothing heard for ", silent_us / 1000, "ms")));
        context->TryCancel();
        break;
      }
    }
  });

  StateMachine machine(*states_);
  const std::string final_state = machine.Run(ctx);
  RIG_LOG(Info) << "run ended in state " << final_state;
  if (!ctx.result.has_server() && !ctx.server.flavor.empty()) {
    // Runs that end early skip Reporting; the server is known all the same.
    auto* server = ctx.result.mutable_server();
    server->set_flavor(ctx.server.flavor);
    server->set_version(ctx.server.version);
    server->set_version_comment(ctx.server.version_comment);
  }
  // Release connections before reporting, so that when the coordinator has
  // the result the database has its connections back.
  ctx.load.reset();
  ctx.connections.clear();
  {
    rig::v1::AgentMessage m;
    *m.mutable_result() = ctx.result;
    events.Send(m);
  }
  {
    std::lock_guard<std::mutex> lock(beat_mu);
    beat_done = true;
  }
  beat_cv.notify_all();
  beater.join();
  {
    std::unique_lock<std::mutex> lock(reader_mu);
    if (!reader_cv.wait_for(lock,
                            absl::ToChronoNanoseconds(options_.close_grace),
                            [&] { return reader_done; })) {
      context->TryCancel();
    }
  }
  reader.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    active_ = nullptr;
    run_id_.clear();
  }
  SetLogContext("run", "");
  busy_.store(false);
  if (options_.on_busy) options_.on_busy(false);
  return grpc::Status::OK;
}

}  // namespace rig::agent
