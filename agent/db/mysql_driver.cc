#include "agent/db/mysql_driver.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <mysql_connection.h>
#include <mysql_driver.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "agent/db/text_statement.h"
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
  std::optional<bool> returned_rows() const override { return returns_rows_; }

 private:
  std::unique_ptr<sql::PreparedStatement> stmt_;
  const bool returns_rows_;
};

class MySqlConnection : public Connection {
 public:
  MySqlConnection(std::unique_ptr<sql::Connection> conn,
                  StatementProtocol protocol)
      : conn_(std::move(conn)), protocol_(protocol) {}
  void set_id(int64_t id) { id_ = id; }

  absl::StatusOr<int64_t> Execute(absl::string_view sql) override {
    try {
      std::unique_ptr<sql::Statement> stmt(conn_->createStatement());
      int64_t count = 0;
      const bool rows = stmt->execute(std::string(sql));
      if (rows) {
        std::unique_ptr<sql::ResultSet> rs(stmt->getResultSet());
        count = CountRows(rs.get());
      } else {
        count = static_cast<int64_t>(stmt->getUpdateCount());
      }
      DrainResults(*stmt);
      returned_rows_ = rows;
      return count;
    } catch (const sql::SQLException& e) {
      return FromException(e);
    }
  }
  std::optional<bool> returned_rows() const override { return returned_rows_; }

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
    if (protocol_ == StatementProtocol::kText) {
      // MySQL_Connection::escapeString is mysql_real_escape_string on this
      // connection's handle.
      auto* native = dynamic_cast<sql::mysql::MySQL_Connection*>(conn_.get());
      if (native == nullptr) {
        return absl::InternalError("not a mysqlcppconn MySQL connection");
      }
      return NewTextStatement(
          *this, sql, [native](absl::string_view value, std::string* out) {
            const sql::SQLString escaped = native->escapeString(
                sql::SQLString(value.data(), value.size()));
            out->append(escaped.c_str(), escaped.length());
          });
    }
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
  const StatementProtocol protocol_;
  int64_t id_ = -1;
  bool returned_rows_ = false;  // by the last Execute(sql)
};

// mysqlcppconn 1.1.12 on libmariadb maps sslEnforce, sslVerify, sslCA,
// sslCert and sslKey onto Connector/C's options, so the modes behave as in
// the mariadb driver (ConfigureTls there; measured in
// tests/integration/db_tls_test.cc). Its OPT_SSL_MODE is not used: it
// names a libmysqlclient option that libmariadb lacks.
void SetTlsProperties(const ConnectOptions& options,
                      sql::ConnectOptionsMap& props) {
  if (options.tls_mode == TlsMode::kDisabled) return;
  props["sslEnforce"] = true;
  props["sslVerify"] = options.tls_mode == TlsMode::kVerifyIdentity;
  if (!options.tls_ca.empty()) props["sslCA"] = options.tls_ca;
  if (!options.tls_cert.empty()) {
    props["sslCert"] = options.tls_cert;
    props["sslKey"] = options.tls_key;
  }
}

// mysqlcppconn has no property for Connector/C's
// MARIADB_OPT_RESTRICTED_AUTH, but libmariadb reads `restricted-auth` from
// an option file (the readDefaultFile property): one in memory (memfd),
// made once, so nothing is left on disk. "" if it cannot be made.
const std::string& RestrictedAuthOptionFile() {
  static const std::string* const path = [] {
    const int fd = memfd_create("rig-cppconn-auth", 0);
    if (fd < 0) return new std::string();
    const std::string text = absl::StrCat(
        "[client]\nrestricted-auth=", kChallengeResponseAuth, "\n");
    if (write(fd, text.data(), text.size()) !=
        static_cast<ssize_t>(text.size())) {
      close(fd);
      return new std::string();
    }
    return new std::string(absl::StrCat("/proc/self/fd/", fd));  // kept open
  }();
  return *path;
}

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
    const std::string where =
        absl::StrCat("cannot connect to ", options.host, ":", options.port,
                     " as ", options.user);
    sql::ConnectOptionsMap props;
    props["hostName"] = options.host;
    props["port"] = options.port;
    props["userName"] = options.user;
    props["password"] = options.password;
    if (!options.database.empty()) props["schema"] = options.database;
    SetTlsProperties(options, props);
    if (!options.allow_clear_password) {
      const std::string& file = RestrictedAuthOptionFile();
      if (file.empty()) {
        return absl::InternalError(absl::StrCat(
            where,
            ": cannot make the option file that keeps the password "
            "from being sent (memfd_create)"));
      }
      props["readDefaultFile"] = file;
    }
    props["OPT_CONNECT_TIMEOUT"] = TimeoutSeconds(options.connect_timeout);
    props["OPT_READ_TIMEOUT"] = TimeoutSeconds(options.read_timeout);
    props["OPT_WRITE_TIMEOUT"] = TimeoutSeconds(options.write_timeout);
    props["OPT_RECONNECT"] = false;
    std::unique_ptr<sql::Connection> conn;
    try {
      conn.reset(driver_->connect(props));
    } catch (const sql::SQLException& e) {
      return Prefix(ExplainTlsError(FromException(e), options), where);
    }
    auto connection =
        std::make_unique<MySqlConnection>(std::move(conn), options.protocol);
    if (RequiresTls(options.tls_mode)) {
      // mysqlcppconn hides the handle mysql_get_ssl_cipher() would read, so
      // the server is asked: this status query is the one statement that
      // goes in plaintext before a connection without TLS is refused (the
      // mariadb driver sends none).
      auto cipher = connection->Query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
      if (!cipher.ok()) return Prefix(cipher.status(), where);
      if (cipher->empty() || (*cipher)[0].size() < 2 ||
          (*cipher)[0][1].value_or("").empty()) {
        return NoTlsError(options, where,
                          "closed after the login and a status query, "
                          "before any statement of the run");
      }
    }
    auto id = SetUpSession(*connection, options.session_vars);
    if (!id.ok()) return Prefix(id.status(), where);
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
