#include "agent/db/mysql_driver.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <mysql_connection.h>
#include <mysql_driver.h>

#include <algorithm>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/base/error_context.h"

namespace rig::db {
namespace {

absl::Status FromException(const sql::SQLException& e) {
  int code = e.getErrorCode();
  std::string message = e.what();
  if (message.empty()) message = "error without a message";
  return WithServerError(absl::Status(StatusCodeFor(code), message),
                         {code, std::string(e.getSQLState())});
}

// Reads and drops the results after the first (a procedure's), so the
// connection stays in step ("Commands out of sync" otherwise).
void DrainResults(sql::Statement& stmt) {
  for (int i = 0; i < 1000; ++i) {
    if (stmt.getMoreResults()) {
      std::unique_ptr<sql::ResultSet> rs(stmt.getResultSet());
      continue;
    }
    if (stmt.getUpdateCount() == static_cast<uint64_t>(-1)) return;
  }
}

int64_t CountRows(sql::ResultSet* rs) {
  int64_t rows = 0;
  while (rs->next()) ++rows;
  return rows;
}

class MySqlStatement : public Statement {
 public:
  // `returns_rows`: the statement has a result set (SELECT); otherwise it is
  // run with executeUpdate, since mysqlcppconn's prepared statements do not
  // implement getUpdateCount().
  MySqlStatement(std::unique_ptr<sql::PreparedStatement> stmt,
                 bool returns_rows)
      : stmt_(std::move(stmt)), returns_rows_(returns_rows) {}

  absl::StatusOr<int64_t> Execute(absl::Span<const Value> params) override {
    try {
      for (size_t i = 0; i < params.size(); ++i) {
        const unsigned index = static_cast<unsigned>(i + 1);
        if (const int64_t* v = std::get_if<int64_t>(&params[i])) {
          stmt_->setInt64(index, *v);
        } else {
          stmt_->setString(index, std::get<std::string>(params[i]));
        }
      }
      if (returns_rows_) {
        std::unique_ptr<sql::ResultSet> rs(stmt_->executeQuery());
        return CountRows(rs.get());
      }
      return static_cast<int64_t>(stmt_->executeUpdate());
    } catch (const sql::SQLException& e) {
      return FromException(e);
    }
  }

 private:
  std::unique_ptr<sql::PreparedStatement> stmt_;
  const bool returns_rows_;
};

class MySqlConnection : public Connection {
 public:
  explicit MySqlConnection(std::unique_ptr<sql::Connection> conn)
      : conn_(std::move(conn)) {}
  void set_id(int64_t id) { id_ = id; }

  absl::StatusOr<int64_t> Execute(absl::string_view sql) override {
    try {
      std::unique_ptr<sql::Statement> stmt(conn_->createStatement());
      int64_t count = 0;
      if (stmt->execute(std::string(sql))) {
        std::unique_ptr<sql::ResultSet> rs(stmt->getResultSet());
        count = CountRows(rs.get());
      } else {
        count = static_cast<int64_t>(stmt->getUpdateCount());
      }
      DrainResults(*stmt);
      return count;
    } catch (const sql::SQLException& e) {
      return FromException(e);
    }
  }

  absl::StatusOr<std::vector<Row>> Query(absl::string_view sql) override {
    try {
      std::unique_ptr<sql::Statement> stmt(conn_->createStatement());
      // executeQuery() throws without a message on a statement that returns
      // no result set; such a statement has no rows.
      if (!stmt->execute(std::string(sql))) {
        DrainResults(*stmt);
        return std::vector<Row>();
      }
      std::unique_ptr<sql::ResultSet> rs(stmt->getResultSet());
      const unsigned columns = rs->getMetaData()->getColumnCount();
      std::vector<Row> rows;
      while (rs->next()) {
        Row row;
        row.reserve(columns);
        for (unsigned c = 1; c <= columns; ++c) {
          if (rs->isNull(c)) {
            row.emplace_back(std::nullopt);
          } else {
            row.emplace_back(std::string(rs->getString(c)));
          }
        }
        rows.push_back(std::move(row));
      }
      rs.reset();
      DrainResults(*stmt);
      return rows;
    } catch (const sql::SQLException& e) {
      return FromException(e);
    }
  }

  absl::StatusOr<std::unique_ptr<Statement>> Prepare(
      absl::string_view sql) override {
    try {
      std::unique_ptr<sql::PreparedStatement> stmt(
          conn_->prepareStatement(std::string(sql)));
      const bool returns_rows = stmt->getMetaData()->getColumnCount() > 0;
      return std::unique_ptr<Statement>(
          new MySqlStatement(std::move(stmt), returns_rows));
    } catch (const sql::SQLException& e) {
      return FromException(e);
    }
  }

  int64_t id() const override { return id_; }

 private:
  std::unique_ptr<sql::Connection> conn_;
  int64_t id_ = -1;
};

class MySqlThreadScope : public ThreadScope {
 public:
  explicit MySqlThreadScope(sql::mysql::MySQL_Driver* driver)
      : driver_(driver) {
    driver_->threadInit();
  }
  ~MySqlThreadScope() override { driver_->threadEnd(); }

 private:
  sql::mysql::MySQL_Driver* driver_;
};

class MySqlDriver : public Driver {
 public:
  MySqlDriver() {
    // get_driver_instance() is not safe to call concurrently the first time.
    static std::once_flag once;
    static sql::mysql::MySQL_Driver* driver = nullptr;
    std::call_once(once,
                   [] { driver = sql::mysql::get_mysql_driver_instance(); });
    driver_ = driver;
  }

  absl::StatusOr<std::unique_ptr<Connection>> Connect(
      const ConnectOptions& options) override {
    if (options.tls) {
      return absl::FailedPreconditionError(
          "target.tls is not supported by the cppconn driver; use "
          "--db-driver mariadb");
    }
    sql::ConnectOptionsMap props;
    props["hostName"] = options.host;
    props["port"] = options.port;
    props["userName"] = options.user;
    props["password"] = options.password;
    if (!options.database.empty()) props["schema"] = options.database;
    props["OPT_CONNECT_TIMEOUT"] = TimeoutSeconds(options.connect_timeout);
    props["OPT_READ_TIMEOUT"] = TimeoutSeconds(options.read_timeout);
    props["OPT_WRITE_TIMEOUT"] = TimeoutSeconds(options.write_timeout);
    props["OPT_RECONNECT"] = false;
    std::unique_ptr<sql::Connection> conn;
    try {
      conn.reset(driver_->connect(props));
    } catch (const sql::SQLException& e) {
      return Prefix(FromException(e),
                    absl::StrCat("cannot connect to ", options.host, ":",
                                 options.port, " as ", options.user));
    }
    auto connection = std::make_unique<MySqlConnection>(std::move(conn));
    auto id = SetUpSession(*connection, options.session_vars);
    if (!id.ok()) {
      return Prefix(id.status(),
                    absl::StrCat("cannot connect to ", options.host, ":",
                                 options.port, " as ", options.user));
    }
    connection->set_id(*id);
    return std::unique_ptr<Connection>(std::move(connection));
  }

  std::unique_ptr<ThreadScope> AttachThread() override {
    return std::make_unique<MySqlThreadScope>(driver_);
  }

 private:
  sql::mysql::MySQL_Driver* driver_;
};

}  // namespace

std::unique_ptr<Driver> NewMySqlDriver() {
  return std::make_unique<MySqlDriver>();
}

}  // namespace rig::db
