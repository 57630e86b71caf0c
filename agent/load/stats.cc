#include "agent/load/stats.h"

namespace rig::agent {

void OpCounters::Add(const OpCounters& other) {
  ops += other.ops;
  queries += other.queries;
  errors += other.errors;
  retries += other.retries;
  reconnects += other.reconnects;
  rows += other.rows;
  breaker_open_us += other.breaker_open_us;
  rollbacks += other.rollbacks;
  read_queries += other.read_queries;
  write_queries += other.write_queries;
  other_queries += other.other_queries;
  for (const auto& [k, v] : other.errors_by_class) errors_by_class[k] += v;
  for (const auto& [k, v] : other.errors_by_code) errors_by_code[k] += v;
}

void OpCounters::ToProto(rig::v1::Counters* out) const {
  out->set_ops(ops);
  out->set_queries(queries);
  out->set_errors(errors);
  out->set_retries(retries);
  out->set_reconnects(reconnects);
  out->set_rows(rows);
  out->set_breaker_open_us(breaker_open_us);
  out->set_rollbacks(rollbacks);
  out->set_read_queries(read_queries);
  out->set_write_queries(write_queries);
  out->set_other_queries(other_queries);
  for (const auto& [k, v] : errors_by_class) {
    (*out->mutable_errors_by_class())[k] = v;
  }
  for (const auto& [k, v] : errors_by_code) {
    (*out->mutable_errors_by_code())[k] = v;
  }
}

void StatsDelta::Merge(const StatsDelta& other) {
  latency.Merge(other.latency);
  service_latency.Merge(other.service_latency);
  counters.Add(other.counters);
  if (types.size() < other.types.size()) types.resize(other.types.size());
  for (size_t t = 0; t < other.types.size(); ++t) {
    types[t].counters.Add(other.types[t].counters);
    types[t].latency.Merge(other.types[t].latency);
  }
  for (const auto& s : other.error_samples) {
    if (error_samples.size() >= kMaxSamples) break;
    error_samples.push_back(s);
  }
}

void StatsDelta::Reset() {
  latency.Reset();
  service_latency.Reset();
  counters = OpCounters();
  error_samples.clear();
  for (TypeDelta& t : types) {
    t.counters = OpCounters();
    t.latency.Reset();
  }
}

void ThreadStats::RecordError(int32_t code, const std::string& error_class,
                              const StatementCounts& statements,
                              const rig::v1::ErrorSample& sample, int type) {
  std::lock_guard<SpinLock> lock(mu_);
  current_.counters.errors++;
  current_.counters.AddStatements(statements, false);
  current_.counters.errors_by_code[code]++;
  current_.counters.errors_by_class[error_class]++;
  if (TypeDelta* t = TypeAt(type)) {
    t->counters.errors++;
    t->counters.AddStatements(statements, false);
    t->counters.errors_by_code[code]++;
    t->counters.errors_by_class[error_class]++;
  }
  if (current_.error_samples.size() < StatsDelta::kMaxSamples) {
    current_.error_samples.push_back(sample);
  }
}

}  // namespace rig::agent
