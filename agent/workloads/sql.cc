// sql: the user's own statements, with parameters drawn from generators.
//
// clang-format off
//   workload:
//     kind: sql
//     options:
//       setup: ["CREATE TABLE IF NOT EXISTS kv (id BIGINT PRIMARY KEY, v VARCHAR(64))"]
//       statements:
//         - "INSERT INTO kv VALUES ({seq}, {name}) ON DUPLICATE KEY UPDATE v = {name}"
//         - "SELECT v FROM kv WHERE id = {hot}"
//       params:
//         seq:  {type: sequence, start: 1}
//         hot:  {type: zipfian, min: 1, max: 100000, exp: 0.8}
//         name: {type: string, length: 16}
//       transaction: true
//       cleanup: ["DROP TABLE IF EXISTS kv"]
// clang-format on
//
// {name} in a statement is a parameter (bound, never spliced into the SQL);
// {{ and }} are literal braces. One operation runs every statement in order,
// in one transaction when `transaction` is true; it is the workload's one
// operation type (the report shows the total only).
//
// Named statements make a mix of operation types instead:
//
// clang-format off
//       statements:
//         - {name: put, sql: "INSERT INTO kv VALUES ({seq}, {name})", weight: 1}
//         - {name: get, sql: "SELECT v FROM kv WHERE id = {hot}", weight: 9}
//         - {name: swap, sql: ["UPDATE ...", "UPDATE ..."]}
// clang-format on
//
// Each operation then runs one named entry, drawn in proportion to its
// weight (default 1; 0 leaves it out): its statement, or its list in order,
// in one transaction when `transaction` is true. Each name is an operation
// type, reported on its own (counters, response time, thresholds such as
// "get.p99 < 5ms"). Either every entry is named or none is.

#include <atomic>
#include <cctype>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/workloads/workload.h"
#include "common/base/status_macros.h"

namespace rig::agent {
namespace {

struct Generator {
  enum class Type { kUniform, kZipfian, kSequence, kString } type;
  int64_t min = 1, max = 1;
  int64_t start = 1, step = 1;
  int length = 16;
  std::string templ;  // for strings: '#' digit, '@' letter, else literal
  std::optional<Distribution> zipf;
  std::shared_ptr<std::atomic<int64_t>> next;  // for sequences
};

struct Statement {
  std::string sql;                  // with ? for parameters
  std::vector<std::string> params;  // parameter names in order
};

// One operation type: the statements one operation runs, in order.
struct Operation {
  std::string name;  // empty for the unnamed list
  std::vector<Statement> statements;
  double weight = 1;
};

struct SqlConfig {
  std::vector<std::string> setup, cleanup;
  std::vector<Operation> operations;  // one, unnamed, or the named entries
  double total_weight = 1;
  std::map<std::string, Generator> generators;
  bool transaction = false;
  int agent_index = 0, agent_count = 1;
};

absl::StatusOr<std::vector<std::string>> StringList(
    const google::protobuf::Value& v, const std::string& option) {
  std::vector<std::string> out;
  if (v.has_null_value() ||
      v.kind_case() == google::protobuf::Value::KIND_NOT_SET) {
    return out;
  }
  for (const auto& item : v.list_value().values()) {
    if (!item.has_string_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "workload sql: every item of \"", option, "\" must be a string"));
    }
    out.push_back(item.string_value());
  }
  return out;
}

absl::StatusOr<Statement> ParseStatement(const std::string& text) {
  Statement s;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      s.sql += '{';
      ++i;
    } else if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
      s.sql += '}';
      ++i;
    } else if (c == '{') {
      const size_t close = text.find('}', i);
      if (close == std::string::npos) {
        return absl::InvalidArgumentError(absl::StrCat(
            "workload sql: unclosed { in statement \"", text, "\""));
      }
      s.params.push_back(text.substr(i + 1, close - i - 1));
      s.sql += '?';
      i = close;
    } else {
      s.sql += c;
    }
  }
  return s;
}

absl::StatusOr<Generator> ParseGenerator(const std::string& name,
                                         const google::protobuf::Value& v) {
  auto bad = [&name](const std::string& why) {
    return absl::InvalidArgumentError(
        absl::StrCat("workload sql: parameter \"", name, "\": ", why));
  };
  if (!v.has_struct_value()) {
    return bad("must be a mapping like {type: uniform, min: 1, max: 100}");
  }
  const auto& f = v.struct_value().fields();
  auto num = [&f](const char* key, int64_t def) {
    auto it = f.find(key);
    return it == f.end() ? def
                         : static_cast<int64_t>(it->second.number_value());
  };
  for (const auto& [key, value] : f) {
    if (key != "type" && key != "min" && key != "max" && key != "exp" &&
        key != "start" && key != "step" && key != "length" &&
        key != "template") {
      return bad(absl::StrCat("unknown key \"", key,
                              "\" (keys: type, min, max, exp, start, step, "
                              "length, template)"));
    }
  }
  Generator g;
  const std::string type = f.count("type") ? f.at("type").string_value() : "";
  g.min = num("min", 1);
  g.max = num("max", g.min);
  if (type == "uniform" || type == "zipfian") {
    if (g.max < g.min) return bad("max must be >= min");
    g.type = type == "uniform" ? Generator::Type::kUniform
                               : Generator::Type::kZipfian;
    if (g.type == Generator::Type::kZipfian) {
      DistributionOptions d;
      d.type = "zipfian";
      d.zipfian_exp = f.count("exp") ? f.at("exp").number_value() : 0.8;
      auto dist = Distribution::Create(d);
      if (!dist.ok()) return bad(std::string(dist.status().message()));
      g.zipf = *dist;
    }
  } else if (type == "sequence") {
    g.type = Generator::Type::kSequence;
    g.start = num("start", 1);
    g.step = num("step", 1);
    if (g.step == 0) return bad("step must not be 0");
    g.next = std::make_shared<std::atomic<int64_t>>(0);
  } else if (type == "string") {
    g.type = Generator::Type::kString;
    g.length = static_cast<int>(num("length", 16));
    if (f.count("template")) g.templ = f.at("template").string_value();
    if (g.templ.empty() && (g.length < 1 || g.length > 65535)) {
      return bad("length must be in [1, 65535]");
    }
  } else {
    return bad(absl::StrCat("type \"", type,
                            "\" is not one of uniform, zipfian, sequence, "
                            "string"));
  }
  return g;
}

class SqlTransaction : public Transaction {
 public:
  SqlTransaction(const SqlConfig& cfg, db::Connection& conn)
      : cfg_(cfg), conn_(conn) {}

  absl::Status Prepare() {
    for (const Operation& op : cfg_.operations) {
      std::vector<std::unique_ptr<db::Statement>> prepared;
      for (const auto& s : op.statements) {
        auto stmt = conn_.Prepare(s.sql);
        if (!stmt.ok()) {
          return absl::Status(stmt.status().code(),
                              absl::StrCat("statement \"", s.sql,
                                           "\": ", stmt.status().message()));
        }
        prepared.push_back(std::move(*stmt));
      }
      stmts_.push_back(std::move(prepared));
    }
    return absl::OkStatus();
  }

  absl::Status Run(Rng& rng, OpResult& r) override {
    r.type = Pick(rng);
    const Operation& op = cfg_.operations[r.type];
    auto& stmts = stmts_[r.type];
    // Statements that succeeded, by kind as sysbench counts them, where the
    // driver says whether each returned a result set (both real ones do; a
    // driver that cannot say counts none).
    auto count = [&r](std::optional<bool> result_set, int64_t rows) {
      if (result_set.has_value()) r.CountStatement(*result_set, rows);
    };
    if (cfg_.transaction) {
      r.queries++;
      auto b = conn_.Execute("BEGIN");
      if (!b.ok()) return b.status();
      count(conn_.returned_rows(), *b);
    }
    absl::Status s;
    std::vector<db::Value> values;
    for (size_t i = 0; i < stmts.size() && s.ok(); ++i) {
      values.clear();
      for (const auto& name : op.statements[i].params) {
        values.push_back(Draw(cfg_.generators.at(name), rng));
      }
      r.queries++;
      auto rows = stmts[i]->Execute(values);
      if (rows.ok()) {
        r.rows += *rows;
        count(stmts[i]->returned_rows(), *rows);
      } else {
        s = rows.status();
      }
    }
    if (cfg_.transaction && s.ok()) {
      r.queries++;
      auto c = conn_.Execute("COMMIT");
      if (c.ok()) {
        count(conn_.returned_rows(), *c);
      } else {
        s = c.status();
      }
    }
    if (cfg_.transaction) return RollbackAfter(conn_, s);
    return s;
  }

 private:
  // Which operation runs: in proportion to the weights.
  int Pick(Rng& rng) const {
    if (cfg_.operations.size() == 1) return 0;
    double u = UniformDouble(rng) * cfg_.total_weight;
    int last = 0;
    for (size_t i = 0; i < cfg_.operations.size(); ++i) {
      if (cfg_.operations[i].weight <= 0) continue;
      last = static_cast<int>(i);
      if (u < cfg_.operations[i].weight) return last;
      u -= cfg_.operations[i].weight;
    }
    return last;  // u at the very top of the range (rounding)
  }

  db::Value Draw(const Generator& g, Rng& rng) const {
    switch (g.type) {
      case Generator::Type::kUniform:
        return g.min +
               static_cast<int64_t>(UniformDouble(rng) *
                                    static_cast<double>(g.max - g.min + 1));
      case Generator::Type::kZipfian:
        return g.zipf->Next(rng, g.min, g.max);
      case Generator::Type::kSequence: {
        // Agents interleave: agent i of n takes start + (k*n + i) * step.
        const int64_t k = g.next->fetch_add(1);
        return g.start + (k * cfg_.agent_count + cfg_.agent_index) * g.step;
      }
      case Generator::Type::kString:
        return g.templ.empty()
                   ? RandomFromTemplate(rng, std::string(g.length, '@'))
                   : RandomFromTemplate(rng, g.templ);
    }
    return int64_t{0};
  }

  const SqlConfig& cfg_;
  db::Connection& conn_;
  // Per operation, its prepared statements.
  std::vector<std::vector<std::unique_ptr<db::Statement>>> stmts_;
};

class SqlWorkload : public Workload {
 public:
  explicit SqlWorkload(SqlConfig cfg) : cfg_(std::move(cfg)) {}

  std::vector<std::string> OperationTypes() const override {
    std::vector<std::string> names;
    if (cfg_.operations.size() == 1 && cfg_.operations[0].name.empty()) {
      return names;  // the unnamed list: one type, the total
    }
    for (const Operation& op : cfg_.operations) names.push_back(op.name);
    return names;
  }

  void SetAgent(int index, int count) override {
    cfg_.agent_index = index;
    cfg_.agent_count = std::max(1, count);
  }

  absl::Status CreateSchema(db::Connection& conn, bool drop_first) override {
    if (drop_first) {
      RETURN_IF_ERROR(Cleanup(conn));
    }
    return RunAll(conn, cfg_.setup, "setup");
  }
  absl::Status Load(db::Connection&, const LoadTask&) override {
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<Transaction>> Bind(
      db::Connection& conn, int /*worker*/) const override {
    auto t = std::make_unique<SqlTransaction>(cfg_, conn);
    RETURN_IF_ERROR(t->Prepare());
    return std::unique_ptr<Transaction>(std::move(t));
  }
  absl::Status Cleanup(db::Connection& conn) override {
    return RunAll(conn, cfg_.cleanup, "cleanup");
  }

 private:
  static absl::Status RunAll(db::Connection& conn,
                             const std::vector<std::string>& sqls,
                             const char* what) {
    for (const auto& sql : sqls) {
      if (auto r = conn.Execute(sql); !r.ok()) {
        return absl::Status(r.status().code(),
                            absl::StrCat(what, " statement \"", sql,
                                         "\": ", r.status().message()));
      }
    }
    return absl::OkStatus();
  }

  SqlConfig cfg_;
};

// A statement's text: parsed, and every parameter it uses defined.
absl::StatusOr<Statement> CheckedStatement(
    const std::string& text, const std::map<std::string, Generator>& gens) {
  ASSIGN_OR_RETURN(auto s, ParseStatement(text));
  for (const auto& p : s.params) {
    if (!gens.count(p)) {
      std::vector<std::string> names;
      for (const auto& [n, g] : gens) names.push_back(n);
      return absl::InvalidArgumentError(absl::StrCat(
          "workload sql: statement \"", text, "\" uses {", p,
          "}, which is not in \"params\" (defined: ",
          names.empty() ? "none" : absl::StrJoin(names, ", "), ")"));
    }
  }
  return s;
}

// A name a threshold can use ("get.p99"): a letter or _, then letters,
// digits and _.
bool IsTypeName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
                    (i > 0 && std::isdigit(static_cast<unsigned char>(c)));
    if (!ok) return false;
  }
  return true;
}

// One named entry: {name, sql (a statement or a list), weight}.
absl::StatusOr<Operation> ParseNamed(
    const google::protobuf::Value& v,
    const std::map<std::string, Generator>& gens) {
  const auto& f = v.struct_value().fields();
  for (const auto& [key, value] : f) {
    if (key != "name" && key != "sql" && key != "weight") {
      return absl::InvalidArgumentError(
          absl::StrCat("workload sql: a named statement has unknown key \"",
                       key, "\" (keys: name, sql, weight)"));
    }
  }
  Operation op;
  if (auto it = f.find("name"); it != f.end())
    op.name = it->second.string_value();
  if (!IsTypeName(op.name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "workload sql: statement name \"", op.name,
        "\" must be a letter or _ then letters, digits or _ (at most 64)"));
  }
  auto bad = [&op](const std::string& why) {
    return absl::InvalidArgumentError(
        absl::StrCat("workload sql: statement \"", op.name, "\": ", why));
  };
  std::vector<std::string> texts;
  if (auto it = f.find("sql"); it == f.end()) {
    return bad("needs sql (a statement or a list of them)");
  } else if (it->second.has_string_value()) {
    texts.push_back(it->second.string_value());
  } else if (it->second.has_list_value()) {
    ASSIGN_OR_RETURN(texts, StringList(it->second, "sql"));
  }
  if (texts.empty()) return bad("sql must be a statement or a list of them");
  for (const auto& text : texts) {
    ASSIGN_OR_RETURN(auto s, CheckedStatement(text, gens));
    op.statements.push_back(std::move(s));
  }
  if (auto it = f.find("weight"); it != f.end()) {
    if (!it->second.has_number_value() || it->second.number_value() < 0) {
      return bad("weight must be a number >= 0");
    }
    op.weight = it->second.number_value();
  }
  return op;
}

// The option "statements": a list of strings (one operation of them all),
// or of named entries (one operation type each).
absl::StatusOr<std::vector<Operation>> ParseOperations(
    const google::protobuf::Value& v,
    const std::map<std::string, Generator>& gens) {
  std::vector<Operation> out;
  Operation unnamed;
  size_t named = 0, plain = 0;
  for (const auto& item : v.list_value().values()) {
    if (item.has_string_value()) {
      ++plain;
      ASSIGN_OR_RETURN(auto s, CheckedStatement(item.string_value(), gens));
      unnamed.statements.push_back(std::move(s));
    } else if (item.has_struct_value()) {
      ++named;
      ASSIGN_OR_RETURN(auto op, ParseNamed(item, gens));
      for (const Operation& other : out) {
        if (other.name == op.name) {
          return absl::InvalidArgumentError(absl::StrCat(
              "workload sql: two statements are named \"", op.name, "\""));
        }
      }
      out.push_back(std::move(op));
    } else {
      return absl::InvalidArgumentError(
          "workload sql: every item of \"statements\" must be a statement "
          "or a mapping {name, sql, weight}");
    }
  }
  if (named > 0 && plain > 0) {
    return absl::InvalidArgumentError(
        "workload sql: either every item of \"statements\" is named "
        "({name, sql, weight}) or none is");
  }
  if (named == 0 && plain == 0) {
    return absl::InvalidArgumentError(
        "workload sql: option \"statements\" needs at least one statement");
  }
  if (plain > 0) {
    out.push_back(std::move(unnamed));
    return out;
  }
  double total = 0;
  for (const Operation& op : out) total += op.weight;
  if (total <= 0) {
    return absl::InvalidArgumentError(
        "workload sql: at least one named statement needs a weight above 0");
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Workload>> MakeSql(const Options& o) {
  SqlConfig cfg;
  cfg.transaction = o.Bool("transaction");
  ASSIGN_OR_RETURN(auto setup, StringList(o.Raw("setup"), "setup"));
  cfg.setup = setup;
  ASSIGN_OR_RETURN(auto cleanup, StringList(o.Raw("cleanup"), "cleanup"));
  cfg.cleanup = cleanup;
  if (o.Raw("params").has_struct_value()) {
    for (const auto& [name, spec] : o.Raw("params").struct_value().fields()) {
      ASSIGN_OR_RETURN(auto g, ParseGenerator(name, spec));
      cfg.generators.emplace(name, std::move(g));
    }
  }
  ASSIGN_OR_RETURN(cfg.operations,
                   ParseOperations(o.Raw("statements"), cfg.generators));
  cfg.total_weight = 0;
  for (const Operation& op : cfg.operations) cfg.total_weight += op.weight;
  return std::unique_ptr<Workload>(new SqlWorkload(std::move(cfg)));
}

}  // namespace

void RegisterSqlWorkload(WorkloadRegistry& registry) {
  registry.Register(WorkloadDef{
      "sql",
      "sql: your statements with {param} placeholders filled from generators "
      "(uniform, zipfian, sequence, string), optionally in one transaction",
      {
          Option("statements", "list", "",
                 "Statements run in order as one operation; {name} is a "
                 "parameter. Or named entries {name, sql, weight}: each "
                 "operation runs one, drawn by weight, and each name is an "
                 "operation type in the report"),
          Option("params", "map", "",
                 "name: {type: uniform|zipfian|sequence|string, min, max, exp, "
                 "start, step, length, template}"),
          Option("transaction", "bool", "false",
                 "Run the statements of one operation in one transaction"),
          Option("setup", "list", "", "Statements run once before the load"),
          Option("cleanup", "list", "",
                 "Statements run with workload.cleanup or prepare: recreate"),
      },
      [](const rig::v1::Workload&, const Options& o) { return MakeSql(o); }});
}

}  // namespace rig::agent
