#include "agent/load/runner.h"

#include <algorithm>
#include <chrono>

#include "absl/base/attributes.h"
#include "absl/strings/str_cat.h"
#include "agent/load/arrivals.h"
#include "agent/resilience/error_class.h"
#include "common/base/error_context.h"
#include "common/base/logging.h"
#include "common/base/proto_duration.h"
#include "common/base/status_macros.h"

namespace rig::agent {
namespace {

using Clock = LoadRunner::Clock;

int64_t MicrosBetween(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::microseconds>(b - a).count();
}

}  // namespace

LoadRunner::LoadRunner(RunContext& ctx, ErrorClassifier classifier)
    : ctx_(ctx),
      interval_(FromProto(ctx.assignment.plan().load().report_interval())),
      classifier_(std::move(classifier)),
      backoff_(ctx.assignment.plan().resilience().retry()) {
  const rig::v1::Target& t = ctx.assignment.plan().target();
  breaker_ = std::make_unique<CircuitBreaker>(
      ctx.assignment.plan().resilience().circuit_breaker(),
      absl::StrCat(t.host(), ":", t.port()), &ctx.clock,
      [this](const rig::v1::BreakerEvent& event) {
        RIG_LOG(Warning) << "circuit breaker " << event.target() << ": "
                         << rig::v1::BreakerState_Name(event.from()) << " -> "
                         << rig::v1::BreakerState_Name(event.to()) << " ("
                         << event.reason() << ")";
        rig::v1::AgentMessage m;
        *m.mutable_breaker_event() = event;
        ctx_.events->Send(m);
      });
}

LoadRunner::~LoadRunner() { Stop(); }

absl::Status LoadRunner::Start() {
  std::vector<std::unique_ptr<Transaction>> txns;
  for (size_t i = 0; i < ctx_.connections.size(); ++i) {
    auto txn = ctx_.workload->Bind(*ctx_.connections[i]);
    if (!txn.ok()) {
      ErrorContext where;
      where.operation = "prepare statements";
      where.connection = ctx_.connections[i]->id();
      return WithContext(txn.status(), where);
    }
    txns.push_back(std::move(*txn));
    stats_.push_back(std::make_unique<ThreadStats>());
  }
  origin_ = Clock::now();
  for (size_t i = 0; i < txns.size(); ++i) {
    workers_.emplace_back(&LoadRunner::Worker, this, i, std::move(txns[i]));
  }
  reporter_ = std::thread(&LoadRunner::Reporter, this);
  return absl::OkStatus();
}

void LoadRunner::Worker(size_t index, std::unique_ptr<Transaction> txn) {
  auto scope = ctx_.driver->AttachThread();
  Rng rng(std::random_device{}() + index);
  const rig::v1::Load& load = ctx_.assignment.plan().load();
  const absl::Duration think = FromProto(load.think_time());
  const int workers = static_cast<int>(std::max<size_t>(1, stats_.size()));
  // Open model: this worker's share of the rate. The first arrivals are
  // staggered across one period so the workers do not fire together.
  std::vector<RateSegment> segments =
      ArrivalSchedule::ForWorker(ctx_.assignment, workers);
  const bool open = !segments.empty();
  int64_t first_us = 0;
  if (open && segments.front().from > 0) {
    first_us =
        static_cast<int64_t>(1e6 / segments.front().from * index / workers);
  }
  ArrivalSchedule schedule(std::move(segments),
                           load.arrival() == rig::v1::ARRIVAL_POISSON,
                           first_us);
  while (!stop_.load(std::memory_order_relaxed)) {
    Clock::time_point intended;
    if (open) {
      std::optional<int64_t> next = schedule.Next(rng);
      if (!next) break;
      intended = origin_ + std::chrono::microseconds(*next);
      if (!WaitUntil(intended)) break;
    }
    if (!RunOperation(index, txn, rng, open ? &intended : nullptr)) break;
    if (!open && think > absl::ZeroDuration()) {
      if (!WaitUntil(Clock::now() + absl::ToChronoNanoseconds(think))) break;
    }
  }
}

// Inlined: it is the hot path (a call and the Attempt copy cost ~20
// instructions an operation).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline LoadRunner::Attempt LoadRunner::TryOnce(
    size_t index, std::unique_ptr<Transaction>& txn, Rng& rng,
    Clock::time_point begin) {
  Attempt a;
  a.begin = begin;
  // A connection lost earlier is replaced first; failing to connect is
  // this attempt's failure. Service time then runs from after the
  // reconnect.
  if (txn == nullptr) {
    a.status = Reconnect(index, txn);
    a.begin = Clock::now();
  }
  if (a.status.ok()) a.status = txn->Run(rng, a.result);
  a.end = Clock::now();
  return a;
}

bool LoadRunner::RunOperation(size_t index, std::unique_ptr<Transaction>& txn,
                              Rng& rng, const Clock::time_point* intended) {
  ThreadStats& stats = *stats_[index];
  const Clock::time_point first_begin = Clock::now();
  for (int attempt = 1;; ++attempt) {
    // A closed breaker admits at once (the common case): then the first
    // attempt's service time starts with the operation, never including a
    // wait for the breaker.
    const bool at_once = attempt == 1 && breaker_->closed();
    if (!breaker_->Acquire(stopped_fn_)) return false;
    const Attempt a =
        TryOnce(index, txn, rng, at_once ? first_begin : Clock::now());
    if (a.status.ok()) {
      breaker_->RecordSuccess(ctx_.clock.UsAt(a.end));  // the run's clock
      // Response time runs from the intended start (open model) or the
      // first attempt, so retries and waits are part of what users see.
      stats.RecordOp(MicrosBetween(intended ? *intended : first_begin, a.end),
                     MicrosBetween(a.begin, a.end), a.result.queries,
                     a.result.rows);
      return true;
    }
    const ErrorClass cls = classifier_.Classify(a.status);
    const ClassPolicy& policy = PolicyFor(cls);
    NoteFailure(index, txn, policy, a.status);
    if (policy.retry && attempt < backoff_.max_attempts()) {
      stats.RecordRetry(a.result.queries);
      // The run ended while this operation was to be retried: abandoned,
      // not failed (its statements are counted, as for any retry).
      if (stopped_fn_()) return false;
      if (policy.backoff && !Pause(attempt, rng)) return false;
      continue;
    }
    GiveUp(index, txn == nullptr, cls, attempt, a);
    // Keep a struggling server from being hammered by the next operation.
    if (policy.backoff && !stopped_fn_() && !Pause(attempt, rng)) {
      return false;
    }
    return !stopped_fn_();
  }
}

void LoadRunner::NoteFailure(size_t index, std::unique_ptr<Transaction>& txn,
                             const ClassPolicy& policy,
                             const absl::Status& status) {
  auto server = GetServerError(status);
  breaker_->Record(
      policy.counts_for_breaker ? CircuitBreaker::Outcome::kFailure
                                : CircuitBreaker::Outcome::kAnswered,
      absl::StrCat(policy.name, ": ",
                   server ? absl::StrCat("server code ", server->code)
                          : std::string(status.message())));
  if (policy.reconnect) {
    txn.reset();  // statements die with the connection
  } else if (txn != nullptr && !Healthy(index)) {
    txn.reset();  // checked before reuse: broken, so replace it
  }
}

void LoadRunner::GiveUp(size_t index, bool reconnecting, ErrorClass cls,
                        int attempt, const Attempt& a) {
  const ClassPolicy& policy = PolicyFor(cls);
  auto server = GetServerError(a.status);
  rig::v1::ErrorSample sample;
  sample.set_offset_us(ctx_.OffsetUs());
  sample.set_error_class(policy.name);
  auto* c = sample.mutable_context();
  c->set_operation(reconnecting ? "reconnect" : "transaction");
  c->set_state(StateEnumForLoad());
  c->set_agent(ctx_.agent_name);
  c->set_connection_id(ctx_.connections[index] ? ctx_.connections[index]->id()
                                               : -1);
  c->set_attempt(attempt);
  c->set_message(policy.retry ? absl::StrCat(a.status.message(),
                                             " (retries exhausted after ",
                                             attempt, " attempts)")
                              : std::string(a.status.message()));
  if (server) {
    c->set_server_code(server->code);
    c->set_sqlstate(server->sqlstate);
  }
  stats_[index]->RecordError(server ? server->code : 0, policy.name,
                             a.result.queries, sample);
}

bool LoadRunner::Pause(int attempt, Rng& rng) {
  return WaitUntil(Clock::now() +
                   absl::ToChronoNanoseconds(backoff_.Delay(attempt, rng)));
}

bool LoadRunner::WaitUntil(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(stop_mu_);
  stop_cv_.wait_until(lock, deadline, [this] {
    return stop_.load() || ctx_.cancel.cancelled();
  });
  return !stop_.load() && !ctx_.cancel.cancelled();
}

rig::v1::State LoadRunner::StateEnumForLoad() const {
  return measuring_flag_.load(std::memory_order_relaxed)
             ? rig::v1::STATE_RUNNING
             : rig::v1::STATE_WARMING_UP;
}

bool LoadRunner::Healthy(size_t index) {
  auto r = ctx_.connections[index]->Execute("SELECT 1");
  return r.ok() || classifier_.Classify(r.status()) != ErrorClass::kReconnect;
}

absl::Status LoadRunner::Reconnect(size_t index,
                                   std::unique_ptr<Transaction>& txn) {
  ctx_.connections[index].reset();
  ASSIGN_OR_RETURN(std::unique_ptr<db::Connection> conn,
                   ctx_.driver->Connect(ctx_.ConnectOptions()));
  ASSIGN_OR_RETURN(txn, ctx_.workload->Bind(*conn));
  ctx_.connections[index] = std::move(conn);
  stats_[index]->RecordReconnect();
  return absl::OkStatus();
}

void LoadRunner::BeginMeasuring() {
  std::lock_guard<std::mutex> lock(collect_mu_);
  for (auto& s : stats_) {
    s->SwapInto(&scratch_);
    scratch_.Reset();
  }
  measuring_ = true;
  measuring_flag_.store(true);
  breaker_->TakeOpenUs();  // warm-up time is not reported
  seq_ = 0;
  measure_start_us_ = interval_start_us_ = ctx_.OffsetUs();
  reporter_cv_.notify_all();
}

void LoadRunner::Reporter() {
  std::unique_lock<std::mutex> lock(collect_mu_);
  while (!reporter_stop_) {
    if (!measuring_) {
      reporter_cv_.wait(lock);
      continue;
    }
    const int64_t next_us =
        measure_start_us_ + (seq_ + 1) * absl::ToInt64Microseconds(interval_);
    const int64_t wait_us = next_us - ctx_.OffsetUs();
    if (wait_us > 0) {
      reporter_cv_.wait_for(lock, std::chrono::microseconds(wait_us));
      continue;  // re-check stop and time
    }
    lock.unlock();
    Collect(/*final=*/false);
    lock.lock();
  }
}

void LoadRunner::Collect(bool final) {
  std::lock_guard<std::mutex> lock(collect_mu_);
  if (!measuring_) return;
  for (auto& s : stats_) {
    s->SwapInto(&scratch_);
    current_.Merge(scratch_);
    scratch_.Reset();
  }
  const int64_t now_us = ctx_.OffsetUs();
  if (final && now_us == interval_start_us_) return;
  rig::v1::AgentMessage m;
  auto* iv = m.mutable_interval();
  iv->set_seq(seq_);
  iv->set_start_offset_us(interval_start_us_);
  iv->set_end_offset_us(now_us);
  iv->set_state(rig::v1::STATE_RUNNING);
  current_.counters.ToProto(iv->mutable_counters());
  iv->set_latency(current_.latency.Encode());
  iv->set_service_latency(current_.service_latency.Encode());
  iv->mutable_counters()->set_breaker_open_us(breaker_->TakeOpenUs());
  iv->set_breaker_state(breaker_->state());
  ctx_.events->Send(m);
  for (const auto& sample : current_.error_samples) {
    rig::v1::AgentMessage e;
    *e.mutable_error_sample() = sample;
    ctx_.events->Send(e);
  }
  totals_.latency.Merge(current_.latency);
  totals_.service_latency.Merge(current_.service_latency);
  totals_.counters.Add(current_.counters);
  totals_.counters.breaker_open_us += iv->counters().breaker_open_us();
  current_.Reset();
  ++seq_;
  interval_start_us_ = now_us;
}

void LoadRunner::Stop() {
  if (stopped_) return;
  stopped_ = true;
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stop_.store(true);
  }
  stop_cv_.notify_all();
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
  {
    std::lock_guard<std::mutex> lock(collect_mu_);
    reporter_stop_ = true;
  }
  reporter_cv_.notify_all();
  if (reporter_.joinable()) reporter_.join();
  Collect(/*final=*/true);
  std::lock_guard<std::mutex> lock(collect_mu_);
  if (measuring_) measured_us_ = ctx_.OffsetUs() - measure_start_us_;
}

}  // namespace rig::agent
