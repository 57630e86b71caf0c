// The simulated fleet (fleet_sim.h). One job, playing many agents to a
// coordinator; ~770 lines because it is a small agent of its own: the
// scheduler that drives every agent's run (states, barriers, intervals,
// heartbeats, faults), the reactor of each Session stream, the GetInfo
// service, and the record of what was sent and when. Split, each part would
// reach into the others' state under the same per-agent lock.

#include "tests/tools/fleet_sim.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <queue>
#include <random>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "agent/engine/run_context.h"
#include "common/base/proto_duration.h"
#include "common/base/version.h"
#include "grpcpp/grpcpp.h"
#include "rig/v1/agent.grpc.pb.h"

namespace rig::testing {

using Clock = std::chrono::steady_clock;

absl::StatusOr<SimFault> ParseSimFault(const std::string& word) {
  if (word == "slow") return SimFault::kSlow;
  if (word == "silent") return SimFault::kSilent;
  if (word == "lost") return SimFault::kLost;
  if (word == "lying") return SimFault::kLying;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown fault \"", word, "\" (slow, silent, lost or lying)"));
}

namespace {

// Interval shapes drawn once from a log-normal distribution (median 1 ms):
// each interval of each agent is one of them, picked by the seed, so that
// thousands of agents cost no sampling.
constexpr int kShapes = 32;

struct Shape {
  rig::v1::Counters counters;
  Histogram latency;
  std::string latency_bytes;
  std::string service_bytes;
};

std::vector<Shape> MakeShapes(uint64_t seed, int samples) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> dist(std::log(1000.0), 0.6);
  std::vector<Shape> shapes(kShapes);
  for (int k = 0; k < kShapes; ++k) {
    Shape& s = shapes[k];
    Histogram service;
    const int n = samples + k;  // distinct counts, so a mix-up shows
    for (int i = 0; i < n; ++i) {
      const auto v = static_cast<int64_t>(dist(rng)) + 1;
      s.latency.Record(v);
      service.Record(std::max<int64_t>(1, v / 2));
    }
    const int errors = k % 3;
    s.counters.set_ops(n);
    s.counters.set_queries(n + errors);
    s.counters.set_rows(n);
    s.counters.set_errors(errors);
    s.counters.set_retries(k % 2);
    if (errors > 0) {
      (*s.counters.mutable_errors_by_class())["retry_txn"] = errors;
      (*s.counters.mutable_errors_by_code())[1213] = errors;
    }
    s.latency_bytes = s.latency.Encode();
    s.service_bytes = service.Encode();
  }
  return shapes;
}

void Add(rig::v1::Counters& a, const rig::v1::Counters& b) {
  a.set_ops(a.ops() + b.ops());
  a.set_queries(a.queries() + b.queries());
  a.set_errors(a.errors() + b.errors());
  a.set_retries(a.retries() + b.retries());
  a.set_reconnects(a.reconnects() + b.reconnects());
  a.set_rows(a.rows() + b.rows());
  for (const auto& [k, v] : b.errors_by_class()) {
    (*a.mutable_errors_by_class())[k] += v;
  }
  for (const auto& [k, v] : b.errors_by_code()) {
    (*a.mutable_errors_by_code())[k] += v;
  }
}

constexpr rig::v1::State kPath[] = {
    rig::v1::STATE_INITIALIZING, rig::v1::STATE_CONNECTING,
    rig::v1::STATE_PREPARING,    rig::v1::STATE_WARMING_UP,
    rig::v1::STATE_RUNNING,      rig::v1::STATE_VERIFYING,
    rig::v1::STATE_REPORTING,    rig::v1::STATE_COMPLETED};
constexpr int kPathLength = sizeof(kPath) / sizeof(kPath[0]);

}  // namespace

class SimSession;

// One simulated agent. Everything of it is guarded by mu.
struct SimAgent {
  int index = 0;
  SimFault fault = SimFault::kNone;
  std::string address;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<rig::v1::AgentService::CallbackService> service;

  std::mutex mu;
  SimSession* session = nullptr;  // the live session, if any
  uint64_t epoch = 0;             // counts sessions started
  Clock::time_point last_sent;    // the last message queued
  bool busy = false;
  rig::v1::Assignment assignment;
  Clock::time_point started;
  std::mt19937_64 rng;
  // Where the run is: the next state of kPath to enter (kPathLength: the
  // result is next); parked at its barrier, or released from it.
  int next_state = 0;
  rig::v1::State at = rig::v1::STATE_UNSPECIFIED;
  bool parked = false;
  bool released = false;
  bool stopped = false;  // Stop received, or the stream is gone
  bool silent = false;   // a silent agent, measuring: sends nothing
  bool done = false;     // no step is left
  int64_t seq = 0;
  int64_t intervals_due = 0;
  Clock::time_point measure_start;
  SimSent sent;
  bool breaker_planned = false;
};

class SimulatedFleet::Impl {
 public:
  explicit Impl(FleetOptions options)
      : options_(std::move(options)),
        shapes_(MakeShapes(options_.seed, options_.samples_per_interval)) {}
  ~Impl() { Shutdown(); }

  absl::Status Start();
  void Shutdown();

  // Runs `fn` on agent `i` at `at` (on the scheduler thread, under the
  // agent's lock).
  void At(Clock::time_point at, int i, std::function<void(SimAgent&)> fn);

  // Messages from the coordinator and the session's end (reactor threads).
  void OnStart(SimAgent& a, SimSession* s, const rig::v1::Start& start);
  void OnAdvance(SimAgent& a, const rig::v1::Advance& advance);
  void OnStop(SimAgent& a);
  void OnSessionDone(SimAgent& a, SimSession* s);

  // The next step of agent `a`'s run; with a.mu held.
  void Step(SimAgent& a);
  void SendInterval(SimAgent& a);
  void Heartbeat(SimAgent& a);
  void Send(SimAgent& a, rig::v1::AgentMessage m);
  // Enters `to`; or, with `parked`, announces the wait at its barrier.
  void SendState(SimAgent& a, rig::v1::State to, bool parked);
  // Runs `fn` on a's current session later (nothing if it has ended).
  void Later(SimAgent& a, Clock::time_point at, void (Impl::*fn)(SimAgent&));
  void SendResult(SimAgent& a, rig::v1::State final_state);
  int64_t OffsetUs(const SimAgent& a) const {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() -
                                                                 a.started)
        .count();
  }

  FleetOptions options_;
  const std::vector<Shape> shapes_;
  std::vector<std::unique_ptr<SimAgent>> agents_;
  std::vector<std::string> addresses_;

  struct Action {
    Clock::time_point at;
    int agent;
    uint64_t order;
    std::function<void(SimAgent&)> fn;
    bool operator>(const Action& o) const {
      return at != o.at ? at > o.at : order > o.order;
    }
  };
  std::mutex sched_mu_;
  std::condition_variable sched_cv_;
  std::priority_queue<Action, std::vector<Action>, std::greater<Action>>
      actions_;
  uint64_t order_ = 0;
  bool stopping_ = false;
  std::thread scheduler_;
  mutable std::mutex ended_mu_;
  int ended_ = 0;

  static int64_t NowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               Clock::now().time_since_epoch())
        .count();
  }
  void NoteGetInfo() {
    std::lock_guard<std::mutex> lock(timings_mu_);
    if (timings_.first_get_info_ns == 0) timings_.first_get_info_ns = NowNs();
  }
  void NoteRunning(int agent) {
    std::lock_guard<std::mutex> lock(timings_mu_);
    timings_.running_ns[agent] = NowNs();
  }
  void NoteBarrier(int agent, int state, bool advanced) {
    std::lock_guard<std::mutex> lock(timings_mu_);
    auto& v = timings_.barriers[state];
    v.resize(agents_.size());
    (advanced ? v[agent].second : v[agent].first) = NowNs();
  }
  void NoteIntervalSent(int64_t seq) {
    std::lock_guard<std::mutex> lock(timings_mu_);
    timings_.interval_sent_ns[seq] = NowNs();
  }
  mutable std::mutex timings_mu_;
  FleetTimings timings_;
};

// The Session stream of one agent: reads the coordinator's messages and
// writes the agent's, one write in flight, the rest queued.
class SimSession : public grpc::ServerBidiReactor<rig::v1::CoordinatorMessage,
                                                  rig::v1::AgentMessage> {
 public:
  SimSession(SimulatedFleet::Impl* fleet, SimAgent* agent)
      : fleet_(fleet), agent_(agent) {
    StartRead(&in_);
  }

  // With agent->mu held.
  void Enqueue(rig::v1::AgentMessage m) {
    if (finishing_ || (finish_wanted_ && !finish_status_.ok())) return;
    outbox_.push_back(std::move(m));
    if (!writing_) {
      writing_ = true;
      StartWrite(&outbox_.front());
    }
  }
  // Ends the stream once queued writes are out (or, with `drop_queued`,
  // once the one in flight is); `status` not OK: broken.
  void FinishWhenWritten(grpc::Status status, bool drop_queued = false) {
    if (finishing_ || finish_wanted_) return;
    if (drop_queued) DropQueued();
    finish_status_ = std::move(status);
    finish_wanted_ = true;
    MaybeFinish();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      std::lock_guard<std::mutex> lock(agent_->mu);
      reads_done_ = true;
      if (!agent_->done) {
        // The coordinator closed or broke the stream mid-run: the run ends
        // there, as a real agent's does.
        agent_->stopped = true;
        agent_->done = true;
        FinishWhenWritten(grpc::Status::OK);
      }
      MaybeFinish();
      return;
    }
    switch (in_.msg_case()) {
      case rig::v1::CoordinatorMessage::kStart:
        fleet_->OnStart(*agent_, this, in_.start());
        break;
      case rig::v1::CoordinatorMessage::kAdvance:
        fleet_->OnAdvance(*agent_, in_.advance());
        break;
      case rig::v1::CoordinatorMessage::kStop:
        fleet_->OnStop(*agent_);
        break;
      default:
        break;
    }
    StartRead(&in_);
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(agent_->mu);
    if (!outbox_.empty()) outbox_.pop_front();
    if (!ok) outbox_.clear();
    if (!outbox_.empty() && !finishing_) {
      StartWrite(&outbox_.front());
      return;
    }
    writing_ = false;
    MaybeFinish();
  }

  void OnDone() override {
    fleet_->OnSessionDone(*agent_, this);
    delete this;
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(agent_->mu);
    agent_->stopped = true;
    agent_->done = true;
    FinishWhenWritten(grpc::Status::CANCELLED, /*drop_queued=*/true);
  }

 private:
  // Keeps only the write in flight (its message must live until it is done).
  void DropQueued() {
    if (writing_) {
      outbox_.resize(1);
    } else {
      outbox_.clear();
    }
  }

  // With agent->mu held. A broken stream ends at once (when no write is in
  // flight); a normal end waits for the coordinator to close its side.
  void MaybeFinish() {
    if (finishing_ || !finish_wanted_ || writing_) return;
    if (finish_status_.ok() && !reads_done_) return;
    finishing_ = true;
    Finish(finish_status_);
  }

  SimulatedFleet::Impl* const fleet_;
  SimAgent* const agent_;
  rig::v1::CoordinatorMessage in_;
  std::deque<rig::v1::AgentMessage> outbox_;
  bool writing_ = false;
  bool reads_done_ = false;
  bool finish_wanted_ = false;
  bool finishing_ = false;
  grpc::Status finish_status_;

  friend class SimulatedFleet::Impl;
};

namespace {

class SimService : public rig::v1::AgentService::CallbackService {
 public:
  SimService(SimulatedFleet::Impl* fleet, SimAgent* agent)
      : fleet_(fleet), agent_(agent) {}

  grpc::ServerUnaryReactor* GetInfo(grpc::CallbackServerContext* context,
                                    const rig::v1::GetInfoRequest*,
                                    rig::v1::AgentInfo* info) override {
    fleet_->NoteGetInfo();
    info->set_version(kToolVersion);
    info->set_protocol_version(rig::v1::PROTOCOL_VERSION_CURRENT);
    info->set_name(absl::StrCat("sim", agent_->index));
    info->set_hostname("fleet-sim");
    info->set_cores(1);
    for (const char* kind : {"oltp_point_select", "oltp_read_only"}) {
      info->add_workloads()->set_name(kind);
    }
    {
      std::lock_guard<std::mutex> lock(agent_->mu);
      info->set_busy(agent_->busy);
    }
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerBidiReactor<rig::v1::CoordinatorMessage, rig::v1::AgentMessage>*
  Session(grpc::CallbackServerContext*) override {
    return new SimSession(fleet_, agent_);
  }

 private:
  SimulatedFleet::Impl* const fleet_;
  SimAgent* const agent_;
};

}  // namespace

absl::Status SimulatedFleet::Impl::Start() {
  for (int i = 0; i < options_.agents; ++i) {
    auto a = std::make_unique<SimAgent>();
    a->index = i;
    if (auto it = options_.faults.find(i); it != options_.faults.end()) {
      a->fault = it->second;
    }
    a->rng.seed(options_.seed * 1000003 + i);
    a->service = std::make_unique<SimService>(this, a.get());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(a->service.get());
    a->server = builder.BuildAndStart();
    if (a->server == nullptr || port == 0) {
      return absl::UnavailableError(absl::StrCat(
          "simulated agent ", i, ": could not listen on 127.0.0.1 (",
          agents_.size(), " agents listening; file descriptor limit?)"));
    }
    a->address = absl::StrCat("127.0.0.1:", port);
    addresses_.push_back(a->address);
    agents_.push_back(std::move(a));
  }
  timings_.running_ns.resize(agents_.size());
  scheduler_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(sched_mu_);
    while (!stopping_) {
      if (actions_.empty()) {
        sched_cv_.wait(lock);
        continue;
      }
      const Clock::time_point next = actions_.top().at;
      if (Clock::now() < next) {
        sched_cv_.wait_until(lock, next);
        continue;
      }
      Action action = actions_.top();
      actions_.pop();
      lock.unlock();
      SimAgent& a = *agents_[action.agent];
      {
        std::lock_guard<std::mutex> agent_lock(a.mu);
        action.fn(a);
      }
      lock.lock();
    }
  });
  return absl::OkStatus();
}

void SimulatedFleet::Impl::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(sched_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  sched_cv_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
  const auto deadline =
      std::chrono::system_clock::now() + std::chrono::milliseconds(200);
  for (auto& a : agents_) {
    if (a->server) a->server->Shutdown(deadline);
  }
  for (auto& a : agents_) {
    if (a->server) a->server->Wait();
  }
}

void SimulatedFleet::Impl::At(Clock::time_point at, int i,
                              std::function<void(SimAgent&)> fn) {
  {
    std::lock_guard<std::mutex> lock(sched_mu_);
    actions_.push(Action{at, i, order_++, std::move(fn)});
  }
  sched_cv_.notify_one();
}

void SimulatedFleet::Impl::Send(SimAgent& a, rig::v1::AgentMessage m) {
  if (a.session == nullptr || a.silent) return;
  a.last_sent = Clock::now();
  if (a.fault == SimFault::kSlow) {
    // Late by slow_by, in order (every message of this agent is).
    const uint64_t epoch = a.epoch;
    At(Clock::now() + absl::ToChronoNanoseconds(options_.slow_by), a.index,
       [epoch, m = std::move(m)](SimAgent& agent) mutable {
         if (agent.epoch == epoch && agent.session != nullptr) {
           agent.session->Enqueue(std::move(m));
         }
       });
    return;
  }
  a.session->Enqueue(std::move(m));
}

void SimulatedFleet::Impl::Later(SimAgent& a, Clock::time_point at,
                                 void (Impl::*fn)(SimAgent&)) {
  const uint64_t epoch = a.epoch;
  At(at, a.index, [this, epoch, fn](SimAgent& agent) {
    if (agent.epoch == epoch && agent.session != nullptr) (this->*fn)(agent);
  });
}

void SimulatedFleet::Impl::SendState(SimAgent& a, rig::v1::State to,
                                     bool parked) {
  rig::v1::AgentMessage m;
  auto* sc = m.mutable_state_changed();
  sc->set_from(a.at);
  sc->set_to(parked ? a.at : to);
  sc->set_from_name(agent::StateName(sc->from()));
  sc->set_to_name(agent::StateName(sc->to()));
  sc->set_offset_us(OffsetUs(a));
  if (parked) sc->set_awaiting(to);
  Send(a, std::move(m));
  if (!parked) a.at = to;
}

void SimulatedFleet::Impl::OnStart(SimAgent& a, SimSession* s,
                                   const rig::v1::Start& start) {
  std::lock_guard<std::mutex> lock(a.mu);
  if (a.busy) {
    s->FinishWhenWritten(
        grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "busy"));
    return;
  }
  a.busy = true;
  a.session = s;
  ++a.epoch;
  a.assignment = start.assignment();
  a.started = Clock::now();
  a.next_state = 0;
  a.at = rig::v1::STATE_UNSPECIFIED;
  a.parked = a.released = a.stopped = a.silent = a.done = false;
  a.seq = 0;
  a.sent = SimSent();
  a.breaker_planned = (a.rng() % 4) == 0;
  const rig::v1::Load& load = a.assignment.plan().load();
  const absl::Duration interval = FromProto(load.report_interval());
  a.intervals_due = interval > absl::ZeroDuration()
                        ? FromProto(load.duration()) / interval
                        : 0;
  Step(a);
  const absl::Duration every =
      FromProto(a.assignment.plan().agents().heartbeat_interval());
  if (every > absl::ZeroDuration()) {
    Later(a, Clock::now() + absl::ToChronoNanoseconds(every), &Impl::Heartbeat);
  }
}

void SimulatedFleet::Impl::Heartbeat(SimAgent& a) {
  if (a.done) return;
  const absl::Duration every =
      FromProto(a.assignment.plan().agents().heartbeat_interval());
  // As rig-agent: only when nothing else went out for half an interval.
  if (Clock::now() - a.last_sent > absl::ToChronoNanoseconds(every / 2)) {
    rig::v1::AgentMessage m;
    m.mutable_heartbeat()->set_seq(1);
    Send(a, std::move(m));
  }
  Later(a, Clock::now() + absl::ToChronoNanoseconds(every), &Impl::Heartbeat);
}

void SimulatedFleet::Impl::Step(SimAgent& a) {
  if (a.session == nullptr || a.parked || a.done) return;
  if (a.stopped) {
    SendState(a, rig::v1::STATE_CANCELLED, false);
    SendResult(a, rig::v1::STATE_CANCELLED);
    return;
  }
  if (a.next_state >= kPathLength) {
    SendResult(a, rig::v1::STATE_COMPLETED);
    return;
  }
  const rig::v1::State next = kPath[a.next_state];
  const auto& barriers = a.assignment.barriers();
  if (a.next_state > 0 && !a.released &&
      std::find(barriers.begin(), barriers.end(), next) != barriers.end()) {
    SendState(a, next, true);  // OnAdvance steps on
    a.parked = true;
    NoteBarrier(a.index, next, false);
    return;
  }
  a.released = false;
  SendState(a, next, false);
  ++a.next_state;
  const rig::v1::Load& load = a.assignment.plan().load();
  if (next == rig::v1::STATE_WARMING_UP) {
    Later(a, Clock::now() + absl::ToChronoNanoseconds(FromProto(load.warmup())),
          &Impl::Step);
    return;
  }
  if (next == rig::v1::STATE_RUNNING) NoteRunning(a.index);
  if (next == rig::v1::STATE_RUNNING && a.intervals_due > 0) {
    a.measure_start = Clock::now();
    if (a.fault == SimFault::kSilent) a.silent = true;
    Later(a,
          a.measure_start +
              absl::ToChronoNanoseconds(FromProto(load.report_interval())),
          &Impl::SendInterval);
    return;
  }
  Step(a);
}

void SimulatedFleet::Impl::SendInterval(SimAgent& a) {
  if (a.stopped || a.done) return;
  const absl::Duration interval =
      FromProto(a.assignment.plan().load().report_interval());
  const int64_t interval_us = absl::ToInt64Microseconds(interval);
  const int64_t start_us =
      std::chrono::duration_cast<std::chrono::microseconds>(a.measure_start -
                                                            a.started)
          .count() +
      a.seq * interval_us;
  const Shape& shape = shapes_[a.rng() % kShapes];
  rig::v1::AgentMessage m;
  auto* iv = m.mutable_interval();
  iv->set_seq(a.seq);
  iv->set_start_offset_us(start_us);
  iv->set_end_offset_us(start_us + interval_us);
  iv->set_state(rig::v1::STATE_RUNNING);
  *iv->mutable_counters() = shape.counters;
  iv->set_latency(shape.latency_bytes);
  iv->set_service_latency(shape.service_bytes);
  const bool breaker_opens = a.breaker_planned && a.seq == 1;
  const bool breaker_closes = a.breaker_planned && a.seq == 2;
  iv->set_breaker_state(breaker_opens ? rig::v1::BREAKER_STATE_OPEN
                                      : rig::v1::BREAKER_STATE_CLOSED);
  if (!a.silent) {
    Add(a.sent.interval_counters, shape.counters);
    a.sent.interval_latency.Merge(shape.latency);
    ++a.sent.intervals;
  }
  Send(a, m);
  NoteIntervalSent(a.seq);
  if (breaker_opens || breaker_closes) {
    rig::v1::AgentMessage e;
    auto* be = e.mutable_breaker_event();
    be->set_offset_us(start_us);
    be->set_target("sim");
    be->set_from(breaker_opens ? rig::v1::BREAKER_STATE_CLOSED
                               : rig::v1::BREAKER_STATE_OPEN);
    be->set_to(breaker_opens ? rig::v1::BREAKER_STATE_OPEN
                             : rig::v1::BREAKER_STATE_CLOSED);
    be->set_reason("simulated");
    if (!a.silent) ++a.sent.breaker_events;
    Send(a, std::move(e));
  }
  if (a.fault == SimFault::kLying && a.seq == 1) {
    // The same seq again, and one from the future: both must be refused.
    rig::v1::AgentMessage again = m;
    again.mutable_interval()->mutable_counters()->set_ops(1'000'000);
    Send(a, std::move(again));
    rig::v1::AgentMessage future = m;
    future.mutable_interval()->set_seq(a.seq + 1000);
    Send(a, std::move(future));
  }
  ++a.seq;
  if (a.fault == SimFault::kLost && a.seq >= options_.lost_after) {
    a.stopped = true;
    a.done = true;
    a.session->FinishWhenWritten(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "simulated agent loss"));
    return;
  }
  if (a.seq >= a.intervals_due) {
    Step(a);
    return;
  }
  Later(a, a.measure_start + absl::ToChronoNanoseconds(interval * (a.seq + 1)),
        &Impl::SendInterval);
}

void SimulatedFleet::Impl::SendResult(SimAgent& a, rig::v1::State final_state) {
  a.done = true;
  if (a.silent) return;  // it never says anything again
  rig::v1::AgentMessage m;
  auto* r = m.mutable_result();
  r->set_final_state(final_state);
  *r->mutable_counters() = a.sent.interval_counters;
  r->set_latency(a.sent.interval_latency.Encode());
  r->set_measured_us(a.sent.intervals *
                     absl::ToInt64Microseconds(FromProto(
                         a.assignment.plan().load().report_interval())));
  r->mutable_server()->set_flavor("simulated");
  r->mutable_server()->set_version("0");
  if (final_state != rig::v1::STATE_COMPLETED) {
    r->mutable_error()->set_message("stopped by the coordinator");
    r->mutable_error()->set_agent(absl::StrCat("sim", a.index));
  }
  a.sent.result_sent = true;
  a.sent.result_counters = a.sent.interval_counters;
  a.sent.result_latency = a.sent.interval_latency;
  Send(a, std::move(m));
  if (a.fault == SimFault::kSlow) {
    // The result is still on its way (Send delays it): finish after it.
    const uint64_t epoch = a.epoch;
    At(Clock::now() + absl::ToChronoNanoseconds(options_.slow_by), a.index,
       [epoch](SimAgent& agent) {
         if (agent.epoch == epoch && agent.session != nullptr) {
           agent.session->FinishWhenWritten(grpc::Status::OK);
         }
       });
    return;
  }
  a.session->FinishWhenWritten(grpc::Status::OK);
}

void SimulatedFleet::Impl::OnAdvance(SimAgent& a,
                                     const rig::v1::Advance& advance) {
  std::lock_guard<std::mutex> lock(a.mu);
  if (!a.parked || a.next_state >= kPathLength ||
      advance.to_state() != kPath[a.next_state] || !advance.barrier().empty()) {
    return;
  }
  a.parked = false;
  a.released = true;
  NoteBarrier(a.index, advance.to_state(), true);
  // On the scheduler thread: the reactor's threads only take messages in,
  // so that one agent's work (its result) does not delay the Advance of
  // the next (the barrier latency is the coordinator's, not ours).
  Later(a, Clock::now(), &Impl::Step);
}

void SimulatedFleet::Impl::OnStop(SimAgent& a) {
  std::lock_guard<std::mutex> lock(a.mu);
  if (a.done) return;
  a.stopped = true;
  a.parked = false;
  Step(a);
}

void SimulatedFleet::Impl::OnSessionDone(SimAgent& a, SimSession* s) {
  {
    std::lock_guard<std::mutex> lock(a.mu);
    if (a.session == s) {
      a.session = nullptr;
      a.busy = false;
      a.done = true;
    }
  }
  std::lock_guard<std::mutex> lock(ended_mu_);
  ++ended_;
}

SimulatedFleet::SimulatedFleet(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

SimulatedFleet::~SimulatedFleet() = default;

absl::StatusOr<std::unique_ptr<SimulatedFleet>> SimulatedFleet::Start(
    const FleetOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  if (absl::Status s = impl->Start(); !s.ok()) return s;
  return std::unique_ptr<SimulatedFleet>(new SimulatedFleet(std::move(impl)));
}

const std::vector<std::string>& SimulatedFleet::addresses() const {
  return impl_->addresses_;
}

SimSent SimulatedFleet::Sent(int i) const {
  SimAgent& a = *impl_->agents_[i];
  std::lock_guard<std::mutex> lock(a.mu);
  return a.sent;
}

int SimulatedFleet::SessionsEnded() const {
  std::lock_guard<std::mutex> lock(impl_->ended_mu_);
  return impl_->ended_;
}

void SimulatedFleet::Shutdown() { impl_->Shutdown(); }

FleetTimings SimulatedFleet::Timings() const {
  std::lock_guard<std::mutex> lock(impl_->timings_mu_);
  return impl_->timings_;
}

}  // namespace rig::testing
