// scenario/multi_connection: N connections (connections_per_agent, default
// the agent's share of load.connections) run the connectivity chain -
// connect, SELECT 1, USE the database, read the version - at the same time,
// one thread each; one check per connection with each step's time.

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/scenarios/scenario.h"
#include "common/base/sql_identifier.h"

namespace rig::agent {
namespace {

// What one connection's chain did (written by its thread only).
struct ChainResult {
  bool ok = false;
  std::string seen;
};

ChainResult RunChain(RunContext& ctx) {
  using Clock = std::chrono::steady_clock;
  auto scope = ctx.driver->AttachThread();
  ChainResult r;
  const auto start = Clock::now();
  auto t0 = start;
  auto conn = ctx.driver->Connect(ctx.ConnectOptions());
  if (!conn.ok()) {
    r.seen = absl::StrCat("connect failed: ", Describe(conn.status()));
    return r;
  }
  absl::StrAppend(&r.seen, "connected in ", Millis(Clock::now() - t0));
  t0 = Clock::now();
  auto one = (*conn)->Query("SELECT 1");
  if (!one.ok() || one->empty() || (*one)[0][0].value_or("") != "1") {
    absl::StrAppend(&r.seen, "; SELECT 1 failed: ",
                    one.ok() ? "no 1" : Describe(one.status()));
    return r;
  }
  absl::StrAppend(&r.seen, "; SELECT 1 = 1 in ", Millis(Clock::now() - t0));
  const std::string db = ctx.assignment.plan().target().database();
  t0 = Clock::now();
  if (auto use = (*conn)->Execute(absl::StrCat("USE ", QuoteIdentifier(db)));
      !use.ok()) {
    absl::StrAppend(&r.seen, "; USE ", db, " failed: ", Describe(use.status()));
    return r;
  }
  absl::StrAppend(&r.seen, "; USE ", db, " in ", Millis(Clock::now() - t0));
  t0 = Clock::now();
  auto server = db::DetectServer(**conn);
  if (!server.ok()) {
    absl::StrAppend(&r.seen, "; version failed: ", Describe(server.status()));
    return r;
  }
  absl::StrAppend(&r.seen, "; ", server->flavor, " ", server->version, " in ",
                  Millis(Clock::now() - t0), "; total ",
                  Millis(Clock::now() - start));
  r.ok = true;
  return r;
}

class MultiConnection : public Scenario {
 public:
  explicit MultiConnection(int64_t connections) : connections_(connections) {}

  std::vector<ScenarioStep> Steps() const override {
    const int64_t configured = connections_;
    return {{"TestingConnections", [configured](RunContext& ctx) {
               const int64_t n =
                   configured > 0 ? configured
                                  : std::max(1, ctx.assignment.connections());
               std::vector<ChainResult> results(n);
               std::vector<std::thread> threads;
               threads.reserve(n);
               for (int64_t i = 0; i < n; ++i) {
                 threads.emplace_back(
                     [&ctx, &results, i] { results[i] = RunChain(ctx); });
               }
               for (auto& t : threads) t.join();
               for (int64_t i = 0; i < n; ++i) {
                 AddCheck(ctx, absl::StrCat("connection ", i + 1),
                          results[i].ok,
                          "connect, SELECT 1 = 1, USE the database, version",
                          results[i].seen);
               }
               return absl::OkStatus();
             }}};
  }

 private:
  const int64_t connections_;
};

}  // namespace

void RegisterMultiConnectionScenario(ScenarioRegistry& registry) {
  registry.Register(ScenarioDef{
      "multi_connection",
      "N connections run connect, SELECT 1, USE, version at the same time, "
      "one thread each; a check per connection with its times",
      {Option("connections_per_agent", "int", "0",
              "connections (threads) per agent; 0 = the agent's share of "
              "load.connections")},
      [](const rig::v1::Workload&,
         const Options& options) -> absl::StatusOr<std::unique_ptr<Scenario>> {
        const int64_t n = options.Int("connections_per_agent");
        if (n < 0 || n > 1000) {
          return absl::InvalidArgumentError(absl::StrCat(
              "scenario/multi_connection: connections_per_agent must be 0 "
              "(the agent's share) to 1000, not ",
              n));
        }
        return std::make_unique<MultiConnection>(n);
      }});
}

}  // namespace rig::agent
