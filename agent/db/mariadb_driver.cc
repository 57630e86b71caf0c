#include "agent/db/mariadb_driver.h"

#include <mysql.h>
// After <mysql.h>: the public pvio interface (libmariadb-dev) the blocking
// reads below replace one method of.
#include <ma_pvio.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "agent/db/text_statement.h"
#include "common/base/error_context.h"

namespace rig::db {
namespace {

absl::Status Error(unsigned code, const char* sqlstate, const char* message) {
  std::string text = message != nullptr && *message != '\0'
                         ? std::string(message)
                         : "error without a message";
  return WithServerError(
      absl::Status(StatusCodeFor(static_cast<int>(code)), std::move(text)),
      {static_cast<int>(code), sqlstate != nullptr ? sqlstate : ""});
}

absl::Status ConnectionError(MYSQL* m) {
  return Error(mysql_errno(m), mysql_sqlstate(m), mysql_error(m));
}

absl::Status StatementError(MYSQL_STMT* s) {
  return Error(mysql_stmt_errno(s), mysql_stmt_sqlstate(s),
               mysql_stmt_error(s));
}

// Blocking reads. Connector/C's socket read is recv(MSG_DONTWAIT), and when
// no data is there yet (the usual case: the answer is still on its way),
// poll(read timeout) and recv again: 3-4 syscalls for a point select where
// 2 would do (bench/RESULTS.md). After connecting, the library leaves the
// socket blocking, so a connection's read method is replaced by a plain
// recv() with the read timeout as SO_RCVTIMEO (3.3 sets it so after the
// handshake; it is set here again so as not to rely on that): the kernel
// times the read out, the library sees -1 with errno ETIMEDOUT as after its
// own poll, and reports CR_SERVER_LOST (2013) after the same time
// (tests/integration/db_driver_test.cc). Writes keep the stock method.
//
// It depends on the layout of the MYSQL and pvio structures and on the
// socket plugin's methods (get_handle, is_blocking) as <ma_pvio.h> declares
// them, hence on the runtime library being the major.minor release these
// headers come from. Anything else keeps the stock read: another library
// release, TLS (its reads never go through methods->read), a connection
// that is not a TCP or Unix socket or whose methods are not the socket
// plugin's (the first connection's), a failing setsockopt, and, read by
// read, a socket the library has made non-blocking.
PVIO_METHODS g_socket_methods;         // the socket plugin's, copied
PVIO_METHODS g_blocking_read_methods;  // the same with read replaced
const PVIO_METHODS* g_socket_methods_at = nullptr;
std::once_flag g_methods_once;

ssize_t BlockingRead(MARIADB_PVIO* pvio, uchar* buffer, size_t length) {
  if (!g_socket_methods.is_blocking(pvio)) {
    return g_socket_methods.read(pvio, buffer, length);
  }
  my_socket fd;
  if (g_socket_methods.get_handle(pvio, &fd)) return -1;
  for (;;) {
    const ssize_t r = recv(fd, buffer, length, 0);
    if (r >= 0) return r;
    if (errno == EINTR) continue;
    // SO_RCVTIMEO expired. Never the stock read now: it would wait a
    // second read timeout.
    if (errno == EAGAIN || errno == EWOULDBLOCK) errno = ETIMEDOUT;
    return -1;
  }
}

// Switches a connected `m` to blocking reads; false (and nothing changed)
// where it does not apply.
bool UseBlockingReads(MYSQL* m, unsigned read_timeout_s) {
  if (mysql_get_client_version() / 100 != MARIADB_PACKAGE_VERSION_ID / 100) {
    return false;
  }
  if (mysql_get_ssl_cipher(m) != nullptr) return false;
  MARIADB_PVIO* pvio = m->net.pvio;
  if (pvio == nullptr || pvio->methods == nullptr ||
      (pvio->type != PVIO_TYPE_SOCKET && pvio->type != PVIO_TYPE_UNIXSOCKET)) {
    return false;
  }
  std::call_once(g_methods_once, [pvio] {
    const PVIO_METHODS& stock = *pvio->methods;
    if (stock.read == nullptr || stock.get_handle == nullptr ||
        stock.is_blocking == nullptr) {
      return;  // not what the socket plugin has: never used
    }
    g_socket_methods_at = pvio->methods;
    g_socket_methods = stock;
    g_blocking_read_methods = stock;
    g_blocking_read_methods.read = BlockingRead;
  });
  if (pvio->methods != g_socket_methods_at) return false;
  my_socket fd;
  if (g_socket_methods.get_handle(pvio, &fd)) return false;
  timeval timeout{};
  timeout.tv_sec = static_cast<time_t>(read_timeout_s);
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) != 0) {
    return false;
  }
  pvio->methods = &g_blocking_read_methods;
  return true;
}

// A prepared statement (binary protocol). Parameters are bound once to
// buffers the statement owns and rebound only when a parameter's type or a
// string buffer's address changes; a result is stored and counted, as
// sysbench does, without binding result buffers. The hot path allocates only
// when a string parameter outgrows its buffer.
class MariaDbStatement : public Statement {
 public:
  explicit MariaDbStatement(MYSQL_STMT* stmt)
      : stmt_(stmt),
        param_count_(mysql_stmt_param_count(stmt)),
        binds_(param_count_),
        ints_(param_count_),
        strings_(param_count_),
        lengths_(param_count_) {
    if (!binds_.empty()) {
      std::memset(binds_.data(), 0, sizeof(MYSQL_BIND) * binds_.size());
    }
  }
  ~MariaDbStatement() override { mysql_stmt_close(stmt_); }

 private:
  // The current result: its rows stored and counted, or the affected rows.
  absl::StatusOr<int64_t> ReadResult() {
    if (mysql_stmt_field_count(stmt_) == 0) {
      return static_cast<int64_t>(mysql_stmt_affected_rows(stmt_));
    }
    if (mysql_stmt_store_result(stmt_) != 0) {
      absl::Status s = StatementError(stmt_);
      mysql_stmt_free_result(stmt_);
      return s;
    }
    const int64_t rows = static_cast<int64_t>(mysql_stmt_num_rows(stmt_));
    mysql_stmt_free_result(stmt_);
    return rows;
  }

 public:
  absl::StatusOr<int64_t> Execute(absl::Span<const Value> params) override {
    if (params.size() != param_count_) {
      return absl::InvalidArgumentError(
          absl::StrCat("the statement takes ", param_count_, " parameter(s), ",
                       params.size(), " given"));
    }
    bool rebind = !bound_;
    for (size_t i = 0; i < params.size(); ++i) {
      MYSQL_BIND& b = binds_[i];
      if (const int64_t* v = std::get_if<int64_t>(&params[i])) {
        ints_[i] = *v;
        if (b.buffer_type != MYSQL_TYPE_LONGLONG || b.buffer != &ints_[i]) {
          std::memset(&b, 0, sizeof(b));
          b.buffer_type = MYSQL_TYPE_LONGLONG;
          b.buffer = &ints_[i];
          rebind = true;
        }
      } else {
        std::string& buf = strings_[i];
        buf.assign(std::get<std::string>(params[i]));
        lengths_[i] = buf.size();
        if (b.buffer_type != MYSQL_TYPE_STRING || b.buffer != buf.data()) {
          std::memset(&b, 0, sizeof(b));
          b.buffer_type = MYSQL_TYPE_STRING;
          b.buffer = buf.data();
          b.length = &lengths_[i];
          rebind = true;
        }
        // The library reads *length at execute time; buffer_length is only
        // an upper bound for it.
        b.buffer_length = buf.capacity();
      }
    }
    if (rebind && param_count_ > 0) {
      if (mysql_stmt_bind_param(stmt_, binds_.data()) != 0) {
        bound_ = false;  // the library may hold the old binds: bind again
        for (MYSQL_BIND& b : binds_) b.buffer_type = MYSQL_TYPE_NULL;
        return StatementError(stmt_);
      }
      bound_ = true;
    }
    if (mysql_stmt_execute(stmt_) != 0) return StatementError(stmt_);
    // The count is the first result's: rows read, or rows affected. A CALL
    // can return several results (its field count is known only now); all
    // are read so the connection stays in step.
    returned_rows_ = mysql_stmt_field_count(stmt_) > 0;
    absl::StatusOr<int64_t> count = ReadResult();
    while (mysql_stmt_more_results(stmt_)) {
      const int next = mysql_stmt_next_result(stmt_);
      if (next > 0) return StatementError(stmt_);
      if (next < 0) break;
      absl::StatusOr<int64_t> more = ReadResult();
      if (!more.ok()) return more.status();
    }
    return count;
  }
  std::optional<bool> returned_rows() const override { return returned_rows_; }

 private:
  MYSQL_STMT* const stmt_;
  const size_t param_count_;
  bool bound_ = false;
  bool returned_rows_ = false;
  std::vector<MYSQL_BIND> binds_;
  std::vector<int64_t> ints_;
  std::vector<std::string> strings_;
  std::vector<unsigned long> lengths_;
};

class MariaDbConnection : public Connection {
 public:
  MariaDbConnection(MYSQL* m, bool blocking_reads, StatementProtocol protocol)
      : m_(m), blocking_reads_(blocking_reads), protocol_(protocol) {}
  ~MariaDbConnection() override { mysql_close(m_); }
  void set_id(int64_t id) { id_ = id; }
  std::optional<bool> returned_rows() const override { return returned_rows_; }

  absl::StatusOr<int64_t> Execute(absl::string_view sql) override {
    if (mysql_real_query(m_, sql.data(), sql.size()) != 0) {
      return ConnectionError(m_);
    }
    int64_t count = 0;
    bool first = true;
    // Every result of the statement (a procedure can return several) is
    // read and dropped; the count is the first one's.
    for (;;) {
      MYSQL_RES* res = mysql_store_result(m_);
      if (first) returned_rows_ = res != nullptr;
      if (res != nullptr) {
        if (first) count = static_cast<int64_t>(mysql_num_rows(res));
        mysql_free_result(res);
      } else if (mysql_field_count(m_) != 0) {
        return ConnectionError(m_);
      } else if (first) {
        count = static_cast<int64_t>(mysql_affected_rows(m_));
      }
      first = false;
      const int next = mysql_next_result(m_);
      if (next == -1) break;
      if (next > 0) return ConnectionError(m_);
    }
    return count;
  }

  absl::StatusOr<std::vector<Row>> Query(absl::string_view sql) override {
    if (mysql_real_query(m_, sql.data(), sql.size()) != 0) {
      return ConnectionError(m_);
    }
    MYSQL_RES* res = mysql_store_result(m_);
    if (res == nullptr) {
      if (mysql_field_count(m_) != 0) return ConnectionError(m_);
      return std::vector<Row>();  // not a query: no rows
    }
    const unsigned columns = mysql_num_fields(res);
    std::vector<Row> rows;
    rows.reserve(mysql_num_rows(res));
    while (MYSQL_ROW r = mysql_fetch_row(res)) {
      const unsigned long* lengths = mysql_fetch_lengths(res);
      Row row;
      row.reserve(columns);
      for (unsigned c = 0; c < columns; ++c) {
        if (r[c] == nullptr) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(std::string(r[c], lengths[c]));
        }
      }
      rows.push_back(std::move(row));
    }
    mysql_free_result(res);
    // Further results (a procedure's) are read and dropped.
    for (;;) {
      const int next = mysql_next_result(m_);
      if (next < 0) break;
      if (next > 0) return ConnectionError(m_);
      if (MYSQL_RES* more = mysql_store_result(m_)) {
        mysql_free_result(more);
      } else if (mysql_field_count(m_) != 0) {
        return ConnectionError(m_);
      }
    }
    return rows;
  }

  absl::StatusOr<std::unique_ptr<Statement>> Prepare(
      absl::string_view sql) override {
    if (protocol_ == StatementProtocol::kText) {
      MYSQL* m = m_;
      return NewTextStatement(
          *this, sql, [m](absl::string_view value, std::string* out) {
            // Escaping at most doubles the length, plus a NUL.
            const size_t at = out->size();
            out->resize(at + 2 * value.size() + 1);
            const unsigned long n = mysql_real_escape_string(
                m, out->data() + at, value.data(), value.size());
            out->resize(at + n);
          });
    }
    MYSQL_STMT* stmt = mysql_stmt_init(m_);
    if (stmt == nullptr) return ConnectionError(m_);
    if (mysql_stmt_prepare(stmt, sql.data(), sql.size()) != 0) {
      absl::Status s = StatementError(stmt);
      mysql_stmt_close(stmt);
      return s;
    }
    return std::unique_ptr<Statement>(new MariaDbStatement(stmt));
  }

  int64_t id() const override { return id_; }
  bool blocking_reads() const { return blocking_reads_; }

  absl::Status Sever() override {
    const my_socket fd = mysql_get_socket(m_);
    if (static_cast<int>(fd) < 0 || shutdown(fd, SHUT_RDWR) != 0) {
      return absl::FailedPreconditionError("the connection has no socket");
    }
    return absl::OkStatus();
  }

 private:
  MYSQL* const m_;
  const bool blocking_reads_;
  const StatementProtocol protocol_;
  int64_t id_ = -1;
  bool returned_rows_ = false;  // by the last Execute(sql)
};

// The TLS options of `options.tls_mode` (Connector/C 3.3.20 semantics,
// measured: tests/integration/db_tls_test.cc). MYSQL_OPT_SSL_ENFORCE asks
// for TLS, falling back to plaintext when the server has none (hence the
// check after the login); a CA makes it verify the certificate chain;
// MYSQL_OPT_SSL_VERIFY_SERVER_CERT adds the host name and refuses a server
// without TLS before the login.
void ConfigureTls(MYSQL* m, const ConnectOptions& options) {
  if (options.tls_mode == TlsMode::kDisabled) return;
  const my_bool on = 1;
  const my_bool verify_identity =
      options.tls_mode == TlsMode::kVerifyIdentity ? 1 : 0;
  mysql_options(m, MYSQL_OPT_SSL_ENFORCE, &on);
  mysql_options(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify_identity);
  if (!options.tls_ca.empty()) {
    mysql_options(m, MYSQL_OPT_SSL_CA, options.tls_ca.c_str());
  }
  if (!options.tls_cert.empty()) {
    mysql_options(m, MYSQL_OPT_SSL_CERT, options.tls_cert.c_str());
    mysql_options(m, MYSQL_OPT_SSL_KEY, options.tls_key.c_str());
  }
}

class MariaDbThreadScope : public ThreadScope {
 public:
  MariaDbThreadScope() { mysql_thread_init(); }
  ~MariaDbThreadScope() override { mysql_thread_end(); }
};

class MariaDbDriver : public Driver {
 public:
  MariaDbDriver() {
    // Not thread-safe; mysql_init() would call it on first use.
    static std::once_flag once;
    std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
  }

  absl::StatusOr<std::unique_ptr<Connection>> Connect(
      const ConnectOptions& options) override {
    const std::string where =
        absl::StrCat("cannot connect to ", options.host, ":", options.port,
                     " as ", options.user);
    MYSQL* m = mysql_init(nullptr);
    if (m == nullptr)
      return absl::ResourceExhaustedError(where + ": no memory");
    const unsigned connect_timeout = TimeoutSeconds(options.connect_timeout);
    const unsigned read_timeout = TimeoutSeconds(options.read_timeout);
    const unsigned write_timeout = TimeoutSeconds(options.write_timeout);
    const my_bool off = 0;
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
    mysql_options(m, MYSQL_OPT_RECONNECT, &off);
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    ConfigureTls(m, options);
    // Unless the plan allows it, only authentication that never sends the
    // password itself (no mysql_clear_password, no PAM dialog): without TLS
    // (disabled, preferred, or the login that goes before the check below)
    // it would cross the network in the clear.
    if (!options.allow_clear_password &&
        mysql_optionsv(m, MARIADB_OPT_RESTRICTED_AUTH,
                       kChallengeResponseAuth) != 0) {
      mysql_close(m);
      return absl::InternalError(absl::StrCat(
          where,
          ": this Connector/C cannot restrict authentication plugins "
          "(MARIADB_OPT_RESTRICTED_AUTH); set "
          "target.allow_clear_password to connect anyway"));
    }
    if (mysql_real_connect(
            m, options.host.c_str(), options.user.c_str(),
            options.password.c_str(),
            options.database.empty() ? nullptr : options.database.c_str(),
            static_cast<unsigned>(options.port), nullptr,
            CLIENT_MULTI_RESULTS) == nullptr) {
      absl::Status s = ConnectionError(m);
      mysql_close(m);
      return Prefix(ExplainTlsError(s, options), where);
    }
    // Connector/C 3.3 refuses a server without TLS before the login only
    // when it verifies the server's host name (verify-identity). Otherwise
    // (required, verify-ca; seen with Debian 12's 3.3.20 against
    // have_ssl=DISABLED: strace, and the server's Aborted_connects_preauth
    // in tests/integration/db_tls_test.cc) it logs in in plaintext: the
    // user, the database and a challenge response, not the password (see
    // MARIADB_OPT_RESTRICTED_AUTH above). It is refused here, before any
    // statement.
    if (RequiresTls(options.tls_mode) && mysql_get_ssl_cipher(m) == nullptr) {
      mysql_close(m);
      return NoTlsError(options, where,
                        "closed after the login, before any statement");
    }
    const bool blocking_reads = UseBlockingReads(m, read_timeout);
    auto connection = std::make_unique<MariaDbConnection>(m, blocking_reads,
                                                          options.protocol);
    auto id = SetUpSession(*connection, options.session_vars);
    if (!id.ok()) return Prefix(id.status(), where);
    connection->set_id(*id);
    return std::unique_ptr<Connection>(std::move(connection));
  }

  std::unique_ptr<ThreadScope> AttachThread() override {
    return std::make_unique<MariaDbThreadScope>();
  }
};

}  // namespace

std::unique_ptr<Driver> NewMariaDbDriver() {
  return std::make_unique<MariaDbDriver>();
}

bool UsesBlockingReads(const Connection& connection) {
  const auto* c = dynamic_cast<const MariaDbConnection*>(&connection);
  return c != nullptr && c->blocking_reads();
}

}  // namespace rig::db
