// scenario/savepoints: SAVEPOINT, ROLLBACK TO SAVEPOINT (the change after it
// is undone, the one before kept), RELEASE SAVEPOINT, nested savepoints
// (rolling back to the outer one undoes the inner one's changes too), and
// ROLLBACK TO an unknown savepoint fails with ER_SP_DOES_NOT_EXIST (1305 on
// MariaDB, MySQL and TiDB).

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "agent/scenarios/scenario.h"
#include "agent/workloads/workload.h"
#include "common/base/status_macros.h"

namespace rig::agent {
namespace {

constexpr int kNoSuchSavepoint = 1305;

struct SavepointsState {
  std::string table;
  std::unique_ptr<db::Connection> conn;
};

// The ids in the table as `c` sees them, "1,3".
std::string Ids(db::Connection& c, const std::string& table) {
  auto rows = c.Query(absl::StrCat("SELECT id FROM ", table, " ORDER BY id"));
  if (!rows.ok()) return absl::StrCat("error: ", Describe(rows.status()));
  std::string out;
  for (const auto& r : *rows) {
    absl::StrAppend(&out, out.empty() ? "" : ",", r[0].value_or("NULL"));
  }
  return out.empty() ? "none" : out;
}

// Checks that `sql` fails with 1305.
void ExpectNoSuchSavepoint(RunContext& ctx, db::Connection& c,
                           const std::string& name, const std::string& sql) {
  absl::Status s = c.Execute(sql).status();
  AddCheck(ctx, name, ServerCode(s) == kNoSuchSavepoint,
           absl::StrCat("error ", kNoSuchSavepoint,
                        " (savepoint does not "
                        "exist)"),
           s.ok() ? "it succeeded" : Describe(s));
}

class Savepoints : public Scenario {
 public:
  Savepoints() : state_(std::make_shared<SavepointsState>()) {}

  std::vector<ScenarioStep> Steps() const override {
    std::shared_ptr<SavepointsState> st = state_;
    return {
        {"CreatingTable",
         [st](RunContext& ctx) -> absl::Status {
           st->table = AgentTable(ctx, "rig_savepoints");
           ASSIGN_OR_RETURN(st->conn,
                            ctx.driver->Connect(ctx.ConnectOptions()));
           RETURN_IF_ERROR(st->conn->Execute(
               absl::StrCat("DROP TABLE IF EXISTS ", st->table)));
           return st->conn
               ->Execute(absl::StrCat("CREATE TABLE ", st->table,
                                      " (id BIGINT PRIMARY KEY) "
                                      "ENGINE=InnoDB"))
               .status();
         }},
        {"TestingSavepoints",
         [st](RunContext& ctx) -> absl::Status {
           db::Connection& c = *st->conn;
           auto insert = [&](int id) {
             return c.Execute(
                 absl::StrCat("INSERT INTO ", st->table, " VALUES (", id, ")"));
           };
           auto check_ids = [&](const std::string& name,
                                const std::string& expected,
                                const std::string& why) {
             const std::string seen = Ids(c, st->table);
             AddCheck(ctx, name, seen == expected,
                      absl::StrCat("rows ", expected, " (", why, ")"),
                      absl::StrCat("rows ", seen));
           };
           absl::Status s = [&]() -> absl::Status {
             RETURN_IF_ERROR(c.Execute("BEGIN"));
             RETURN_IF_ERROR(insert(1));
             RETURN_IF_ERROR(c.Execute("SAVEPOINT s1"));
             RETURN_IF_ERROR(insert(2));
             RETURN_IF_ERROR(c.Execute("ROLLBACK TO SAVEPOINT s1"));
             check_ids("ROLLBACK TO SAVEPOINT", "1",
                       "2, inserted after s1, undone; 1 kept");
             RETURN_IF_ERROR(c.Execute("SAVEPOINT s2"));
             RETURN_IF_ERROR(insert(3));
             RETURN_IF_ERROR(c.Execute("RELEASE SAVEPOINT s2"));
             check_ids("RELEASE SAVEPOINT keeps the changes", "1,3", "3 kept");
             ExpectNoSuchSavepoint(ctx, c,
                                   "ROLLBACK TO a released savepoint fails",
                                   "ROLLBACK TO SAVEPOINT s2");
             RETURN_IF_ERROR(c.Execute("SAVEPOINT outer_sp"));
             RETURN_IF_ERROR(insert(4));
             RETURN_IF_ERROR(c.Execute("SAVEPOINT inner_sp"));
             RETURN_IF_ERROR(insert(5));
             RETURN_IF_ERROR(c.Execute("ROLLBACK TO SAVEPOINT outer_sp"));
             check_ids("nested: ROLLBACK TO the outer savepoint", "1,3",
                       "4 and the inner savepoint's 5 undone");
             ExpectNoSuchSavepoint(ctx, c,
                                   "nested: the inner savepoint is gone after "
                                   "ROLLBACK TO the outer",
                                   "ROLLBACK TO SAVEPOINT inner_sp");
             ExpectNoSuchSavepoint(ctx, c,
                                   "ROLLBACK TO an unknown savepoint fails",
                                   "ROLLBACK TO SAVEPOINT no_such_savepoint");
             return c.Execute("COMMIT").status();
           }();
           if (!s.ok()) return RollbackAfter(c, s);
           // What the transaction committed, read by a new connection.
           ASSIGN_OR_RETURN(auto other,
                            ctx.driver->Connect(ctx.ConnectOptions()));
           const std::string seen = Ids(*other, st->table);
           AddCheck(ctx, "committed rows", seen == "1,3", "rows 1,3",
                    absl::StrCat("rows ", seen));
           return absl::OkStatus();
         }},
        {"CleaningUp", [st](RunContext&) -> absl::Status {
           absl::Status s =
               st->conn
                   ->Execute(absl::StrCat("DROP TABLE IF EXISTS ", st->table))
                   .status();
           st->conn.reset();
           return s;
         }}};
  }

 private:
  std::shared_ptr<SavepointsState> state_;
};

}  // namespace

void RegisterSavepointsScenario(ScenarioRegistry& registry) {
  registry.Register(ScenarioDef{
      "savepoints",
      "SAVEPOINT, ROLLBACK TO and RELEASE SAVEPOINT, nested savepoints, and "
      "the error for an unknown savepoint (1305)",
      {},
      [](const rig::v1::Workload&,
         const Options&) -> absl::StatusOr<std::unique_ptr<Scenario>> {
        return std::make_unique<Savepoints>();
      }});
}

}  // namespace rig::agent
