// Several target.endpoints through the real coordinator and agents, against
// two private MariaDB servers (the suite's, A, and a second one, B, with the
// same user and password): connections spread evenly, each endpoint has its
// own breaker, a stopped endpoint's load moves to the other and comes back
// when it returns, and the report breaks the run down by endpoint.
//
// Two independent servers, not a replicated cluster: the workload is
// `sql` with `SELECT 1`, which needs no tables, so each server can answer
// every connection.

#include <map>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/integration/real_rig.h"
#include "tests/support/com_counters.h"

namespace rig {
namespace {

class EndpointsTest : public RealRigTest {
 protected:
  void SetUp() override {
    RealRigTest::SetUp();
    auto b = MariaDbServer::Start();
    ASSERT_TRUE(b.ok()) << b.status();
    b_ = std::move(*b);
    // The same login on both servers: a plan has one user and password.
    ASSERT_TRUE(b_->Sql(absl::StrCat("ALTER USER 'rig'@'127.0.0.1' "
                                     "IDENTIFIED BY '",
                                     server_->password(), "'"))
                    .ok());
  }

  std::string A() const { return absl::StrCat("127.0.0.1:", server_->port()); }
  std::string B() const { return absl::StrCat("127.0.0.1:", b_->port()); }

  // `target_extra`: more keys of target, e.g. "connection_lifetime: 1s".
  std::string Plan(const std::string& tag, const std::string& load,
                   const std::string& extra = "",
                   const std::string& target_extra = "") {
    report_path_ = absl::StrCat(*dir_, "/", tag, ".json");
    return WritePlan(
        tag + ".yaml",
        absl::StrCat("target: {endpoints: [\"", A(), "\", \"", B(),
                     "\"], user: rig, database: rig",
                     target_extra.empty() ? "" : ", ", target_extra,
                     "}\n"
                     "workload: {kind: sql, options: {statements: "
                     "[\"SELECT 1\"]}}\n",
                     load, extra, "report: {json: ", report_path_, "}\n"));
  }

  rig::v1::Report ReadReport() { return RealRigTest::ReadReport(report_path_); }

  std::unique_ptr<MariaDbServer> b_;
  std::string report_path_;
};

TEST_F(EndpointsTest, LoadIsSpreadEvenlyAndReportedPerEndpoint) {
  const Agents fleet = StartAgents("spread", 2);
  ASSERT_FALSE(fleet.agents.empty());
  // 3 connections on each of 2 agents: round robin over the fleet gives
  // A B A | B A B, 3 and 3; each agent alone would give 4 and 2 (a third
  // off). At a fixed rate (open model) every connection sends the same, so
  // the servers' counts show the spread of connections, not which server
  // answers faster (closed, they differed by up to 14% here).
  const std::string plan =
      Plan("spread",
           "load: {connections: 6, rate: 3000, duration: 3s, "
           "report_interval: 500ms}\n");
  auto a_before = testing::SettledComCounters(*server_, "rig");
  auto b_before = testing::SettledComCounters(*b_, "rig");
  ASSERT_TRUE(a_before.ok() && b_before.ok());
  auto result =
      Coordinator({plan, "--agents", fleet.addresses}, server_->password());
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->exit_code, 0)
      << (result->stdout_text + result->stderr_text);
  auto a_after = testing::SettledComCounters(*server_, "rig");
  auto b_after = testing::SettledComCounters(*b_, "rig");
  ASSERT_TRUE(a_after.ok() && b_after.ok());
  const int64_t on_a = a_after->at("select") - a_before->at("select");
  const int64_t on_b = b_after->at("select") - b_before->at("select");
  ASSERT_GT(on_a + on_b, 1000);
  EXPECT_NEAR(static_cast<double>(on_a) / (on_a + on_b), 0.5, 0.025)
      << "A " << on_a << ", B " << on_b;

  const rig::v1::Report r = ReadReport();
  ASSERT_EQ(r.endpoints_size(), 2)
      << (result->stdout_text + result->stderr_text);
  EXPECT_EQ(r.endpoints(0).endpoint(), A());
  EXPECT_EQ(r.endpoints(1).endpoint(), B());
  int64_t sum = 0;
  for (const auto& e : r.endpoints()) {
    EXPECT_GT(e.summary().latency().p50_us(), 0);
    EXPECT_GT(e.summary().ops_per_sec(), 0);
    sum += e.summary().counters().ops();
  }
  EXPECT_EQ(sum, r.total().counters().ops());
  // The measured ops are at most what each server counted (warm-up adds).
  EXPECT_LE(r.endpoints(0).summary().counters().ops(), on_a);
  EXPECT_LE(r.endpoints(1).summary().counters().ops(), on_b);
  EXPECT_NE((result->stdout_text + result->stderr_text).find("by endpoint:"),
            std::string::npos)
      << (result->stdout_text + result->stderr_text);
  EXPECT_NE((result->stdout_text + result->stderr_text).find(B()),
            std::string::npos);
}

TEST_F(EndpointsTest,
       AStoppedEndpointOpensItsBreakerAndItsLoadMovesAndReturns) {
  int port = 0;
  auto agent = StartAgent("failover", &port);
  ASSERT_NE(agent, nullptr);
  // A long run, ended (SIGINT) once B is back and serving: how long
  // mariadbd takes to start again on a loaded machine is no timing here.
  const std::string plan = Plan(
      "failover",
      "load: {connections: 4, duration: 5m, report_interval: 250ms}\n",
      "resilience: {circuit_breaker: {open_for: 1s}, "
      "retry: {max_attempts: 5, initial_backoff: 20ms, max_backoff: 200ms}}\n");
  const std::string log = absl::StrCat(*dir_, "/coordinator-failover.log");
  auto coord = StartMeasuringCoordinator(
      {plan, "--agents", absl::StrCat("127.0.0.1:", port)}, log);
  ASSERT_TRUE(coord.ok()) << coord.status();
  absl::SleepFor(absl::Seconds(1));
  ASSERT_TRUE(b_->Stop().ok());
  // B's two connections move to A: A serves all four (bounded: 10 s).
  // Exactly four: a connection being replaced can show beside its
  // successor for a moment.
  int on_a = 0;
  for (int i = 0; i < 100 && on_a != 4; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    auto n = server_->Sql(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE "
        "USER='rig'");
    if (n.ok()) on_a = std::atoi(n->c_str());
  }
  EXPECT_EQ(on_a, 4) << "B's connections did not move to A";
  absl::SleepFor(absl::Seconds(1));
  ASSERT_TRUE(b_->Restart().ok()) << b_->ErrorLogTail();
  // Connections come back: B counts selects after its restart (its
  // counters start at 0 then). Bounded: 60 s.
  int64_t b_selects = 0;
  for (int i = 0; i < 600 && b_selects < 1000; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    auto counters = testing::ComCounters(*b_);
    if (counters.ok()) b_selects = counters->at("select");
  }
  absl::SleepFor(absl::Milliseconds(500));
  (*coord)->Signal(SIGINT);
  auto code = (*coord)->Wait(absl::Seconds(60));
  ASSERT_TRUE(code.ok()) << code.status();
  const std::string out = absl::StrCat(testing::ReadFile(log), "\nagent:\n",
                                       testing::ReadFile(agent->log_path()));
  EXPECT_GE(b_selects, 1000) << "B got no load back: " << out;
  EXPECT_EQ(*code, 4) << out;  // interrupted: INCOMPLETE

  const rig::v1::Report r = ReadReport();
  // B's breaker opened and closed again; A's never moved.
  bool b_opened = false, b_closed_after = false;
  for (const auto& rec : r.breaker_events()) {
    const auto& e = rec.event();
    EXPECT_EQ(e.target(), B()) << "only B's breaker moves: " << e.reason();
    if (e.to() == rig::v1::BREAKER_STATE_OPEN) b_opened = true;
    if (b_opened && e.to() == rig::v1::BREAKER_STATE_CLOSED) {
      b_closed_after = true;
    }
  }
  EXPECT_TRUE(b_opened) << out;
  EXPECT_TRUE(b_closed_after) << out;
  EXPECT_EQ(r.error(), "coordinator received SIGINT");
  // The load went on: every interval did work, on A while B was down. From
  // the moment A held all four connections to the SIGINT at least 2 s of
  // load passed (1 s, B's restart, its 1,000 selects, 0.5 s): 8 intervals
  // at least. (This was "more than 20", a guess at how slow the machine
  // is: a quick restart made the run 18 intervals long.)
  ASSERT_GE(r.intervals_size(), 8);
  for (const auto& iv : r.intervals()) {
    if (iv.end_offset_us() - iv.start_offset_us() < 100'000) continue;
    EXPECT_GT(iv.counters().ops(), 0) << "interval " << iv.seq();
  }
  ASSERT_EQ(r.endpoints_size(), 2);
  const auto& b = r.endpoints(1).summary();
  EXPECT_GT(b.counters().breaker_open_us(), 0);
  EXPECT_GT(b.counters().ops(), 0);
  EXPECT_GT(r.endpoints(0).summary().counters().ops(), b.counters().ops());
  EXPECT_EQ(r.endpoints(0).summary().counters().breaker_open_us(), 0);
}

// target.connection_lifetime: connections are closed and opened again, on
// the next endpoint, without errors and without counting as reconnects.
TEST_F(EndpointsTest, ConnectionsOlderThanTheLifetimeAreOpenedAgain) {
  int port = 0;
  auto agent = StartAgent("lifetime", &port);
  ASSERT_NE(agent, nullptr);
  auto connections = [](MariaDbServer& db) -> int64_t {
    auto out = db.Sql("SHOW GLOBAL STATUS LIKE 'Connections'");
    if (!out.ok()) return -1;
    return std::atoll(out->substr(out->find('\t') + 1).c_str());
  };
  const int64_t a_before = connections(*server_);
  const int64_t b_before = connections(*b_);
  const std::string plan =
      Plan("lifetime",
           "load: {connections: 2, duration: 3s, report_interval: 500ms}\n", "",
           "connection_lifetime: 300ms");
  auto result =
      Coordinator({plan, "--agents", absl::StrCat("127.0.0.1:", port)},
                  server_->password());
  ASSERT_TRUE(result.ok()) << result.status();
  const std::string out = result->stdout_text + result->stderr_text;
  ASSERT_EQ(result->exit_code, 0) << out;
  // Two connections, each replaced about every 300 ms for 3 s (and during
  // the warm-up): about 10 each, alternating between A and B.
  EXPECT_GE(connections(*server_) - a_before, 6) << out;
  EXPECT_GE(connections(*b_) - b_before, 6) << out;
  const rig::v1::Report r = ReadReport();
  EXPECT_EQ(r.total().counters().reconnects(), 0);
  EXPECT_EQ(r.total().counters().errors(), 0);
  EXPECT_GT(r.total().counters().ops(), 1000);
}

// balance: least_connections: a connection past its lifetime opens again
// on the endpoint this agent uses least, counting itself as gone; round
// robin moves it to the next endpoint. With 3 connections on 2 endpoints
// (A B A), each reopen under least_connections stays where it was (moving
// would leave 1 and 2), so A opens about twice as many connections as B;
// under round robin every connection alternates and both open about as
// many.
TEST_F(EndpointsTest,
       LeastConnectionsKeepsABalancedSpreadWhereRoundRobinRotates) {
  int port = 0;
  auto agent = StartAgent("least", &port);
  ASSERT_NE(agent, nullptr);
  auto connections = [](MariaDbServer& db) -> int64_t {
    auto out = db.Sql("SHOW GLOBAL STATUS LIKE 'Connections'");
    if (!out.ok()) return -1;
    return std::atoll(out->substr(out->find('\t') + 1).c_str());
  };
  struct Opened {
    int64_t a, b;
  };
  auto run = [&](const std::string& balance) -> Opened {
    const int64_t a_before = connections(*server_);
    const int64_t b_before = connections(*b_);
    const std::string plan = Plan(
        balance,
        "load: {connections: 3, duration: 3s, report_interval: 500ms}\n", "",
        absl::StrCat("connection_lifetime: 300ms, balance: ", balance));
    auto result =
        Coordinator({plan, "--agents", absl::StrCat("127.0.0.1:", port)},
                    server_->password());
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok()) return {0, 0};
    EXPECT_EQ(result->exit_code, 0)
        << result->stdout_text << result->stderr_text;
    const rig::v1::Report r = ReadReport();
    EXPECT_EQ(r.total().counters().errors(), 0);
    EXPECT_EQ(r.total().counters().reconnects(), 0);
    // Less the one connection each Sql() call above makes.
    return {connections(*server_) - a_before - 1,
            connections(*b_) - b_before - 1};
  };
  const Opened least = run("least_connections");
  const Opened robin = run("round_robin");
  // About 10 reopens per connection in 3 s: 20 on A and 10 on B under
  // least_connections; about 15 and 15 under round robin.
  ASSERT_GE(least.b, 5) << "least_connections: A " << least.a << ", B "
                        << least.b;
  EXPECT_GE(static_cast<double>(least.a) / least.b, 1.6)
      << "least_connections: A " << least.a << ", B " << least.b;
  ASSERT_GE(robin.b, 5) << "round_robin: A " << robin.a << ", B " << robin.b;
  EXPECT_LE(static_cast<double>(robin.a) / robin.b, 1.3)
      << "round_robin: A " << robin.a << ", B " << robin.b;
}

TEST_F(EndpointsTest, ABadEndpointIsNamedBeforeAnyAgentIsContacted) {
  const std::string plan = WritePlan(
      "bad-endpoint.yaml",
      "target: {endpoints: [\"127.0.0.1:3306\", \"db-2:99999\"]}\n"
      "workload: {kind: sql, options: {statements: [\"SELECT 1\"]}}\n");
  auto result = Coordinator({plan, "--agents", "127.0.0.1:1"}, "");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 2)
      << (result->stdout_text + result->stderr_text);
  EXPECT_NE(
      (result->stdout_text + result->stderr_text).find("bad-endpoint.yaml:1"),
      std::string::npos)
      << (result->stdout_text + result->stderr_text);
  EXPECT_NE((result->stdout_text + result->stderr_text)
                .find("endpoint \"db-2:99999\" has a port that is "
                      "not a number from 1 to 65535"),
            std::string::npos)
      << (result->stdout_text + result->stderr_text);
}

}  // namespace
}  // namespace rig
