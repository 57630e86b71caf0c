// scenario/deadlock: two transactions update two rows in opposite order,
// each on its own thread; InnoDB (or TiDB's pessimistic lock manager)
// detects the cycle and rolls one back with 1213. Checks: exactly one
// victim, the other commits, the data is what the committed one wrote, and
// the victim's transaction, retried after a backoff, succeeds.

#include <chrono>
#include <future>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "agent/resilience/retry.h"
#include "agent/scenarios/scenario.h"
#include "common/base/status_macros.h"
#include "plan/schema.h"

namespace rig::agent {
namespace {

constexpr int kDeadlock = 1213;

struct DeadlockState {
  std::string table;
  std::unique_ptr<db::Connection> conn[2];
};

// What one side's transaction did.
struct SideResult {
  absl::Status first;   // locking its first row
  absl::Status second;  // locking the other one (where the deadlock shows)
  absl::Status commit;
  bool committed() const { return first.ok() && second.ok() && commit.ok(); }
  std::string Describe() const {
    if (!first.ok())
      return absl::StrCat("first UPDATE: ", rig::agent::Describe(first));
    if (!second.ok())
      return absl::StrCat("second UPDATE: ", rig::agent::Describe(second));
    if (!commit.ok())
      return absl::StrCat("COMMIT: ", rig::agent::Describe(commit));
    return "committed";
  }
};

// Side i writes value i+1 to row first_id, then to the other row.
absl::Status UpdateRow(db::Connection& c, const std::string& table, int id,
                       int value) {
  return c
      .Execute(absl::StrCat("UPDATE ", table, " SET v = ", value,
                            " WHERE id = ", id))
      .status();
}

// The two rows' values, "v1,v2".
std::string Values(db::Connection& c, const std::string& table) {
  auto rows = c.Query(absl::StrCat("SELECT v FROM ", table, " ORDER BY id"));
  if (!rows.ok()) return absl::StrCat("error: ", Describe(rows.status()));
  std::string out;
  for (const auto& r : *rows) {
    absl::StrAppend(&out, out.empty() ? "" : ",", r[0].value_or("NULL"));
  }
  return out;
}

class Deadlock : public Scenario {
 public:
  Deadlock() : state_(std::make_shared<DeadlockState>()) {}

  std::vector<ScenarioStep> Steps() const override {
    std::shared_ptr<DeadlockState> st = state_;
    return {
        {"CreatingTable",
         [st](RunContext& ctx) -> absl::Status {
           st->table = AgentTable(ctx, "rig_deadlock");
           for (auto& c : st->conn) {
             ASSIGN_OR_RETURN(c, ctx.driver->Connect(ctx.ConnectOptions()));
             // A safety net: deadlock detection answers at once; a missed
             // deadlock must not hang the run.
             RETURN_IF_ERROR(
                 c->Execute("SET SESSION innodb_lock_wait_timeout = 10"));
           }
           db::Connection& c = *st->conn[0];
           RETURN_IF_ERROR(
               c.Execute(absl::StrCat("DROP TABLE IF EXISTS ", st->table)));
           RETURN_IF_ERROR(c.Execute(
               absl::StrCat("CREATE TABLE ", st->table,
                            " (id BIGINT PRIMARY KEY, v BIGINT NOT NULL) "
                            "ENGINE=InnoDB")));
           return c
               .Execute(absl::StrCat("INSERT INTO ", st->table,
                                     " VALUES (1, 0), (2, 0)"))
               .status();
         }},
        {"TestingDeadlock",
         [st](RunContext& ctx) -> absl::Status {
           // Side 0 locks row 1 then row 2 (writing 1); side 1 locks row 2
           // then row 1 (writing 2). Each waits until the other holds its
           // first row before asking for the second, so both block.
           std::promise<void> locked[2];
           std::shared_future<void> holds[2] = {locked[0].get_future().share(),
                                                locked[1].get_future().share()};
           SideResult result[2];
           auto side = [&](int i) {
             auto scope = ctx.driver->AttachThread();
             db::Connection& c = *st->conn[i];
             SideResult& r = result[i];
             const int mine = i + 1, other = 2 - i;
             r.first = c.Execute("BEGIN").status();
             if (r.first.ok()) r.first = UpdateRow(c, st->table, mine, i + 1);
             locked[i].set_value();
             if (!r.first.ok()) {
               (void)c.Execute("ROLLBACK");
               return;
             }
             if (holds[1 - i].wait_for(std::chrono::seconds(30)) !=
                 std::future_status::ready) {
               r.second = absl::DeadlineExceededError(
                   "the other transaction never locked its first row");
             } else {
               r.second = UpdateRow(c, st->table, other, i + 1);
             }
             if (r.second.ok()) {
               r.commit = c.Execute("COMMIT").status();
             } else {
               (void)c.Execute("ROLLBACK");
             }
           };
           std::thread t0(side, 0), t1(side, 1);
           t0.join();
           t1.join();

           const std::string seen = absl::StrCat("A: ", result[0].Describe(),
                                                 "; B: ", result[1].Describe());
           int victims = 0, winner = -1;
           for (int i = 0; i < 2; ++i) {
             if (ServerCode(result[i].second) == kDeadlock) ++victims;
             if (result[i].committed()) winner = i;
           }
           const bool one_victim =
               victims == 1 && (result[0].committed() || result[1].committed());
           AddCheck(ctx, "exactly one transaction is the deadlock victim",
                    one_victim, "one gets 1213 (deadlock), the other commits",
                    seen);
           if (!one_victim) return absl::OkStatus();
           const std::string expected_values =
               absl::StrCat(winner + 1, ",", winner + 1);
           const std::string values = Values(*st->conn[0], st->table);
           AddCheck(ctx, "data after the deadlock", values == expected_values,
                    absl::StrCat("both rows = ", winner + 1, " (what ",
                                 winner == 0 ? "A" : "B", " committed)"),
                    absl::StrCat("rows = ", values));

           // The victim's transaction again, as the resilience layer would.
           const int victim = 1 - winner;
           db::Connection& c = *st->conn[victim];
           Backoff backoff{rig::plan::PlanDefaults().resilience().retry()};
           Rng rng(ctx.assignment.agent_index() + 1);
           absl::Status s;
           int attempt = 0;
           absl::Duration waited;
           while (attempt < backoff.max_attempts()) {
             const absl::Duration d = backoff.Delay(attempt + 1, rng);
             if (ctx.cancel.WaitFor(d)) return ctx.cancel.reason();
             waited += d;
             ++attempt;
             s = c.Execute("BEGIN").status();
             for (int id : {victim + 1, 2 - victim}) {
               if (s.ok()) s = UpdateRow(c, st->table, id, victim + 1);
             }
             if (s.ok()) s = c.Execute("COMMIT").status();
             if (s.ok()) break;
             (void)c.Execute("ROLLBACK");
           }
           AddCheck(ctx, "the victim's transaction retried", s.ok(), "commits",
                    s.ok() ? absl::StrCat(
                                 "committed on attempt ", attempt, " after ",
                                 absl::FormatDuration(waited), " of backoff")
                           : Describe(s));
           const std::string after = Values(*st->conn[0], st->table);
           const std::string expected_after =
               absl::StrCat(victim + 1, ",", victim + 1);
           AddCheck(ctx, "data after the retry", after == expected_after,
                    absl::StrCat("both rows = ", victim + 1),
                    absl::StrCat("rows = ", after));
           return absl::OkStatus();
         },
         absl::Minutes(2)},
        {"CleaningUp", [st](RunContext&) -> absl::Status {
           absl::Status s =
               st->conn[0]
                   ->Execute(absl::StrCat("DROP TABLE IF EXISTS ", st->table))
                   .status();
           for (auto& c : st->conn) c.reset();
           return s;
         }}};
  }

 private:
  std::shared_ptr<DeadlockState> state_;
};

}  // namespace

void RegisterDeadlockScenario(ScenarioRegistry& registry) {
  registry.Register(ScenarioDef{
      "deadlock",
      "two transactions lock two rows in opposite order: exactly one is the "
      "deadlock victim (1213), the other commits, the retried victim "
      "succeeds",
      {},
      [](const rig::v1::Workload&,
         const Options&) -> absl::StatusOr<std::unique_ptr<Scenario>> {
        return std::make_unique<Deadlock>();
      }});
}

}  // namespace rig::agent
