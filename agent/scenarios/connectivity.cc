// scenario/connectivity: connect, SELECT 1, USE the database, read the
// server's version and flavour; each step's time is in its check.

#include <chrono>

#include "absl/strings/str_cat.h"
#include "agent/engine/run_context.h"
#include "agent/scenarios/scenario.h"
#include "common/base/sql_identifier.h"

namespace rig::agent {
namespace {

class Connectivity : public Scenario {
 public:
  std::vector<ScenarioStep> Steps() const override {
    return {
        {"TestingConnection", [](RunContext& ctx) -> absl::Status {
           using Clock = std::chrono::steady_clock;
           auto t0 = Clock::now();
           auto conn = ctx.driver->Connect(ctx.ConnectOptions());
           AddCheck(ctx, "connect", conn.ok(), "a connection",
                    conn.ok() ? absl::StrCat("connected in ",
                                             Millis(Clock::now() - t0))
                              : std::string(conn.status().message()));
           if (!conn.ok()) return absl::OkStatus();
           t0 = Clock::now();
           auto one = (*conn)->Query("SELECT 1");
           const bool one_ok =
               one.ok() && !one->empty() && (*one)[0][0].value_or("") == "1";
           AddCheck(ctx, "SELECT 1", one_ok, "1",
                    one.ok() ? absl::StrCat((*one)[0][0].value_or("NULL"),
                                            " in ", Millis(Clock::now() - t0))
                             : std::string(one.status().message()));
           const std::string db = ctx.assignment.plan().target().database();
           t0 = Clock::now();
           auto use =
               (*conn)->Execute(absl::StrCat("USE ", QuoteIdentifier(db)));
           AddCheck(ctx, absl::StrCat("USE ", db), use.ok(),
                    "the database is usable",
                    use.ok() ? absl::StrCat("ok in ", Millis(Clock::now() - t0))
                             : std::string(use.status().message()));
           auto server = db::DetectServer(**conn);
           AddCheck(
               ctx, "server version", server.ok(), "tidb, mysql or mariadb",
               server.ok() ? absl::StrCat(server->flavor, " ", server->version)
                           : std::string(server.status().message()));
           return absl::OkStatus();
         }}};
  }
};

}  // namespace

void RegisterConnectivityScenario(ScenarioRegistry& registry) {
  registry.Register(ScenarioDef{
      "connectivity",
      "connect, SELECT 1, USE the database, read the server version; the "
      "time of each step",
      {},
      [](const rig::v1::Workload&, const Options&) {
        return absl::StatusOr<std::unique_ptr<Scenario>>(
            std::make_unique<Connectivity>());
      }});
}

}  // namespace rig::agent
