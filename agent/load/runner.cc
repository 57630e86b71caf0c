#include "agent/load/runner.h"

#include <algorithm>
#include <chrono>
#include <random>

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

StatementCounts Statements(const OpResult& r) {
  return {r.queries, r.rows, r.read, r.write, r.other};
}

}  // namespace

LoadRunner::LoadRunner(RunContext& ctx, ErrorClassifier classifier)
    : ctx_(ctx),
      interval_(FromProto(ctx.assignment.plan().load().report_interval())),
      classifier_(std::move(classifier)),
      backoff_(ctx.assignment.plan().resilience().retry()),
      endpoints_(ctx.endpoints.size()),
      types_(ctx.workload ? ctx.workload->OperationTypes()
                          : std::vector<std::string>()),
      balance_(ctx.assignment.plan().target().balance()),
      lifetime_(
          FromProto(ctx.assignment.plan().target().connection_lifetime())),
      used_(new std::atomic<int>[ctx.endpoints.size()]),
      control_(ctx.assignment.plan().load().connections() > 0
                   ? static_cast<double>(ctx.assignment.connections()) /
                         ctx.assignment.plan().load().connections()
                   : 1.0),
      agent_segments_(ArrivalSchedule::ForWorker(ctx.assignment, 1)) {
  for (const plan::Endpoint& endpoint : ctx.endpoints) {
    breakers_.push_back(std::make_unique<CircuitBreaker>(
        ctx.assignment.plan().resilience().circuit_breaker(), endpoint.name,
        &ctx.clock, [this](const rig::v1::BreakerEvent& event) {
          RIG_LOG(Warning) << "circuit breaker " << event.target() << ": "
                           << rig::v1::BreakerState_Name(event.from()) << " -> "
                           << rig::v1::BreakerState_Name(event.to()) << " ("
                           << event.reason() << ")";
          rig::v1::AgentMessage m;
          *m.mutable_breaker_event() = event;
          ctx_.events->Send(m);
        }));
  }
  for (size_t e = 0; e < endpoints_; ++e) used_[e].store(0);
  by_endpoint_.resize(endpoints_ > 1 ? endpoints_ : 0);
  // Per-type slots sized once (ThreadStats sizes its own), so that neither
  // a swap nor a merge grows them.
  for (StatsDelta* d : {&scratch_, &current_, &totals_}) {
    d->types.resize(TypeSlots());
  }
  for (StatsDelta& d : by_endpoint_) d.types.resize(TypeSlots());
}

LoadRunner::~LoadRunner() { Stop(); }

void LoadRunner::DropTxn(std::unique_ptr<Transaction>& txn) {
  if (txn == nullptr) return;
  txn.reset();  // statements die with the connection
  open_.fetch_sub(1);
}

absl::Status LoadRunner::Start() {
  std::vector<std::unique_ptr<Transaction>> txns;
  for (size_t i = 0; i < ctx_.connections.size(); ++i) {
    auto txn = ctx_.workload->Bind(*ctx_.connections[i], static_cast<int>(i));
    if (!txn.ok()) {
      ErrorContext where;
      where.operation = "prepare statements";
      where.connection = ctx_.connections[i]->id();
      return WithContext(txn.status(), where);
    }
    txns.push_back(std::move(*txn));
    open_.fetch_add(1);
    for (size_t e = 0; e < endpoints_; ++e) {
      stats_.push_back(std::make_unique<ThreadStats>(TypeSlots()));
    }
    Place& place = places_.emplace_back();
    place.home = place.at = ctx_.InitialEndpoint(i);
    used_[place.at].fetch_add(1);
  }
  origin_ = Clock::now();
  if (lifetime_ > absl::ZeroDuration()) {
    // The first connections expire spread over the first lifetime, so that
    // they are not all replaced at once.
    for (size_t i = 0; i < places_.size(); ++i) {
      places_[i].expires = origin_ + absl::ToChronoNanoseconds(
                                         lifetime_ * (i + 1) /
                                         static_cast<double>(places_.size()));
    }
  }
  for (size_t i = 0; i < txns.size(); ++i) {
    workers_.emplace_back(&LoadRunner::Worker, this, i, std::move(txns[i]));
  }
  reporter_ = std::thread(&LoadRunner::Reporter, this);
  {
    std::lock_guard<std::mutex> lock(ctx_.sever_mu);
    ctx_.sever = [this](double share) { return SeverConnections(share); };
    ctx_.change_load = [this](LoadControl::Key key,
                              const rig::v1::FaultAction& action, bool end,
                              double* before, double* after) {
      return ChangeLoad(key, action, end, before, after);
    };
  }
  return absl::OkStatus();
}

void LoadRunner::SetConnection(size_t index,
                               std::unique_ptr<db::Connection> conn) {
  std::unique_ptr<db::Connection> old;
  {
    std::lock_guard<std::mutex> lock(connections_mu_);
    old = std::move(ctx_.connections[index]);
    ctx_.connections[index] = std::move(conn);
  }
  // Closed outside the lock (a close may wait on the network).
}

std::pair<int, int> LoadRunner::SeverConnections(double share) {
  std::lock_guard<std::mutex> lock(connections_mu_);
  // Every 1/share-th connection, spread over the workers (and endpoints).
  int open = 0;
  int dropped = 0;
  double owed = 0;
  for (auto& conn : ctx_.connections) {
    if (conn == nullptr) continue;
    ++open;
    owed += share;
    if (owed >= 1 - 1e-9) {
      owed -= 1;
      if (conn->Sever().ok()) ++dropped;
    }
  }
  return {dropped, open};
}

bool LoadRunner::ChangeLoad(LoadControl::Key key,
                            const rig::v1::FaultAction& action, bool end,
                            double* before, double* after) {
  *before = TargetRateNow();
  const int64_t t_us = MicrosBetween(origin_, Clock::now());
  const bool changed =
      end ? control_.End(key, t_us) : control_.Begin(key, action, t_us);
  {
    // A worker checks the generation under stop_mu_ before it sleeps:
    // taking the lock here means none misses this change.
    std::lock_guard<std::mutex> lock(stop_mu_);
  }
  stop_cv_.notify_all();
  *after = TargetRateNow();
  return changed;
}

double LoadRunner::TargetRateNow() const {
  if (agent_segments_.empty()) return 0;  // the closed model
  const int64_t t_us = MicrosBetween(origin_, Clock::now());
  const ArrivalSchedule shaped(
      ShapeSegments(agent_segments_, control_.History(t_us), 1, t_us), false);
  return shaped.RateAt(t_us);
}

void LoadRunner::Worker(size_t index, std::unique_ptr<Transaction> txn) {
  auto scope = ctx_.driver->AttachThread();
  Rng rng(std::random_device{}() + index);
  const rig::v1::Load& load = ctx_.assignment.plan().load();
  const absl::Duration think = FromProto(load.think_time());
  const int workers = static_cast<int>(std::max<size_t>(1, places_.size()));
  // Open model: this worker's share of the rate. The first arrivals are
  // staggered across one period so the workers do not fire together.
  const std::vector<RateSegment> segments =
      ArrivalSchedule::ForWorker(ctx_.assignment, workers);
  const bool open = !segments.empty();
  int64_t first_us = 0;
  if (open && segments.front().from > 0) {
    first_us =
        static_cast<int64_t>(1e6 / segments.front().from * index / workers);
  }
  ArrivalSchedule schedule(segments, load.arrival() == rig::v1::ARRIVAL_POISSON,
                           first_us);
  uint64_t seen = 0;  // control_'s generation this worker follows
  bool paused = false;
  while (!stop_.load(std::memory_order_relaxed)) {
    if (const uint64_t g = control_.generation(); g != seen) {
      seen = g;
      const std::vector<LoadStep> steps = control_.History(schedule.LastUs());
      paused = !steps.empty() && steps.back().state.paused;
      if (open) {
        schedule.Reshape(
            ShapeSegments(segments, steps, workers, schedule.LastUs()));
        // After a pause, what fell due before the load resumed is skipped.
        for (size_t i = steps.size(); i-- > 1;) {
          if (steps[i - 1].state.paused && !steps[i].state.paused) {
            schedule.SkipBefore(steps[i].from_us);
            break;
          }
        }
      }
    }
    if (paused) {  // until the next change (checking for a stop now and then)
      if (WaitForArrival(Clock::now() + std::chrono::milliseconds(200), seen) ==
          Wake::kStopped) {
        break;
      }
      continue;
    }
    Clock::time_point intended;
    if (open) {
      std::optional<int64_t> next = schedule.Next(rng);
      if (!next) break;
      intended = origin_ + std::chrono::microseconds(*next);
      const Wake wake = WaitForArrival(intended, seen);
      if (wake == Wake::kStopped) break;
      if (wake == Wake::kChanged) {  // not issued: computed again
        schedule.Retract();
        continue;
      }
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
    a.status = Reconnect(index, txn, rng);
    a.begin = Clock::now();
  }
  if (a.status.ok()) a.status = txn->Run(rng, a.result);
  a.end = Clock::now();
  return a;
}

bool LoadRunner::Admit(size_t index, std::unique_ptr<Transaction>& txn,
                       bool* at_once) {
  if (endpoints_ == 1) {
    *at_once = breakers_[0]->closed();
    return breakers_[0]->Acquire(stopped_fn_);
  }
  Place& place = places_[index];
  CircuitBreaker& home = *breakers_[place.home];
  size_t to = place.home;
  *at_once = home.closed();
  if (!*at_once && !home.TryAcquire()) {
    // Home is open (or probing with every probe out): work elsewhere, or
    // wait at home when nothing else is closed either.
    const int other = LeastUsedClosed(place.home);
    if (other >= 0) to = static_cast<size_t>(other);
    if (!breakers_[to]->Acquire(stopped_fn_)) return false;
  }
  if (to != place.at) MoveTo(index, txn, to);
  return true;
}

void LoadRunner::MoveTo(size_t index, std::unique_ptr<Transaction>& txn,
                        size_t endpoint) {
  Place& place = places_[index];
  DropTxn(txn);
  SetConnection(index, nullptr);
  used_[place.at].fetch_sub(1);
  used_[endpoint].fetch_add(1);
  place.at = endpoint;
}

void LoadRunner::Retire(size_t index, std::unique_ptr<Transaction>& txn) {
  Place& place = places_[index];
  DropTxn(txn);
  SetConnection(index, nullptr);
  place.expires = Clock::time_point::max();  // set again by Reconnect
  if (endpoints_ == 1) return;
  if (balance_ == rig::v1::BALANCE_LEAST_CONNECTIONS) {
    // Least used counting this one elsewhere: it may stay.
    const int other = LeastUsedClosed(place.at);
    if (other >= 0 && used_[other].load() < used_[place.at].load() - 1) {
      place.home = static_cast<size_t>(other);
    }
  } else {
    place.home = (place.home + 1) % endpoints_;
  }
}

int LoadRunner::LeastUsedClosed(size_t except) const {
  int best = -1;
  for (size_t e = 0; e < endpoints_; ++e) {
    if (e == except || !breakers_[e]->closed()) continue;
    if (best < 0 || used_[e].load() < used_[best].load()) {
      best = static_cast<int>(e);
    }
  }
  return best;
}

bool LoadRunner::RunOperation(size_t index, std::unique_ptr<Transaction>& txn,
                              Rng& rng, const Clock::time_point* intended) {
  const Clock::time_point first_begin = Clock::now();
  if (txn != nullptr && first_begin >= places_[index].expires) {
    Retire(index, txn);
  }
  for (int attempt = 1;; ++attempt) {
    // A closed breaker admits at once (the common case): then the first
    // attempt's service time starts with the operation, never including a
    // wait for the breaker.
    bool closed = false;
    if (!Admit(index, txn, &closed)) return false;
    const bool at_once = attempt == 1 && closed;
    const Attempt a =
        TryOnce(index, txn, rng, at_once ? first_begin : Clock::now());
    if (a.status.ok()) {
      BreakerAt(index).RecordSuccess(ctx_.clock.UsAt(a.end));  // run's clock
      // Response time runs from the intended start (open model) or the
      // first attempt, so retries and waits are part of what users see.
      StatsAt(index).RecordOp(
          MicrosBetween(intended ? *intended : first_begin, a.end),
          MicrosBetween(a.begin, a.end), Statements(a.result), a.result.type,
          a.result.rolled_back);
      return true;
    }
    const ErrorClass cls = classifier_.Classify(a.status);
    const ClassPolicy& policy = PolicyFor(cls);
    NoteFailure(index, txn, policy, a.status);
    if (policy.retry && attempt < backoff_.max_attempts()) {
      StatsAt(index).RecordRetry(Statements(a.result), a.result.type);
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
  BreakerAt(index).Record(
      policy.counts_for_breaker ? CircuitBreaker::Outcome::kFailure
                                : CircuitBreaker::Outcome::kAnswered,
      absl::StrCat(policy.name, ": ",
                   server ? absl::StrCat("server code ", server->code)
                          : std::string(status.message())));
  if (policy.reconnect) {
    DropTxn(txn);
    places_[index].lost = true;
  } else if (txn != nullptr && !Healthy(index)) {
    DropTxn(txn);  // checked before reuse: broken, so replace it
    places_[index].lost = true;
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
  if (endpoints_ > 1) c->set_endpoint(ctx_.endpoints[places_[index].at].name);
  c->set_message(policy.retry ? absl::StrCat(a.status.message(),
                                             " (retries exhausted after ",
                                             attempt, " attempts)")
                              : std::string(a.status.message()));
  if (server) {
    c->set_server_code(server->code);
    c->set_sqlstate(server->sqlstate);
  }
  StatsAt(index).RecordError(server ? server->code : 0, policy.name,
                             Statements(a.result), sample, a.result.type);
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

LoadRunner::Wake LoadRunner::WaitForArrival(Clock::time_point deadline,
                                            uint64_t seen) {
  std::unique_lock<std::mutex> lock(stop_mu_);
  auto stopped = [this] { return stop_.load() || ctx_.cancel.cancelled(); };
  stop_cv_.wait_until(lock, deadline, [&] {
    return stopped() || control_.generation() != seen;
  });
  if (stopped()) return Wake::kStopped;
  return control_.generation() != seen ? Wake::kChanged : Wake::kReached;
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
                                   std::unique_ptr<Transaction>& txn,
                                   Rng& rng) {
  Place& place = places_[index];
  SetConnection(index, nullptr);
  ASSIGN_OR_RETURN(std::unique_ptr<db::Connection> conn,
                   ctx_.driver->Connect(ctx_.ConnectOptions(place.at)));
  ASSIGN_OR_RETURN(txn, ctx_.workload->Bind(*conn, static_cast<int>(index)));
  open_.fetch_add(1);
  SetConnection(index, std::move(conn));
  if (place.lost) StatsAt(index).RecordReconnect();
  place.lost = false;
  if (lifetime_ > absl::ZeroDuration()) {
    place.expires =
        Clock::now() +
        absl::ToChronoNanoseconds(
            lifetime_ * std::uniform_real_distribution<double>(0.9, 1.1)(rng));
  }
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
  for (auto& e : by_endpoint_) e.Reset();
  for (auto& b : breakers_) b->TakeOpenUs();  // warm-up time is not reported
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
  if (endpoints_ == 1) {
    for (auto& s : stats_) {
      s->SwapInto(&scratch_);
      current_.Merge(scratch_);
      scratch_.Reset();
    }
  } else {
    for (size_t i = 0; i < stats_.size(); ++i) {
      stats_[i]->SwapInto(&scratch_);
      by_endpoint_[i % endpoints_].Merge(scratch_);
      scratch_.Reset();
    }
    for (const StatsDelta& e : by_endpoint_) current_.Merge(e);
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
  // With several endpoints: open time summed over their breakers, and the
  // worst state (open, then half-open).
  int64_t open_us = 0;
  rig::v1::BreakerState worst = rig::v1::BREAKER_STATE_CLOSED;
  for (size_t e = 0; e < endpoints_; ++e) {
    const int64_t us = breakers_[e]->TakeOpenUs();
    const rig::v1::BreakerState state = breakers_[e]->state();
    open_us += us;
    if (state == rig::v1::BREAKER_STATE_OPEN ||
        (state == rig::v1::BREAKER_STATE_HALF_OPEN &&
         worst != rig::v1::BREAKER_STATE_OPEN)) {
      worst = state;
    }
    if (endpoints_ == 1) break;
    rig::v1::EndpointStats* es = iv->add_endpoints();
    es->set_endpoint(ctx_.endpoints[e].name);
    by_endpoint_[e].counters.ToProto(es->mutable_counters());
    es->mutable_counters()->set_breaker_open_us(us);
    es->set_latency(by_endpoint_[e].latency.Encode());
    es->set_breaker_state(state);
    es->set_connections(used_[e].load());
    by_endpoint_[e].Reset();
  }
  iv->mutable_counters()->set_breaker_open_us(open_us);
  iv->set_breaker_state(worst);
  for (size_t t = 0; t < current_.types.size(); ++t) {
    rig::v1::OperationStats* os = iv->add_operations();
    os->set_type(types_[t]);
    current_.types[t].counters.ToProto(os->mutable_counters());
    os->set_latency(current_.types[t].latency.Encode());
  }
  iv->set_open_connections(open_.load());
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
    std::lock_guard<std::mutex> lock(ctx_.sever_mu);
    ctx_.sever = nullptr;
    ctx_.change_load = nullptr;
  }
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
