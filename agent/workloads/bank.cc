// bank: money moves between accounts, and the total never changes.
//
// N accounts (workload.table_size) start with the same balance; each
// operation moves a random amount between two random accounts in one
// transaction, reading both balances first (SELECT ... FOR UPDATE) and
// writing the new absolute values. Verifying checks that the sum is still
// N * initial_balance, that no balance is negative and no account is lost.
//
// locking_reads: false reads without FOR UPDATE: two transfers can then read
// the same balance and one overwrites the other (a lost update), which
// Verifying must catch. It exists to prove the check can fail.

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agent/workloads/workload.h"
#include "common/base/status_macros.h"

namespace rig::agent {
namespace {

constexpr char kTable[] = "bank_accounts";

struct BankConfig {
  int64_t accounts;
  int64_t initial_balance;
  int64_t max_transfer;
  bool locking_reads;
};

class Transfer : public Transaction {
 public:
  Transfer(const BankConfig& cfg, db::Connection& conn)
      : cfg_(cfg), conn_(conn) {}

  absl::Status Prepare() {
    ASSIGN_OR_RETURN(auto write,
                     conn_.Prepare(absl::StrCat(
                         "UPDATE ", kTable, " SET balance = ? WHERE id = ?")));
    write_ = std::move(write);
    return absl::OkStatus();
  }

  absl::Status Run(Rng& rng, OpResult& r) override {
    const int64_t from =
        1 + static_cast<int64_t>(UniformDouble(rng) * cfg_.accounts);
    int64_t to =
        1 + static_cast<int64_t>(UniformDouble(rng) * (cfg_.accounts - 1));
    if (to >= from) ++to;  // a different account
    const int64_t amount =
        1 + static_cast<int64_t>(UniformDouble(rng) * cfg_.max_transfer);
    r.queries++;
    if (auto b = conn_.Execute("BEGIN"); !b.ok()) return b.status();
    return RollbackAfter(conn_, Body(from, to, amount, r));
  }

 private:
  // Reads through a query so the balance value comes back (the prepared
  // statement interface counts rows only).
  absl::StatusOr<int64_t> Balance(int64_t id, OpResult& r) {
    r.queries++;
    auto rows = conn_.Query(
        absl::StrCat("SELECT balance FROM ", kTable, " WHERE id = ", id,
                     cfg_.locking_reads ? " FOR UPDATE" : ""));
    if (!rows.ok()) return rows.status();
    int64_t v = 0;
    if (rows->size() != 1 || !(*rows)[0][0] ||
        !absl::SimpleAtoi(*(*rows)[0][0], &v)) {
      return absl::DataLossError(absl::StrCat("account ", id, " not found"));
    }
    r.rows++;
    return v;
  }

  absl::Status Body(int64_t from, int64_t to, int64_t amount, OpResult& r) {
    // Lock in id order so two transfers between the same accounts cannot
    // deadlock on the reads (they still may on other pairs: retry_txn).
    const int64_t first = std::min(from, to), second = std::max(from, to);
    ASSIGN_OR_RETURN(auto b1, Balance(first, r));
    ASSIGN_OR_RETURN(auto b2, Balance(second, r));
    int64_t from_balance = from == first ? b1 : b2;
    int64_t to_balance = from == first ? b2 : b1;
    if (from_balance < amount) {
      r.queries++;
      auto c = conn_.Execute("COMMIT");  // nothing to move: a valid no-op
      return c.ok() ? absl::OkStatus() : c.status();
    }
    for (const auto& [id, balance] :
         {std::pair<int64_t, int64_t>{from, from_balance - amount},
          std::pair<int64_t, int64_t>{to, to_balance + amount}}) {
      r.queries++;
      db::Value params[] = {balance, id};
      auto w = write_->Execute(params);
      if (!w.ok()) return w.status();
    }
    r.queries++;
    auto c = conn_.Execute("COMMIT");
    return c.ok() ? absl::OkStatus() : c.status();
  }

  const BankConfig& cfg_;
  db::Connection& conn_;
  std::unique_ptr<db::Statement> write_;
};

class Bank : public Workload {
 public:
  explicit Bank(BankConfig cfg) : cfg_(cfg) {}

  absl::Status CreateSchema(db::Connection& conn, bool drop_first) override {
    if (drop_first) {
      if (auto r = conn.Execute(absl::StrCat("DROP TABLE IF EXISTS ", kTable));
          !r.ok()) {
        return r.status();
      }
    }
    auto r = conn.Execute(absl::StrCat(
        "CREATE TABLE IF NOT EXISTS ", kTable,
        " (id BIGINT NOT NULL PRIMARY KEY, balance BIGINT NOT NULL)"));
    return r.ok() ? absl::OkStatus() : r.status();
  }

  absl::Status Load(db::Connection& conn, const LoadTask& task) override {
    const int64_t begin = std::max<int64_t>(1, task.range.begin());
    const int64_t end = std::min<int64_t>(cfg_.accounts + 1, task.range.end());
    const int64_t total = std::max<int64_t>(0, end - begin);
    for (int64_t id = begin; id < end;) {
      const int64_t batch_end = std::min(end, id + task.batch_size);
      std::string sql =
          absl::StrCat("INSERT IGNORE INTO ", kTable, " (id, balance) VALUES");
      for (int64_t a = id; a < batch_end; ++a) {
        absl::StrAppend(&sql, a == id ? "" : ",", "(", a, ",",
                        cfg_.initial_balance, ")");
      }
      if (auto r = conn.Execute(sql); !r.ok()) return r.status();
      id = batch_end;
      if (task.progress && !task.progress(id - begin, total)) {
        return absl::CancelledError("prepare cancelled");
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Transaction>> Bind(
      db::Connection& conn, int /*worker*/) const override {
    auto t = std::make_unique<Transfer>(cfg_, conn);
    RETURN_IF_ERROR(t->Prepare());
    return std::unique_ptr<Transaction>(std::move(t));
  }

  absl::StatusOr<rig::v1::VerificationResult> Verify(
      db::Connection& conn) override {
    ASSIGN_OR_RETURN(auto rows, conn.Query(absl::StrCat(
                                    "SELECT COUNT(*), COALESCE(SUM(balance), "
                                    "0), COALESCE(MIN(balance), 0) "
                                    "FROM ",
                                    kTable)));
    if (rows.empty() || rows.front().size() < 3) {
      return absl::DataLossError(absl::StrCat(
          "verify: SELECT COUNT(*), SUM(balance), MIN(balance) FROM ", kTable,
          " returned no row"));
    }
    int64_t count = 0, sum = 0, min = 0;
    const db::Row& row = rows.at(0);
    (void)absl::SimpleAtoi(row[0].value_or("0"), &count);
    (void)absl::SimpleAtoi(row[1].value_or("0"), &sum);
    (void)absl::SimpleAtoi(row[2].value_or("0"), &min);
    rig::v1::VerificationResult result;
    AddCheck(result, "accounts", count == cfg_.accounts,
             absl::StrCat(cfg_.accounts), absl::StrCat(count));
    AddCheck(
        result, "total balance", sum == cfg_.accounts * cfg_.initial_balance,
        absl::StrCat(cfg_.accounts * cfg_.initial_balance), absl::StrCat(sum));
    AddCheck(result, "no negative balance", min >= 0, "minimum >= 0",
             absl::StrCat(min));
    return result;
  }

  absl::Status Cleanup(db::Connection& conn) override {
    auto r = conn.Execute(absl::StrCat("DROP TABLE IF EXISTS ", kTable));
    return r.ok() ? absl::OkStatus() : r.status();
  }

 private:
  const BankConfig cfg_;
};

}  // namespace

void RegisterBankWorkload(WorkloadRegistry& registry) {
  registry.Register(WorkloadDef{
      "bank",
      "bank: transfers between random accounts (workload.table_size "
      "accounts) in one transaction; Verifying checks the total is unchanged "
      "and no balance is negative",
      {
          Option("initial_balance", "int", "1000",
                 "Starting balance of each account"),
          Option("max_transfer", "int", "100", "Largest amount moved at once"),
          Option("locking_reads", "bool", "true",
                 "Read balances with SELECT ... FOR UPDATE; false allows lost "
                 "updates (to prove the check can fail)"),
      },
      [](const rig::v1::Workload& config,
         const Options& o) -> absl::StatusOr<std::unique_ptr<Workload>> {
        BankConfig cfg{std::max<int64_t>(2, config.table_size()),
                       o.Int("initial_balance"), o.Int("max_transfer"),
                       o.Bool("locking_reads")};
        if (cfg.initial_balance < 0 || cfg.max_transfer < 1) {
          return absl::InvalidArgumentError(
              "workload bank: initial_balance must be >= 0 and max_transfer "
              ">= 1");
        }
        return std::unique_ptr<Workload>(new Bank(cfg));
      }});
}

}  // namespace rig::agent
