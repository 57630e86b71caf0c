// scenario/isolation: an UPDATE by connection A inside an open transaction
// is invisible to connection B until A commits; under REPEATABLE READ, B,
// whose transaction read before A's commit, keeps its snapshot after the
// commit until its own transaction ends, and then sees the change.

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "agent/scenarios/scenario.h"
#include "agent/workloads/workload.h"
#include "common/base/status_macros.h"

namespace rig::agent {
namespace {

struct IsolationState {
  int64_t rows = 10;
  std::string table;
  std::unique_ptr<db::Connection> a;
  std::unique_ptr<db::Connection> b;
};

// SUM(v) over the table as seen by `conn` ("error: ..." when it fails).
std::string SumOf(db::Connection& conn, const std::string& table) {
  auto rows =
      conn.Query(absl::StrCat("SELECT COALESCE(SUM(v), 0) FROM ", table));
  if (!rows.ok()) return absl::StrCat("error: ", Describe(rows.status()));
  if (rows->empty()) return "no rows";
  return (*rows)[0][0].value_or("NULL");
}

class Isolation : public Scenario {
 public:
  explicit Isolation(int64_t rows)
      : state_(std::make_shared<IsolationState>()) {
    state_->rows = rows;
  }

  std::vector<ScenarioStep> Steps() const override {
    std::shared_ptr<IsolationState> st = state_;
    return {
        {"CreatingTable",
         [st](RunContext& ctx) -> absl::Status {
           st->table = AgentTable(ctx, "rig_iso");
           auto a = ctx.driver->Connect(ctx.ConnectOptions());
           if (!a.ok()) return a.status();
           auto b = ctx.driver->Connect(ctx.ConnectOptions());
           if (!b.ok()) return b.status();
           st->a = std::move(*a);
           st->b = std::move(*b);
           RETURN_IF_ERROR(
               st->a->Execute(absl::StrCat("DROP TABLE IF EXISTS ", st->table))
                   .status());
           return st->a
               ->Execute(absl::StrCat("CREATE TABLE ", st->table,
                                      " (id BIGINT PRIMARY KEY, v BIGINT NOT "
                                      "NULL) ENGINE=InnoDB"))
               .status();
         }},
        {"PopulatingData",
         [st](RunContext& ctx) -> absl::Status {
           for (int64_t i = 1; i <= st->rows; ++i) {
             RETURN_IF_ERROR(
                 st->a
                     ->Execute(absl::StrCat("INSERT INTO ", st->table,
                                            " VALUES (", i, ", 0)"))
                     .status());
           }
           auto n =
               st->a->Query(absl::StrCat("SELECT COUNT(*) FROM ", st->table));
           if (!n.ok()) return n.status();
           const std::string seen = (*n)[0][0].value_or("NULL");
           AddCheck(ctx, "rows loaded", seen == absl::StrCat(st->rows),
                    absl::StrCat(st->rows), seen);
           return absl::OkStatus();
         }},
        {"TestingIsolation",
         [st](RunContext& ctx) -> absl::Status {
           db::Connection& a = *st->a;
           db::Connection& b = *st->b;
           const std::string before = "0";
           const std::string after = absl::StrCat(st->rows);
           RETURN_IF_ERROR(
               b.Execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE "
                         "READ")
                   .status());
           RETURN_IF_ERROR(a.Execute("BEGIN").status());
           absl::Status s =
               a.Execute(absl::StrCat("UPDATE ", st->table, " SET v = 1"))
                   .status();
           if (!s.ok()) return RollbackAfter(a, s);
           // B's transaction starts and reads (its snapshot) before A commits.
           s = b.Execute("BEGIN").status();
           if (!s.ok()) return RollbackAfter(a, s);
           std::string seen = SumOf(b, st->table);
           AddCheck(ctx, "uncommitted UPDATE invisible to B", seen == before,
                    absl::StrCat("SUM(v) = ", before, " (A not committed)"),
                    absl::StrCat("SUM(v) = ", seen));
           s = a.Execute("COMMIT").status();
           if (!s.ok()) return RollbackAfter(b, RollbackAfter(a, s));
           seen = SumOf(b, st->table);
           AddCheck(
               ctx, "REPEATABLE READ: B keeps its snapshot after A commits",
               seen == before,
               absl::StrCat("SUM(v) = ", before, " until B's transaction ends"),
               absl::StrCat("SUM(v) = ", seen));
           RETURN_IF_ERROR(b.Execute("COMMIT").status());
           seen = SumOf(b, st->table);
           AddCheck(ctx, "B sees the commit after its transaction ends",
                    seen == after, absl::StrCat("SUM(v) = ", after),
                    absl::StrCat("SUM(v) = ", seen));
           return absl::OkStatus();
         }},
        {"VerifyingResults",
         [st](RunContext& ctx) -> absl::Status {
           auto rows = st->a->Query(absl::StrCat(
               "SELECT COUNT(*), COALESCE(SUM(v = 1), 0) FROM ", st->table));
           if (!rows.ok()) return rows.status();
           const std::string seen =
               absl::StrCat((*rows)[0][1].value_or("NULL"), " of ",
                            (*rows)[0][0].value_or("NULL"), " rows updated");
           const std::string expected =
               absl::StrCat(st->rows, " of ", st->rows, " rows updated");
           AddCheck(ctx, "committed UPDATE persisted", seen == expected,
                    expected, seen);
           return absl::OkStatus();
         }},
        {"CleaningUp", [st](RunContext&) -> absl::Status {
           absl::Status s =
               st->a->Execute(absl::StrCat("DROP TABLE IF EXISTS ", st->table))
                   .status();
           st->b.reset();
           st->a.reset();
           return s;
         }}};
  }

 private:
  std::shared_ptr<IsolationState> state_;
};

}  // namespace

void RegisterIsolationScenario(ScenarioRegistry& registry) {
  registry.Register(ScenarioDef{
      "isolation",
      "an UPDATE in A's open transaction is invisible to B until A commits; "
      "under REPEATABLE READ, B keeps its snapshot until its own transaction "
      "ends",
      {Option("rows", "int", "10", "rows in the table (all are updated)")},
      [](const rig::v1::Workload&,
         const Options& options) -> absl::StatusOr<std::unique_ptr<Scenario>> {
        if (options.Int("rows") < 1) {
          return absl::InvalidArgumentError(
              "scenario/isolation: rows must be at least 1");
        }
        return std::make_unique<Isolation>(options.Int("rows"));
      }});
}

}  // namespace rig::agent
