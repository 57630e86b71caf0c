// scenario/isolation_levels: for each isolation level, provokes the four
// classic anomalies (dirty read, non-repeatable read, phantom, lost update)
// with scripted interleavings of two connections, and compares what the
// server allowed with what its engine documents (or the `expect` option).
//
// The interleavings run on one thread: a statement that would wait for the
// other connection's lock instead gives up after innodb_lock_wait_timeout=1
// (1205), which counts as "prevented", as a deadlock (1213) would.

#include <array>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agent/scenarios/scenario.h"
#include "common/base/status_macros.h"

namespace rig::agent {
namespace {

constexpr std::array<const char*, 4> kLevels = {
    "READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"};
constexpr std::array<const char*, 4> kAnomalies = {
    "dirty read", "non-repeatable read", "phantom", "lost update"};
enum Anomaly { kDirtyRead, kNonRepeatableRead, kPhantom, kLostUpdate };

constexpr char kAllowed[] = "allowed";
constexpr char kPrevented[] = "prevented";

// Error codes that mean the server stopped the anomaly: lock wait timeout,
// deadlock, and MariaDB's ER_CHECKREAD ("Record has changed since last
// read", innodb_snapshot_isolation=ON).
bool IsPrevention(int code) {
  return code == 1205 || code == 1213 || code == 1020;
}

// What the engine documents: "allowed", "prevented", or "" when the level is
// not supported (then `reason` says why).
struct Expectation {
  std::string outcome;
  std::string reason;
};

// InnoDB (MariaDB, MySQL); measured on MariaDB 10.11 and matching
// https://dev.mysql.com/doc/refman/8.0/en/innodb-transaction-isolation-levels.html
// and https://mariadb.com/kb/en/set-transaction/.
Expectation InnoDbExpectation(int level, int anomaly, bool snapshot_isolation) {
  switch (level) {
    case 0:
      // READ UNCOMMITTED: plain SELECTs read the newest version of a row,
      // committed or not, without locks: every anomaly shows. (The phantom
      // shows because the re-read sees the new row at once, as it would see
      // any uncommitted one.)
      return {kAllowed, ""};
    case 1:
      // READ COMMITTED: each consistent read takes a fresh snapshot of
      // committed data: no dirty read, but a re-read sees other
      // transactions' commits (non-repeatable read, phantom), and a plain
      // read-modify-write overwrites a concurrent commit (lost update).
      return {anomaly == kDirtyRead ? kPrevented : kAllowed, ""};
    case 2:
      // REPEATABLE READ: all consistent reads of a transaction read the
      // snapshot taken by its first read: no dirty read, no non-repeatable
      // read, no phantom for plain (non-locking) reads. An UPDATE, though,
      // writes the newest row regardless of the snapshot, so a plain
      // read-modify-write loses the other commit: InnoDB does not detect
      // lost updates - unless MariaDB's innodb_snapshot_isolation=ON
      // (10.6.18+/10.11.8+, default ON from 11.8), where the UPDATE fails
      // with ER_CHECKREAD (1020).
      if (anomaly == kLostUpdate) {
        return {snapshot_isolation ? kPrevented : kAllowed, ""};
      }
      return {kPrevented, ""};
    default:
      // SERIALIZABLE: with autocommit off or inside BEGIN, InnoDB turns
      // plain SELECTs into SELECT ... LOCK IN SHARE MODE (next-key locks),
      // so the other connection's write - or the read of an uncommitted
      // row - waits and times out (1205): nothing is allowed.
      return {kPrevented, ""};
  }
}

// TiDB (assumed, not measured here). Source: TiDB docs "TiDB Transaction
// Isolation Levels"
// (https://docs.pingcap.com/tidb/stable/transaction-isolation-levels): TiDB
// implements Snapshot Isolation, which it reports as REPEATABLE READ, and READ
// COMMITTED (pessimistic transactions only, the default since v3.0.8); READ
// UNCOMMITTED and SERIALIZABLE are rejected (error 8048) unless
// tidb_skip_isolation_level_check=1, and even then they are not implemented, so
// those checks are skipped. In pessimistic mode an UPDATE writes the latest
// committed row without checking the transaction's snapshot, so a plain
// read-modify-write loses an update under both levels (optimistic transactions
// would fail the commit with a write conflict instead; override with `expect`).
Expectation TidbExpectation(int level, int anomaly) {
  switch (level) {
    case 1:
      return {anomaly == kDirtyRead ? kPrevented : kAllowed, ""};
    case 2:
      return {anomaly == kLostUpdate ? kAllowed : kPrevented, ""};
    default:
      return {"", absl::StrCat(kLevels[level],
                               " is not supported by TiDB (only READ "
                               "COMMITTED and REPEATABLE READ are; TiDB docs, "
                               "transaction isolation levels)")};
  }
}

std::string Key(int level, int anomaly) {
  return absl::StrCat(kLevels[level], "/", kAnomalies[anomaly]);
}

struct LevelsState {
  std::map<std::string, std::string> expect;  // Key() -> allowed/prevented
  std::string table;
  std::unique_ptr<db::Connection> a;
  std::unique_ptr<db::Connection> b;
  bool snapshot_isolation = false;  // MariaDB innodb_snapshot_isolation
};

absl::StatusOr<int64_t> ReadInt(db::Connection& conn, const std::string& sql) {
  auto rows = conn.Query(sql);
  if (!rows.ok()) return rows.status();
  int64_t v = 0;
  if (rows->empty() || !(*rows)[0][0].has_value() ||
      !absl::SimpleAtoi(*(*rows)[0][0], &v)) {
    return absl::InternalError(absl::StrCat("no number from ", sql));
  }
  return v;
}

// What one interleaving showed: "allowed" / "prevented" with what was seen,
// or an error that is not a prevention.
struct Outcome {
  std::string verdict;  // kAllowed, kPrevented, or "" on error
  std::string detail;
};

// Runs one interleaving; an error that is a prevention becomes one.
class Probe {
 public:
  explicit Probe(LevelsState& st) : a_(*st.a), b_(*st.b), t_(st.table) {}

  Outcome Run(int anomaly) {
    absl::StatusOr<Outcome> out = RunScript(anomaly);
    (void)a_.Execute("ROLLBACK");
    (void)b_.Execute("ROLLBACK");
    if (out.ok()) return *out;
    const int code = ServerCode(out.status());
    if (IsPrevention(code)) {
      return {kPrevented,
              absl::StrCat("blocked: ", step_, " got error ", code)};
    }
    return {"", absl::StrCat("error at ", step_, ": ", Describe(out.status()))};
  }

 private:
  absl::StatusOr<Outcome> RunScript(int anomaly) {
    step_ = "reset";
    RETURN_IF_ERROR(a_.Execute(absl::StrCat("DELETE FROM ", t_)));
    RETURN_IF_ERROR(a_.Execute(absl::StrCat(
        "INSERT INTO ", t_, " VALUES (1, 100), (2, 100), (3, 100)")));
    const std::string read_v =
        absl::StrCat("SELECT v FROM ", t_, " WHERE id = 1");
    const std::string count =
        absl::StrCat("SELECT COUNT(*) FROM ", t_, " WHERE id > 0");
    switch (anomaly) {
      case kDirtyRead: {
        Step("A: BEGIN; B: BEGIN; B: UPDATE id=1 (not committed)");
        RETURN_IF_ERROR(a_.Execute("BEGIN"));
        RETURN_IF_ERROR(b_.Execute("BEGIN"));
        RETURN_IF_ERROR(b_.Execute(
            absl::StrCat("UPDATE ", t_, " SET v = v + 1 WHERE id = 1")));
        Step("A: read id=1");
        ASSIGN_OR_RETURN(int64_t v, ReadInt(a_, read_v));
        return Outcome{v == 101 ? kAllowed : kPrevented,
                       absl::StrCat("A read ", v,
                                    " while B's uncommitted "
                                    "value was 101")};
      }
      case kNonRepeatableRead: {
        Step("A: BEGIN; A: read id=1");
        RETURN_IF_ERROR(a_.Execute("BEGIN"));
        ASSIGN_OR_RETURN(int64_t v1, ReadInt(a_, read_v));
        Step("B: UPDATE id=1 (autocommit)");
        RETURN_IF_ERROR(b_.Execute(
            absl::StrCat("UPDATE ", t_, " SET v = v + 1 WHERE id = 1")));
        Step("A: read id=1 again");
        ASSIGN_OR_RETURN(int64_t v2, ReadInt(a_, read_v));
        return Outcome{v1 != v2 ? kAllowed : kPrevented,
                       absl::StrCat("A read ", v1, ", then ", v2)};
      }
      case kPhantom: {
        Step("A: BEGIN; A: COUNT(*) WHERE id > 0");
        RETURN_IF_ERROR(a_.Execute("BEGIN"));
        ASSIGN_OR_RETURN(int64_t c1, ReadInt(a_, count));
        Step("B: INSERT id=1000 (autocommit)");
        RETURN_IF_ERROR(
            b_.Execute(absl::StrCat("INSERT INTO ", t_, " VALUES (1000, 1)")));
        Step("A: COUNT(*) again");
        ASSIGN_OR_RETURN(int64_t c2, ReadInt(a_, count));
        return Outcome{c1 != c2 ? kAllowed : kPrevented,
                       absl::StrCat("A counted ", c1, ", then ", c2)};
      }
      default: {
        Step("A: BEGIN; B: BEGIN; A: read id=1; B: read id=1");
        RETURN_IF_ERROR(a_.Execute("BEGIN"));
        RETURN_IF_ERROR(b_.Execute("BEGIN"));
        ASSIGN_OR_RETURN(int64_t va, ReadInt(a_, read_v));
        ASSIGN_OR_RETURN(int64_t vb, ReadInt(b_, read_v));
        Step("A: UPDATE id=1 to its read + 1");
        RETURN_IF_ERROR(a_.Execute(
            absl::StrCat("UPDATE ", t_, " SET v = ", va + 1, " WHERE id = 1")));
        Step("A: COMMIT");
        RETURN_IF_ERROR(a_.Execute("COMMIT"));
        Step("B: UPDATE id=1 to its read + 1");
        RETURN_IF_ERROR(b_.Execute(
            absl::StrCat("UPDATE ", t_, " SET v = ", vb + 1, " WHERE id = 1")));
        Step("B: COMMIT");
        RETURN_IF_ERROR(b_.Execute("COMMIT"));
        Step("read the final value");
        ASSIGN_OR_RETURN(int64_t final_v, ReadInt(a_, read_v));
        return Outcome{final_v == 102 ? kPrevented : kAllowed,
                       absl::StrCat("two increments of 100 left ", final_v)};
      }
    }
  }

  void Step(const char* step) { step_ = step; }

  db::Connection& a_;
  db::Connection& b_;
  const std::string t_;
  std::string step_;
};

class IsolationLevels : public Scenario {
 public:
  explicit IsolationLevels(std::map<std::string, std::string> expect)
      : state_(std::make_shared<LevelsState>()) {
    state_->expect = std::move(expect);
  }

  std::vector<ScenarioStep> Steps() const override {
    std::shared_ptr<LevelsState> st = state_;
    return {
        {"CreatingTable",
         [st](RunContext& ctx) -> absl::Status {
           st->table = AgentTable(ctx, "rig_isolevels");
           ASSIGN_OR_RETURN(st->a, ctx.driver->Connect(ctx.ConnectOptions()));
           ASSIGN_OR_RETURN(st->b, ctx.driver->Connect(ctx.ConnectOptions()));
           for (db::Connection* c : {st->a.get(), st->b.get()}) {
             // A blocked statement gives up after 1 s: "prevented".
             RETURN_IF_ERROR(
                 c->Execute("SET SESSION innodb_lock_wait_timeout = 1"));
           }
           if (ctx.server.flavor == "mariadb") {
             auto on = ReadInt(*st->a, "SELECT @@innodb_snapshot_isolation");
             st->snapshot_isolation = on.ok() && *on == 1;
           }
           RETURN_IF_ERROR(st->a->Execute(
               absl::StrCat("DROP TABLE IF EXISTS ", st->table)));
           return st->a
               ->Execute(absl::StrCat("CREATE TABLE ", st->table,
                                      " (id BIGINT PRIMARY KEY, v BIGINT NOT "
                                      "NULL) ENGINE=InnoDB"))
               .status();
         }},
        {"TestingIsolationLevels",
         [st](RunContext& ctx) -> absl::Status {
           const bool tidb = ctx.server.flavor == "tidb";
           for (int level = 0; level < static_cast<int>(kLevels.size());
                ++level) {
             Expectation base[kAnomalies.size()];
             for (int an = 0; an < static_cast<int>(kAnomalies.size()); ++an) {
               base[an] =
                   tidb ? TidbExpectation(level, an)
                        : InnoDbExpectation(level, an, st->snapshot_isolation);
             }
             if (base[0].outcome.empty()) {
               for (int an = 0; an < static_cast<int>(kAnomalies.size());
                    ++an) {
                 AddSkippedCheck(
                     ctx, absl::StrCat(kLevels[level], " / ", kAnomalies[an]),
                     base[an].reason);
               }
               continue;
             }
             const std::string set_level = absl::StrCat(
                 "SET SESSION TRANSACTION ISOLATION LEVEL ", kLevels[level]);
             RETURN_IF_ERROR(st->a->Execute(set_level));
             RETURN_IF_ERROR(st->b->Execute(set_level));
             for (int an = 0; an < static_cast<int>(kAnomalies.size()); ++an) {
               if (ctx.cancel.cancelled()) return ctx.cancel.reason();
               std::string expected = base[an].outcome;
               if (auto it = st->expect.find(Key(level, an));
                   it != st->expect.end()) {
                 expected = it->second;
               }
               const Outcome seen = Probe(*st).Run(an);
               AddCheck(
                   ctx, absl::StrCat(kLevels[level], " / ", kAnomalies[an]),
                   seen.verdict == expected, expected,
                   seen.verdict.empty()
                       ? seen.detail
                       : absl::StrCat(seen.verdict, " (", seen.detail, ")"));
             }
           }
           return absl::OkStatus();
         },
         absl::Minutes(2)},
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
  std::shared_ptr<LevelsState> state_;
};

// {"REPEATABLE READ/phantom": "allowed"} -> checked, normalised keys.
absl::StatusOr<std::map<std::string, std::string>> ParseExpect(
    const google::protobuf::Value& value) {
  std::map<std::string, std::string> out;
  if (!value.has_struct_value()) return out;
  for (const auto& [key, v] : value.struct_value().fields()) {
    std::vector<std::string> parts = absl::StrSplit(key, '/');
    bool found = false;
    if (parts.size() == 2) {
      const std::string level =
          absl::AsciiStrToUpper(absl::StripAsciiWhitespace(parts[0]));
      const std::string anomaly =
          absl::AsciiStrToLower(absl::StripAsciiWhitespace(parts[1]));
      for (int l = 0; l < static_cast<int>(kLevels.size()); ++l) {
        for (int a = 0; a < static_cast<int>(kAnomalies.size()); ++a) {
          if (level == kLevels[l] && anomaly == kAnomalies[a]) {
            const std::string outcome = absl::AsciiStrToLower(v.string_value());
            if (outcome != kAllowed && outcome != kPrevented) {
              return absl::InvalidArgumentError(
                  absl::StrCat("scenario/isolation_levels: expect \"", key,
                               "\" must be allowed or prevented, not \"",
                               v.string_value(), "\""));
            }
            out[Key(l, a)] = outcome;
            found = true;
          }
        }
      }
    }
    if (!found) {
      return absl::InvalidArgumentError(absl::StrCat(
          "scenario/isolation_levels: expect key \"", key,
          "\" is not \"<level>/<anomaly>\" (levels: READ UNCOMMITTED, READ "
          "COMMITTED, REPEATABLE READ, SERIALIZABLE; anomalies: dirty read, "
          "non-repeatable read, phantom, lost update)"));
    }
  }
  return out;
}

}  // namespace

void RegisterIsolationLevelsScenario(ScenarioRegistry& registry) {
  registry.Register(ScenarioDef{
      "isolation_levels",
      "dirty read, non-repeatable read, phantom and lost update under each "
      "isolation level, compared with what the engine documents",
      {Option("expect", "map", "",
              "overrides expectations: {\"<LEVEL>/<anomaly>\": "
              "allowed|prevented}")},
      [](const rig::v1::Workload&,
         const Options& options) -> absl::StatusOr<std::unique_ptr<Scenario>> {
        ASSIGN_OR_RETURN(auto expect, ParseExpect(options.Raw("expect")));
        return std::make_unique<IsolationLevels>(std::move(expect));
      }});
}

}  // namespace rig::agent
