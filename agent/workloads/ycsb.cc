// ycsb: YCSB's CoreWorkload over one table, as YCSB's JDBC binding and
// go-ycsb run it against MySQL-protocol databases.
//
// `usertable` (YCSB_KEY VARCHAR(64) primary key, FIELD0..FIELDn-1 of
// `fieldlength` characters); workload.table_size is YCSB's recordcount,
// loaded split across agents like every other workload. Key names are
// "user" + the key number's FNV-1a hash (insertorder hashed, YCSB's
// default) or the number itself (ordered).
//
// Operations (types, in this order): read, update, insert, scan,
// read_modify_write, drawn by their proportions; `preset` a-f sets YCSB's
// core workloads' proportions and distributions, and any proportion or
// property given explicitly overrides the preset's. Keys for read, update,
// scan and read_modify_write come from `requestdistribution` (zipfian:
// YCSB's scrambled Zipfian, constant 0.99; uniform; latest; hotspot) over
// the loaded keys; inserts take new key numbers from recordcount on, agent
// i of n taking recordcount + i, + i + n, ... so agents never collide.
// `latest` follows this agent's own inserts (YCSB's one client view).
//
// Not done as YCSB does: a read of a key that is not there counts as a
// successful read of 0 rows (YCSB reports NOT_FOUND); the zipfian chooser
// does not reserve room for keys inserted during the run (YCSB widens its
// key space by 2 x the expected inserts and redraws keys not yet
// inserted); field lengths are constant (fieldlengthdistribution).

#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/workloads/workload.h"
#include "agent/workloads/ycsb_generators.h"
#include "common/base/status_macros.h"

namespace rig::agent {
namespace {

constexpr char kTable[] = "usertable";

enum Op { kRead, kUpdate, kInsert, kScan, kReadModifyWrite, kOps };
const char* const kOpNames[] = {"read", "update", "insert", "scan",
                                "read_modify_write"};

enum class Dist { kZipfian, kUniform, kLatest, kHotspot };

struct YcsbConfig {
  int64_t records = 1000;
  int fields = 10;
  int field_length = 100;
  double proportion[kOps] = {0.5, 0.5, 0, 0, 0};
  Dist dist = Dist::kZipfian;
  int max_scan_length = 1000;
  bool scan_zipfian = false;  // scanlengthdistribution
  bool read_all_fields = true;
  bool write_all_fields = false;
  bool ordered = false;  // insertorder
  double hotspot_data_fraction = 0.2;
  double hotspot_opn_fraction = 0.8;
};

// YCSB's core workloads (workloads/workloada ... workloadf).
struct Preset {
  const char* name;
  double proportion[kOps];
  Dist dist;
  int max_scan_length;
};
constexpr Preset kPresets[] = {
    {"a", {0.5, 0.5, 0, 0, 0}, Dist::kZipfian, 1000},
    {"b", {0.95, 0.05, 0, 0, 0}, Dist::kZipfian, 1000},
    {"c", {1, 0, 0, 0, 0}, Dist::kZipfian, 1000},
    {"d", {0.95, 0, 0.05, 0, 0}, Dist::kLatest, 1000},
    {"e", {0, 0, 0.05, 0.95, 0}, Dist::kZipfian, 100},
    {"f", {0.5, 0, 0, 0, 0.5}, Dist::kZipfian, 1000},
};

std::string KeyName(const YcsbConfig& cfg, int64_t keynum) {
  return absl::StrCat("user", cfg.ordered ? keynum : ycsb::FnvHash64(keynum));
}

// Running sums of the operations' proportions.
using Cumulative = std::array<double, kOps>;

Cumulative SumsOf(const double (&proportion)[kOps]) {
  Cumulative sums{};
  double sum = 0;
  for (int op = 0; op < kOps; ++op) sums[op] = sum += proportion[op];
  return sums;
}

// The statements' text, made once per run.
struct Statements {
  explicit Statements(const YcsbConfig& c) {
    read_all = absl::StrCat("SELECT * FROM ", kTable, " WHERE YCSB_KEY = ?");
    std::vector<std::string> sets;
    std::string marks = "?";
    for (int f = 0; f < c.fields; ++f) {
      read_field.push_back(absl::StrCat("SELECT FIELD", f, " FROM ", kTable,
                                        " WHERE YCSB_KEY = ?"));
      update_field.push_back(absl::StrCat("UPDATE ", kTable, " SET FIELD", f,
                                          " = ? WHERE YCSB_KEY = ?"));
      sets.push_back(absl::StrCat("FIELD", f, " = ?"));
      marks += ", ?";
    }
    update_all = absl::StrCat("UPDATE ", kTable, " SET ",
                              absl::StrJoin(sets, ", "), " WHERE YCSB_KEY = ?");
    insert = absl::StrCat("INSERT INTO ", kTable, " VALUES (", marks, ")");
    scan = absl::StrCat("SELECT * FROM ", kTable,
                        " WHERE YCSB_KEY >= ? ORDER BY YCSB_KEY LIMIT ?");
  }
  std::string read_all, update_all, insert, scan;
  std::vector<std::string> read_field, update_field;  // per field
};

// What a run shares across its connections: generators, statements and
// the insert counter.
struct Shared {
  explicit Shared(const YcsbConfig& c)
      : cfg(c),
        scrambled(0, c.records - 1),
        hotspot(0, c.records - 1, c.hotspot_data_fraction,
                c.hotspot_opn_fraction),
        // Its zeta sum costs a pass over the keys: only when used.
        latest(c.dist == Dist::kLatest
                   ? std::make_unique<ycsb::Latest>(c.records - 1)
                   : nullptr),
        scan_length(std::max(1, c.max_scan_length)),
        sums(SumsOf(c.proportion)),
        sql(c) {}

  const YcsbConfig cfg;
  ycsb::ScrambledZipfian scrambled;
  ycsb::Hotspot hotspot;
  std::unique_ptr<ycsb::Latest> latest;
  ycsb::Zipfian scan_length;
  const Cumulative sums;
  const Statements sql;
  int agent = 0, agents = 1;
  std::atomic<int64_t> inserted{0};  // by this agent

  // The newest key number this agent knows to exist.
  int64_t Newest() const {
    const int64_t n = inserted.load(std::memory_order_relaxed);
    return n == 0 ? cfg.records - 1 : cfg.records + agent + agents * (n - 1);
  }
  int64_t NextKey(Rng& rng) {
    switch (cfg.dist) {
      case Dist::kZipfian:
        return scrambled.Next(rng);
      case Dist::kUniform:
        return static_cast<int64_t>(UniformDouble(rng) * cfg.records);
      case Dist::kLatest:
        return latest->Next(rng, Newest());
      case Dist::kHotspot:
        return hotspot.Next(rng);
    }
    return 0;
  }
  int64_t NextInsertKey() {
    const int64_t n = inserted.fetch_add(1, std::memory_order_relaxed);
    return cfg.records + agent + agents * n;
  }
  int ScanLength(Rng& rng) const {
    if (cfg.scan_zipfian) return 1 + static_cast<int>(scan_length.Next(rng));
    return 1 + static_cast<int>(UniformDouble(rng) * cfg.max_scan_length);
  }
};

std::string FieldValue(Rng& rng, int length) {
  std::string v(length, ' ');
  for (char& c : v) c = static_cast<char>(' ' + 1 + rng() % 94);
  return v;
}

class YcsbOp : public Transaction {
 public:
  YcsbOp(Shared& shared, db::Connection& conn)
      : s_(shared),
        conn_(conn),
        read_field_(shared.cfg.fields),
        update_field_(shared.cfg.fields) {}

  absl::Status Run(Rng& rng, OpResult& r) override {
    const int op = Choose(rng);
    r.type = op;
    switch (op) {
      case kRead:
        return Read(rng, s_.NextKey(rng), r);
      case kUpdate:
        return Update(rng, s_.NextKey(rng), r);
      case kInsert:
        return Insert(rng, r);
      case kScan:
        return Scan(rng, r);
      default: {
        const int64_t key = s_.NextKey(rng);
        RETURN_IF_ERROR(Read(rng, key, r));
        return Update(rng, key, r);
      }
    }
  }

  // Which operation a uniform u in [0, 1) picks by the proportions'
  // running sums (as YCSB's DiscreteGenerator: the first whose running sum
  // passes u times the total).
  static int Pick(const Cumulative& sums, double u) {
    const double target = u * sums[kOps - 1];
    for (int op = 0; op < kOps; ++op) {
      if (target < sums[op]) return op;
    }
    return kRead;
  }

 private:
  int Choose(Rng& rng) const { return Pick(s_.sums, UniformDouble(rng)); }

  absl::StatusOr<db::Statement*> Prepared(std::unique_ptr<db::Statement>& slot,
                                          const std::string& sql) {
    if (slot == nullptr) {
      ASSIGN_OR_RETURN(slot, conn_.Prepare(sql));
    }
    return slot.get();
  }

  absl::Status Exec(db::Statement* stmt, absl::Span<const db::Value> params,
                    OpResult& r) {
    r.queries++;
    ASSIGN_OR_RETURN(int64_t rows, stmt->Execute(params));
    r.rows += rows;
    return absl::OkStatus();
  }

  absl::Status Read(Rng& rng, int64_t key, OpResult& r) {
    const YcsbConfig& c = s_.cfg;
    db::Statement* stmt;
    if (c.read_all_fields) {
      ASSIGN_OR_RETURN(stmt, Prepared(read_all_, s_.sql.read_all));
    } else {
      const int f = static_cast<int>(rng() % c.fields);
      ASSIGN_OR_RETURN(stmt, Prepared(read_field_[f], s_.sql.read_field[f]));
    }
    const db::Value params[] = {KeyName(c, key)};
    return Exec(stmt, params, r);
  }

  absl::Status Update(Rng& rng, int64_t key, OpResult& r) {
    const YcsbConfig& c = s_.cfg;
    std::vector<db::Value> params;
    db::Statement* stmt;
    if (c.write_all_fields) {
      for (int f = 0; f < c.fields; ++f) {
        params.push_back(FieldValue(rng, c.field_length));
      }
      ASSIGN_OR_RETURN(stmt, Prepared(update_all_, s_.sql.update_all));
    } else {
      const int f = static_cast<int>(rng() % c.fields);
      params.push_back(FieldValue(rng, c.field_length));
      ASSIGN_OR_RETURN(stmt,
                       Prepared(update_field_[f], s_.sql.update_field[f]));
    }
    params.push_back(KeyName(c, key));
    return Exec(stmt, params, r);
  }

  absl::Status Insert(Rng& rng, OpResult& r) {
    const YcsbConfig& c = s_.cfg;
    std::vector<db::Value> params = {KeyName(c, s_.NextInsertKey())};
    for (int f = 0; f < c.fields; ++f) {
      params.push_back(FieldValue(rng, c.field_length));
    }
    ASSIGN_OR_RETURN(db::Statement * stmt, Prepared(insert_, s_.sql.insert));
    return Exec(stmt, params, r);
  }

  absl::Status Scan(Rng& rng, OpResult& r) {
    const YcsbConfig& c = s_.cfg;
    ASSIGN_OR_RETURN(db::Statement * stmt, Prepared(scan_, s_.sql.scan));
    const db::Value params[] = {KeyName(c, s_.NextKey(rng)),
                                int64_t{s_.ScanLength(rng)}};
    return Exec(stmt, params, r);
  }

  Shared& s_;
  db::Connection& conn_;
  std::unique_ptr<db::Statement> read_all_, update_all_, insert_, scan_;
  std::vector<std::unique_ptr<db::Statement>> read_field_, update_field_;
};

class Ycsb : public Workload {
 public:
  explicit Ycsb(const YcsbConfig& cfg)
      : shared_(std::make_unique<Shared>(cfg)) {}

  std::vector<std::string> OperationTypes() const override {
    return {std::begin(kOpNames), std::end(kOpNames)};
  }

  void SetAgent(int index, int count) override {
    shared_->agent = index;
    shared_->agents = std::max(1, count);
  }

  absl::Status CreateSchema(db::Connection& conn, bool drop_first) override {
    if (drop_first) {
      RETURN_IF_ERROR(
          conn.Execute(absl::StrCat("DROP TABLE IF EXISTS ", kTable)).status());
    }
    std::string sql = absl::StrCat("CREATE TABLE IF NOT EXISTS ", kTable,
                                   " (YCSB_KEY VARCHAR(64) PRIMARY KEY");
    for (int f = 0; f < shared_->cfg.fields; ++f) {
      absl::StrAppend(&sql, ", FIELD", f, " VARCHAR(",
                      shared_->cfg.field_length, ")");
    }
    sql += ")";
    return conn.Execute(sql).status();
  }

  absl::Status Load(db::Connection& conn, const LoadTask& task) override {
    const YcsbConfig& c = shared_->cfg;
    const int64_t begin = std::max<int64_t>(0, task.range.begin() - 1);
    const int64_t end = std::min<int64_t>(c.records, task.range.end() - 1);
    const int64_t total = std::max<int64_t>(0, end - begin);
    // Loading draws values from a seed of the range, so a repeat writes
    // the same rows (INSERT IGNORE keeps those there).
    Rng rng(static_cast<uint64_t>(begin) * 0x9E3779B97F4A7C15ULL + 1);
    for (int64_t k = begin; k < end;) {
      const int64_t batch_end = std::min(end, k + task.batch_size);
      std::string sql = absl::StrCat("INSERT IGNORE INTO ", kTable, " VALUES");
      for (int64_t key = k; key < batch_end; ++key) {
        absl::StrAppend(&sql, key == k ? "" : ",", "('", KeyName(c, key), "'");
        for (int f = 0; f < c.fields; ++f) {
          std::string v = FieldValue(rng, c.field_length);
          // Printable ASCII; quote and backslash made harmless.
          for (char& ch : v) {
            if (ch == '\'' || ch == '\\') ch = '_';
          }
          absl::StrAppend(&sql, ",'", v, "'");
        }
        sql += ")";
      }
      RETURN_IF_ERROR(conn.Execute(sql).status());
      k = batch_end;
      if (task.progress && !task.progress(k - begin, total)) {
        return absl::CancelledError("prepare cancelled");
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Transaction>> Bind(
      db::Connection& conn, int /*worker*/) const override {
    return std::unique_ptr<Transaction>(new YcsbOp(*shared_, conn));
  }

  absl::StatusOr<rig::v1::VerificationResult> Verify(
      db::Connection& conn) override {
    // Every loaded key is there (none lost by updates), and no more rows
    // than loaded plus this run's inserts can explain.
    ASSIGN_OR_RETURN(auto rows,
                     conn.Query(absl::StrCat("SELECT COUNT(*) FROM ", kTable)));
    int64_t count = 0;
    if (!rows.empty() && !rows[0].empty()) {
      (void)absl::SimpleAtoi(rows[0][0].value_or("0"), &count);
    }
    rig::v1::VerificationResult result;
    AddCheck(result, "usertable rows", count >= shared_->cfg.records,
             absl::StrCat(">= ", shared_->cfg.records, " (recordcount)"),
             absl::StrCat(count));
    return result;
  }

  absl::Status Cleanup(db::Connection& conn) override {
    return conn.Execute(absl::StrCat("DROP TABLE IF EXISTS ", kTable)).status();
  }

 private:
  std::unique_ptr<Shared> shared_;
};

absl::StatusOr<Dist> ParseDist(const std::string& s) {
  if (s == "zipfian") return Dist::kZipfian;
  if (s == "uniform") return Dist::kUniform;
  if (s == "latest") return Dist::kLatest;
  if (s == "hotspot") return Dist::kHotspot;
  return absl::InvalidArgumentError(
      absl::StrCat("workload ycsb: requestdistribution \"", s,
                   "\" is not zipfian, uniform, latest or hotspot"));
}

}  // namespace

// For the unit test of the operation mix (ycsb_test.cc).
int YcsbPickForTest(const std::string& preset, double u) {
  YcsbConfig cfg;
  for (const Preset& p : kPresets) {
    if (preset == p.name)
      std::copy(p.proportion, p.proportion + kOps, cfg.proportion);
  }
  return YcsbOp::Pick(SumsOf(cfg.proportion), u);
}

void RegisterYcsbWorkload(WorkloadRegistry& registry) {
  registry.Register(WorkloadDef{
      "ycsb",
      "ycsb: YCSB's core workload on `usertable` (workload.table_size "
      "records); operations read, update, insert, scan, read_modify_write "
      "by proportion; preset a-f as YCSB's core workloads",
      {
          Option("preset", "string", "a",
                 "YCSB core workload a (50/50 read/update), b (95/5), c "
                 "(read only), d (95% read latest, 5% insert), e (95% scan, "
                 "5% insert), f (50% read, 50% read-modify-write); the "
                 "options below override it"),
          Option("readproportion", "double", "-1",
                 "Share of reads (-1: the preset's)"),
          Option("updateproportion", "double", "-1",
                 "Share of updates (-1: the preset's)"),
          Option("insertproportion", "double", "-1",
                 "Share of inserts (-1: the preset's)"),
          Option("scanproportion", "double", "-1",
                 "Share of scans (-1: the preset's)"),
          Option("readmodifywriteproportion", "double", "-1",
                 "Share of read-modify-writes (-1: the preset's)"),
          Option("requestdistribution", "string", "",
                 "zipfian, uniform, latest or hotspot (empty: the preset's)"),
          Option("fieldcount", "int", "10", "Fields per record"),
          Option("fieldlength", "int", "100", "Characters per field"),
          Option("maxscanlength", "int", "-1",
                 "Longest scan (-1: the preset's, 1000; e: 100)"),
          Option("scanlengthdistribution", "string", "uniform",
                 "uniform or zipfian"),
          Option("readallfields", "bool", "true",
                 "Reads fetch every field (false: one random field)"),
          Option("writeallfields", "bool", "false",
                 "Updates write every field (false: one random field)"),
          Option("insertorder", "string", "hashed",
                 "hashed (key names spread by FNV hash) or ordered"),
          Option("hotspotdatafraction", "double", "0.2",
                 "hotspot: share of keys that are hot"),
          Option("hotspotopnfraction", "double", "0.8",
                 "hotspot: share of operations on hot keys"),
      },
      [](const rig::v1::Workload& config,
         const Options& o) -> absl::StatusOr<std::unique_ptr<Workload>> {
        YcsbConfig cfg;
        cfg.records = std::max<int64_t>(1, config.table_size());
        const std::string preset = o.String("preset");
        const Preset* p = nullptr;
        for (const Preset& candidate : kPresets) {
          if (preset == candidate.name) p = &candidate;
        }
        if (p == nullptr) {
          return absl::InvalidArgumentError(
              absl::StrCat("workload ycsb: preset \"", preset,
                           "\" is not a, b, c, d, e or f"));
        }
        std::copy(p->proportion, p->proportion + kOps, cfg.proportion);
        cfg.dist = p->dist;
        cfg.max_scan_length = p->max_scan_length;
        const char* const kKeys[] = {"readproportion", "updateproportion",
                                     "insertproportion", "scanproportion",
                                     "readmodifywriteproportion"};
        double total = 0;
        for (int op = 0; op < kOps; ++op) {
          const double v = o.Double(kKeys[op]);
          if (v != -1 && (v < 0 || v > 1)) {
            return absl::InvalidArgumentError(absl::StrCat(
                "workload ycsb: ", kKeys[op], " is ", v,
                "; it must be within 0 to 1 (or -1: the preset's)"));
          }
          if (v != -1) cfg.proportion[op] = v;
          total += cfg.proportion[op];
        }
        if (total <= 0) {
          return absl::InvalidArgumentError(
              "workload ycsb: every proportion is 0; give at least one");
        }
        if (const std::string d = o.String("requestdistribution"); !d.empty()) {
          ASSIGN_OR_RETURN(cfg.dist, ParseDist(d));
        }
        cfg.fields = static_cast<int>(o.Int("fieldcount"));
        cfg.field_length = static_cast<int>(o.Int("fieldlength"));
        if (cfg.fields < 1 || cfg.fields > 100 || cfg.field_length < 1 ||
            cfg.field_length > 16000) {
          return absl::InvalidArgumentError(absl::StrCat(
              "workload ycsb: fieldcount ", cfg.fields, " and fieldlength ",
              cfg.field_length, " must be within 1-100 and 1-16000"));
        }
        if (const int64_t m = o.Int("maxscanlength"); m != -1) {
          if (m < 1 || m > 1000000) {
            return absl::InvalidArgumentError(
                absl::StrCat("workload ycsb: maxscanlength is ", m,
                             "; it must be 1 to 1000000"));
          }
          cfg.max_scan_length = static_cast<int>(m);
        }
        const std::string scan = o.String("scanlengthdistribution");
        if (scan != "uniform" && scan != "zipfian") {
          return absl::InvalidArgumentError(
              absl::StrCat("workload ycsb: scanlengthdistribution \"", scan,
                           "\" is not uniform or zipfian"));
        }
        cfg.scan_zipfian = scan == "zipfian";
        cfg.read_all_fields = o.Bool("readallfields");
        cfg.write_all_fields = o.Bool("writeallfields");
        const std::string order = o.String("insertorder");
        if (order != "hashed" && order != "ordered") {
          return absl::InvalidArgumentError(
              absl::StrCat("workload ycsb: insertorder \"", order,
                           "\" is not hashed or ordered"));
        }
        cfg.ordered = order == "ordered";
        cfg.hotspot_data_fraction = o.Double("hotspotdatafraction");
        cfg.hotspot_opn_fraction = o.Double("hotspotopnfraction");
        if (cfg.hotspot_data_fraction <= 0 || cfg.hotspot_data_fraction > 1 ||
            cfg.hotspot_opn_fraction < 0 || cfg.hotspot_opn_fraction > 1) {
          return absl::InvalidArgumentError(
              "workload ycsb: hotspotdatafraction must be in (0, 1] and "
              "hotspotopnfraction in [0, 1]");
        }
        return std::unique_ptr<Workload>(new Ycsb(cfg));
      }});
}

}  // namespace rig::agent
