// sysbench-compatible OLTP workloads: the schema, data and statements of
// sysbench 1.0.20's oltp_common.lua, so results compare one to one.

#include <memory>

#include "absl/strings/str_cat.h"
#include "agent/workload.h"

namespace rig::agent {
namespace {

// sysbench's create_table(), with the secondary index inline so that
// agents loading in parallel need no extra step.
std::string CreateTableSql(int t) {
  return absl::StrCat("CREATE TABLE IF NOT EXISTS sbtest", t,
                      "(\n"
                      "  id INTEGER NOT NULL AUTO_INCREMENT,\n"
                      "  k INTEGER DEFAULT '0' NOT NULL,\n"
                      "  c CHAR(120) DEFAULT '' NOT NULL,\n"
                      "  pad CHAR(60) DEFAULT '' NOT NULL,\n"
                      "  PRIMARY KEY (id),\n"
                      "  KEY k_",
                      t, " (k)\n) /*! ENGINE = innodb */");
}

// sysbench's "###########-###########-..." templates: `groups` groups of
// 11 random digits separated by dashes.
std::string RandomDigitGroups(Rng& rng, int groups) {
  std::string out;
  out.reserve(groups * 12);
  std::uniform_int_distribution<int> digit(0, 9);
  for (int g = 0; g < groups; ++g) {
    if (g > 0) out += '-';
    for (int i = 0; i < 11; ++i) out += static_cast<char>('0' + digit(rng));
  }
  return out;
}

class OltpWorkload : public Workload {
 public:
  explicit OltpWorkload(const rig::v1::Workload& config)
      : tables_(config.tables()), table_size_(config.table_size()) {}

  absl::Status Prepare(db::Connection& connection,
                       const PrepareTask& task) override {
    const int64_t begin = std::max<int64_t>(1, task.range.begin());
    const int64_t end = std::min<int64_t>(table_size_ + 1, task.range.end());
    const int64_t per_table = std::max<int64_t>(0, end - begin);
    const int64_t total = per_table * tables_;
    int64_t done = 0;
    Rng rng(std::random_device{}());
    std::uniform_int_distribution<int64_t> k(1,
                                             std::max<int64_t>(1, table_size_));
    for (int t = 1; t <= tables_; ++t) {
      if (auto r = connection.Execute(CreateTableSql(t)); !r.ok()) {
        return r.status();
      }
      for (int64_t id = begin; id < end;) {
        const int64_t batch_end = std::min(end, id + task.batch_size);
        // INSERT IGNORE: a re-run of an interrupted prepare completes it.
        std::string sql = absl::StrCat("INSERT IGNORE INTO sbtest", t,
                                       "(id, k, c, pad) VALUES");
        for (int64_t row = id; row < batch_end; ++row) {
          absl::StrAppend(&sql, row == id ? "" : ",", "(", row, ",", k(rng),
                          ",'", RandomDigitGroups(rng, 10), "','",
                          RandomDigitGroups(rng, 5), "')");
        }
        if (auto r = connection.Execute(sql); !r.ok()) return r.status();
        done += batch_end - id;
        id = batch_end;
        if (task.progress && !task.progress(done, total)) {
          return absl::CancelledError("prepare cancelled");
        }
      }
    }
    return absl::OkStatus();
  }

 protected:
  int tables_;
  int64_t table_size_;
};

class PointSelectTransaction : public Transaction {
 public:
  PointSelectTransaction(std::vector<std::unique_ptr<db::Statement>> stmts,
                         int64_t table_size)
      : stmts_(std::move(stmts)),
        table_(0, static_cast<int>(stmts_.size()) - 1),
        id_(1, std::max<int64_t>(1, table_size)) {}

  absl::Status Run(Rng& rng, OpResult& result) override {
    db::Value id = id_(rng);
    result.queries = 1;
    auto rows = stmts_[table_(rng)]->Execute({&id, 1});
    if (!rows.ok()) return rows.status();
    result.rows = *rows;
    return absl::OkStatus();
  }

 private:
  std::vector<std::unique_ptr<db::Statement>> stmts_;
  std::uniform_int_distribution<int> table_;
  std::uniform_int_distribution<int64_t> id_;
};

class PointSelect : public OltpWorkload {
 public:
  using OltpWorkload::OltpWorkload;

  absl::StatusOr<std::unique_ptr<Transaction>> Bind(
      db::Connection& connection) const override {
    std::vector<std::unique_ptr<db::Statement>> stmts;
    for (int t = 1; t <= tables_; ++t) {
      auto stmt = connection.Prepare(
          absl::StrCat("SELECT c FROM sbtest", t, " WHERE id=?"));
      if (!stmt.ok()) return stmt.status();
      stmts.push_back(std::move(*stmt));
    }
    return std::unique_ptr<Transaction>(
        new PointSelectTransaction(std::move(stmts), table_size_));
  }
};

}  // namespace

void RegisterOltpWorkloads(WorkloadRegistry& registry) {
  registry.Register(WorkloadDef{
      "oltp_point_select",
      "sysbench oltp_point_select: SELECT c FROM sbtestN WHERE id=? on a "
      "random table and id (uniform)",
      {},
      [](const rig::v1::Workload& config)
          -> absl::StatusOr<std::unique_ptr<Workload>> {
        return std::unique_ptr<Workload>(new PointSelect(config));
      }});
}

}  // namespace rig::agent
