// sysbench-compatible OLTP workloads: the schema, data, statements,
// transaction shape and defaults of sysbench 1.0.20's oltp_*.lua scripts
// (oltp_common.lua), so results compare one to one. Each statement that
// succeeds is counted as a read, write or other query by sysbench's rule
// (OpResult::CountStatement), for its "queries performed" lines.

#include <memory>

#include "absl/strings/str_cat.h"
#include "agent/workloads/workload.h"
#include "common/base/status_macros.h"

namespace rig::agent {
namespace {

enum class Kind {
  kPointSelect,
  kReadOnly,
  kReadWrite,
  kWriteOnly,
  kInsert,
  kUpdateIndex,
  kUpdateNonIndex,
  kDelete,
};

constexpr char kCTemplate[] =
    "###########-###########-###########-###########-###########-"
    "###########-###########-###########-###########-###########";
constexpr char kPadTemplate[] =
    "###########-###########-###########-###########-###########";

struct OltpConfig {
  Kind kind;
  int tables;
  int64_t table_size;
  int64_t range_size;
  int point_selects, simple_ranges, sum_ranges, order_ranges, distinct_ranges;
  int index_updates, non_index_updates, delete_inserts;
  bool range_selects, skip_trx, create_secondary;
  Distribution dist;
};

std::vector<rig::v1::OptionSpec> OltpOptions() {
  return {
      Option("range_size", "int", "100", "Range size for range SELECT queries"),
      Option("point_selects", "int", "10",
             "Point SELECT queries per transaction (oltp_point_select: 1)"),
      Option("simple_ranges", "int", "1",
             "Simple range SELECTs per transaction"),
      Option("sum_ranges", "int", "1", "SELECT SUM() queries per transaction"),
      Option("order_ranges", "int", "1",
             "SELECT ORDER BY queries per transaction"),
      Option("distinct_ranges", "int", "1",
             "SELECT DISTINCT queries per transaction"),
      Option("index_updates", "int", "1",
             "UPDATE index queries per transaction"),
      Option("non_index_updates", "int", "1",
             "UPDATE non-index queries per transaction"),
      Option("delete_inserts", "int", "1",
             "DELETE/INSERT combinations per transaction"),
      Option("range_selects", "bool", "true",
             "Enable/disable all range SELECT queries"),
      Option("skip_trx", "bool", "false",
             "Run the queries in autocommit mode, without BEGIN/COMMIT"),
      Option("create_secondary", "bool", "true",
             "Create the secondary index k_N on k"),
      Option(
          "rand_type", "string", "special",
          "Row id distribution: uniform, gaussian, special, pareto, zipfian"),
      Option("rand_spec_iter", "int", "12",
             "Iterations for the gaussian and special distributions"),
      Option("rand_spec_pct", "int", "1",
             "Percentage of values treated as special (hot)"),
      Option("rand_spec_res", "int", "75",
             "Percentage of draws that hit the special values"),
      Option("rand_pareto_h", "double", "0.2", "Pareto distribution parameter"),
      Option("rand_zipfian_exp", "double", "0.8", "Zipfian exponent"),
  };
}

std::string TableName(int t) { return absl::StrCat("sbtest", t); }

class OltpTransaction : public Transaction {
 public:
  struct TableStatements {
    std::unique_ptr<db::Statement> point, simple, sum, order, distinct,
        index_update, non_index_update, del, insert;
  };

  OltpTransaction(const OltpConfig& cfg, db::Connection& conn)
      : cfg_(cfg), conn_(conn) {}

  absl::Status Prepare() {
    const Kind k = cfg_.kind;
    const bool reads = k == Kind::kPointSelect || k == Kind::kReadOnly ||
                       k == Kind::kReadWrite;
    const bool ranges =
        cfg_.range_selects && (k == Kind::kReadOnly || k == Kind::kReadWrite);
    const bool writes = k == Kind::kReadWrite || k == Kind::kWriteOnly;
    for (int t = 1; t <= cfg_.tables; ++t) {
      TableStatements s;
      const std::string tbl = TableName(t);
      auto prep = [this](std::unique_ptr<db::Statement>* out,
                         const std::string& sql) -> absl::Status {
        ASSIGN_OR_RETURN(auto stmt, conn_.Prepare(sql));
        *out = std::move(stmt);
        return absl::OkStatus();
      };
      absl::Status st;
      if (reads)
        st.Update(prep(&s.point, "SELECT c FROM " + tbl + " WHERE id=?"));
      if (ranges) {
        st.Update(prep(&s.simple,
                       "SELECT c FROM " + tbl + " WHERE id BETWEEN ? AND ?"));
        st.Update(prep(
            &s.sum, "SELECT SUM(k) FROM " + tbl + " WHERE id BETWEEN ? AND ?"));
        st.Update(prep(&s.order, "SELECT c FROM " + tbl +
                                     " WHERE id BETWEEN ? AND ? ORDER BY c"));
        st.Update(
            prep(&s.distinct, "SELECT DISTINCT c FROM " + tbl +
                                  " WHERE id BETWEEN ? AND ? ORDER BY c"));
      }
      if (writes || k == Kind::kUpdateIndex) {
        st.Update(
            prep(&s.index_update, "UPDATE " + tbl + " SET k=k+1 WHERE id=?"));
      }
      if (writes || k == Kind::kUpdateNonIndex) {
        st.Update(
            prep(&s.non_index_update, "UPDATE " + tbl + " SET c=? WHERE id=?"));
      }
      if (writes || k == Kind::kDelete) {
        st.Update(prep(&s.del, "DELETE FROM " + tbl + " WHERE id=?"));
      }
      if (writes) {
        st.Update(prep(&s.insert, "INSERT INTO " + tbl +
                                      " (id, k, c, pad) VALUES (?, ?, ?, ?)"));
      }
      if (!st.ok()) return st;
      stmts_.push_back(std::move(s));
    }
    return absl::OkStatus();
  }

  absl::Status Run(Rng& rng, OpResult& r) override {
    switch (cfg_.kind) {
      case Kind::kPointSelect:
        return PointSelects(rng, r, 1);
      case Kind::kInsert:
        return Insert(rng, r);
      case Kind::kUpdateIndex:
        return Repeat(rng, r, cfg_.index_updates,
                      &TableStatements::index_update);
      case Kind::kUpdateNonIndex:
        return NonIndexUpdates(rng, r);
      case Kind::kDelete:
        return Repeat(rng, r, 1, &TableStatements::del);
      default:
        break;
    }
    // Transactions: read_only, read_write, write_only.
    const bool trx = !cfg_.skip_trx;
    if (trx) {
      RETURN_IF_ERROR(Exec(r, "BEGIN"));
    }
    absl::Status s = Body(rng, r);
    if (s.ok() && trx) s = Exec(r, "COMMIT");
    return trx ? RollbackAfter(conn_, s) : s;
  }

 private:
  absl::Status Body(Rng& rng, OpResult& r) {
    const Kind k = cfg_.kind;
    absl::Status s;
    if (k == Kind::kReadOnly || k == Kind::kReadWrite) {
      s = PointSelects(rng, r, cfg_.point_selects);
      if (s.ok() && cfg_.range_selects) {
        s = Ranges(rng, r, cfg_.simple_ranges, &TableStatements::simple);
        if (s.ok()) s = Ranges(rng, r, cfg_.sum_ranges, &TableStatements::sum);
        if (s.ok()) {
          s = Ranges(rng, r, cfg_.order_ranges, &TableStatements::order);
        }
        if (s.ok()) {
          s = Ranges(rng, r, cfg_.distinct_ranges, &TableStatements::distinct);
        }
      }
      if (!s.ok() || k == Kind::kReadOnly) return s;
    }
    s = Repeat(rng, r, cfg_.index_updates, &TableStatements::index_update);
    if (s.ok()) s = NonIndexUpdates(rng, r);
    if (s.ok()) s = DeleteInserts(rng, r);
    return s;
  }

  int Table(Rng& rng) const {
    return static_cast<int>(UniformDouble(rng) * cfg_.tables);  // 0-based
  }
  int64_t Id(Rng& rng) const { return cfg_.dist.Next(rng, 1, cfg_.table_size); }

  // BEGIN and COMMIT.
  absl::Status Exec(OpResult& r, const char* sql) {
    r.queries++;
    ASSIGN_OR_RETURN(const int64_t rows, conn_.Execute(sql));
    r.CountStatement(/*result_set=*/false, rows);
    return absl::OkStatus();
  }

  // `select`: the statement returns a result set (a read, as sysbench
  // counts it, whatever rows it finds).
  absl::Status Stmt(OpResult& r, db::Statement& stmt,
                    std::initializer_list<db::Value> params, bool select) {
    r.queries++;
    ASSIGN_OR_RETURN(auto rows, stmt.Execute({params.begin(), params.size()}));
    r.rows += rows;
    r.CountStatement(select, rows);
    return absl::OkStatus();
  }

  absl::Status PointSelects(Rng& rng, OpResult& r, int n) {
    TableStatements& s = stmts_[Table(rng)];
    for (int i = 0; i < n; ++i) {
      absl::Status st = Stmt(r, *s.point, {Id(rng)}, /*select=*/true);
      if (!st.ok()) return st;
    }
    return absl::OkStatus();
  }

  absl::Status Ranges(Rng& rng, OpResult& r, int n,
                      std::unique_ptr<db::Statement> TableStatements::*which) {
    TableStatements& s = stmts_[Table(rng)];
    for (int i = 0; i < n; ++i) {
      const int64_t id = Id(rng);
      absl::Status st = Stmt(r, *(s.*which), {id, id + cfg_.range_size - 1},
                             /*select=*/true);
      if (!st.ok()) return st;
    }
    return absl::OkStatus();
  }

  absl::Status Repeat(Rng& rng, OpResult& r, int n,
                      std::unique_ptr<db::Statement> TableStatements::*which) {
    TableStatements& s = stmts_[Table(rng)];
    for (int i = 0; i < n; ++i) {
      absl::Status st = Stmt(r, *(s.*which), {Id(rng)}, /*select=*/false);
      if (!st.ok()) return st;
    }
    return absl::OkStatus();
  }

  absl::Status NonIndexUpdates(Rng& rng, OpResult& r) {
    TableStatements& s = stmts_[Table(rng)];
    for (int i = 0; i < cfg_.non_index_updates; ++i) {
      absl::Status st =
          Stmt(r, *s.non_index_update,
               {RandomFromTemplate(rng, kCTemplate), Id(rng)}, false);
      if (!st.ok()) return st;
    }
    return absl::OkStatus();
  }

  absl::Status DeleteInserts(Rng& rng, OpResult& r) {
    TableStatements& s = stmts_[Table(rng)];
    for (int i = 0; i < cfg_.delete_inserts; ++i) {
      const int64_t id = Id(rng);
      const int64_t k = Id(rng);
      absl::Status st = Stmt(r, *s.del, {id}, /*select=*/false);
      if (st.ok()) {
        st = Stmt(r, *s.insert,
                  {id, k, RandomFromTemplate(rng, kCTemplate),
                   RandomFromTemplate(rng, kPadTemplate)},
                  /*select=*/false);
      }
      if (!st.ok()) return st;
    }
    return absl::OkStatus();
  }

  absl::Status Insert(Rng& rng, OpResult& r) {
    // sysbench sends this one as a plain query, with id 0 (AUTO_INCREMENT).
    const int t = Table(rng) + 1;
    r.queries++;
    ASSIGN_OR_RETURN(
        auto rows,
        conn_.Execute(absl::StrCat(
            "INSERT INTO ", TableName(t), " (id, k, c, pad) VALUES (0, ",
            Id(rng), ", '", RandomFromTemplate(rng, kCTemplate), "', '",
            RandomFromTemplate(rng, kPadTemplate), "')")));
    r.rows += rows;
    r.CountStatement(/*result_set=*/false, rows);
    return absl::OkStatus();
  }

  const OltpConfig& cfg_;
  db::Connection& conn_;
  std::vector<TableStatements> stmts_;
};

class OltpWorkload : public Workload {
 public:
  explicit OltpWorkload(OltpConfig cfg) : cfg_(std::move(cfg)) {}

  absl::Status CreateSchema(db::Connection& conn, bool drop_first) override {
    for (int t = 1; t <= cfg_.tables; ++t) {
      if (drop_first) {
        auto r = conn.Execute("DROP TABLE IF EXISTS " + TableName(t));
        if (!r.ok()) return r.status();
      }
      // sysbench's create_table(); the secondary index is created with the
      // table so that agents loading in parallel need no extra step.
      auto r = conn.Execute(absl::StrCat(
          "CREATE TABLE IF NOT EXISTS ", TableName(t),
          "(\n  id INTEGER NOT NULL AUTO_INCREMENT,\n"
          "  k INTEGER DEFAULT '0' NOT NULL,\n"
          "  c CHAR(120) DEFAULT '' NOT NULL,\n"
          "  pad CHAR(60) DEFAULT '' NOT NULL,\n"
          "  PRIMARY KEY (id)",
          cfg_.create_secondary ? absl::StrCat(",\n  KEY k_", t, " (k)") : "",
          "\n) /*! ENGINE = innodb */"));
      if (!r.ok()) return r.status();
    }
    return absl::OkStatus();
  }

  absl::Status Load(db::Connection& conn, const LoadTask& task) override {
    const int64_t begin = std::max<int64_t>(1, task.range.begin());
    const int64_t end =
        std::min<int64_t>(cfg_.table_size + 1, task.range.end());
    const int64_t per_table = std::max<int64_t>(0, end - begin);
    const int64_t total = per_table * cfg_.tables;
    int64_t done = 0;
    Rng rng(std::random_device{}());
    for (int t = 1; t <= cfg_.tables; ++t) {
      for (int64_t id = begin; id < end;) {
        const int64_t batch_end = std::min(end, id + task.batch_size);
        // INSERT IGNORE: a repeated prepare completes what is missing.
        std::string sql = absl::StrCat("INSERT IGNORE INTO ", TableName(t),
                                       "(id, k, c, pad) VALUES");
        for (int64_t row = id; row < batch_end; ++row) {
          absl::StrAppend(
              &sql, row == id ? "" : ",", "(", row, ",",
              1 + static_cast<int64_t>(UniformDouble(rng) * cfg_.table_size),
              ",'", DigitGroups(rng, 10), "','", DigitGroups(rng, 5), "')");
        }
        if (auto r = conn.Execute(sql); !r.ok()) return r.status();
        done += batch_end - id;
        id = batch_end;
        if (task.progress && !task.progress(done, total)) {
          return absl::CancelledError("prepare cancelled");
        }
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Transaction>> Bind(
      db::Connection& conn, int /*worker*/) const override {
    auto txn = std::make_unique<OltpTransaction>(cfg_, conn);
    RETURN_IF_ERROR(txn->Prepare());
    return std::unique_ptr<Transaction>(std::move(txn));
  }

  absl::Status Cleanup(db::Connection& conn) override {
    for (int t = 1; t <= cfg_.tables; ++t) {
      auto r = conn.Execute("DROP TABLE IF EXISTS " + TableName(t));
      if (!r.ok()) return r.status();
    }
    return absl::OkStatus();
  }

 private:
  const OltpConfig cfg_;
};

absl::StatusOr<std::unique_ptr<Workload>> MakeOltp(
    Kind kind, const rig::v1::Workload& config, const Options& o) {
  DistributionOptions d;
  d.type = o.String("rand_type");
  d.spec_iter = static_cast<int>(o.Int("rand_spec_iter"));
  d.spec_pct = static_cast<int>(o.Int("rand_spec_pct"));
  d.spec_res = static_cast<int>(o.Int("rand_spec_res"));
  d.pareto_h = o.Double("rand_pareto_h");
  d.zipfian_exp = o.Double("rand_zipfian_exp");
  auto dist = Distribution::Create(d);
  if (!dist.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "workload ", config.kind(), ": ", dist.status().message()));
  }
  for (const char* name :
       {"range_size", "point_selects", "simple_ranges", "sum_ranges",
        "order_ranges", "distinct_ranges", "index_updates", "non_index_updates",
        "delete_inserts"}) {
    if (o.Int(name) < 0 || o.Int(name) > 1000000) {
      return absl::InvalidArgumentError(
          absl::StrCat("workload ", config.kind(), ": option \"", name,
                       "\" must be in [0, 1000000], not ", o.Int(name)));
    }
  }
  OltpConfig cfg{kind,
                 std::max(1, config.tables()),
                 std::max<int64_t>(1, config.table_size()),
                 std::max<int64_t>(1, o.Int("range_size")),
                 static_cast<int>(o.Int("point_selects")),
                 static_cast<int>(o.Int("simple_ranges")),
                 static_cast<int>(o.Int("sum_ranges")),
                 static_cast<int>(o.Int("order_ranges")),
                 static_cast<int>(o.Int("distinct_ranges")),
                 static_cast<int>(o.Int("index_updates")),
                 static_cast<int>(o.Int("non_index_updates")),
                 static_cast<int>(o.Int("delete_inserts")),
                 o.Bool("range_selects"),
                 o.Bool("skip_trx"),
                 o.Bool("create_secondary"),
                 *dist};
  return std::unique_ptr<Workload>(new OltpWorkload(std::move(cfg)));
}

}  // namespace

void RegisterOltpWorkloads(WorkloadRegistry& registry) {
  const struct {
    const char* name;
    Kind kind;
    const char* description;
  } kinds[] = {
      {"oltp_point_select", Kind::kPointSelect,
       "sysbench oltp_point_select: one SELECT c FROM sbtestN WHERE id=?"},
      {"oltp_read_only", Kind::kReadOnly,
       "sysbench oltp_read_only: point selects and range selects in a "
       "transaction"},
      {"oltp_read_write", Kind::kReadWrite,
       "sysbench oltp_read_write: the read-only queries plus index and "
       "non-index updates and a delete/insert, in a transaction"},
      {"oltp_write_only", Kind::kWriteOnly,
       "sysbench oltp_write_only: updates and a delete/insert in a "
       "transaction"},
      {"oltp_insert", Kind::kInsert,
       "sysbench oltp_insert: one INSERT with an AUTO_INCREMENT id"},
      {"oltp_update_index", Kind::kUpdateIndex,
       "sysbench oltp_update_index: UPDATE sbtestN SET k=k+1 WHERE id=?"},
      {"oltp_update_non_index", Kind::kUpdateNonIndex,
       "sysbench oltp_update_non_index: UPDATE sbtestN SET c=? WHERE id=?"},
      {"oltp_delete", Kind::kDelete,
       "sysbench oltp_delete: DELETE FROM sbtestN WHERE id=?"},
  };
  for (const auto& k : kinds) {
    const Kind kind = k.kind;
    registry.Register(
        WorkloadDef{k.name, k.description, OltpOptions(),
                    [kind](const rig::v1::Workload& config, const Options& o) {
                      return MakeOltp(kind, config, o);
                    }});
  }
}

}  // namespace rig::agent
