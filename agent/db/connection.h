#pragma once

// The database as the agent sees it: a connection that executes SQL and
// prepared statements, made by a Driver. Two implementations talk to a
// server: MariaDB Connector/C (mariadb_driver.h, the default) and
// mysqlcppconn (mysql_driver.h); engine tests use a fake
// (tests/agent/db/fake_driver.h).
//
// A Connection is used by one thread at a time. A Statement belongs to the
// Connection that prepared it and must be destroyed before it. Errors are
// absl::Status values carrying the server code and SQLSTATE
// (common/base/error_context.h); no exception leaves an implementation.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace rig::db {

// TLS to the server, as MySQL clients' --ssl-mode names it.
enum class TlsMode {
  kDisabled,        // plaintext
  kPreferred,       // TLS if the server offers it, else plaintext
  kRequired,        // TLS or no connection; the certificate is not checked
  kVerifyCa,        // and it is signed by tls_ca
  kVerifyIdentity,  // and it is issued for `host` (tls_ca, or system CAs)
};
// "verify-identity", as a plan writes it.
const char* TlsModeName(TlsMode mode);

// How Statement parameters reach the server (sysbench's --db-ps-mode).
enum class StatementProtocol {
  kPrepared,  // prepared statements, binary protocol
  kText,      // the SQL text with the parameters written in, escaped
};

struct ConnectOptions {
  std::string host = "127.0.0.1";
  int port = 4000;
  std::string user = "root";
  std::string password;
  std::string database;
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration read_timeout = absl::Seconds(30);
  absl::Duration write_timeout = absl::Seconds(30);
  std::map<std::string, std::string> session_vars;  // SET SESSION k = v
  // TLS (target.tls_mode). Without TLS where a mode requires it, Connect
  // fails and no statement is sent.
  TlsMode tls_mode = TlsMode::kDisabled;
  std::string tls_ca;    // PEM file: CA of the server's certificate
  std::string tls_cert;  // PEM file: client certificate (with tls_key)
  std::string tls_key;
  // Allow authentication that sends the password itself
  // (mysql_clear_password, dialog). Off: only challenge-response logins.
  bool allow_clear_password = false;
  // What Connection::Prepare makes (target.protocol).
  StatementProtocol protocol = StatementProtocol::kPrepared;
};

// A parameter value: integer or string.
using Value = std::variant<int64_t, std::string>;

using Row = std::vector<std::optional<std::string>>;  // nullopt = NULL

class Statement {
 public:
  virtual ~Statement() = default;
  // Executes with the given parameters. Returns the number of rows read
  // (queries) or affected (updates).
  virtual absl::StatusOr<int64_t> Execute(absl::Span<const Value> params) = 0;
  // Whether the last Execute that succeeded returned a result set (a SELECT,
  // whatever rows it found): what sysbench's "queries performed" counts as
  // a read. nullopt: this driver cannot say.
  virtual std::optional<bool> returned_rows() const { return std::nullopt; }
};

class Connection {
 public:
  virtual ~Connection() = default;
  // Runs a statement; a result set, if any, is read and dropped. Returns the
  // rows read or affected.
  virtual absl::StatusOr<int64_t> Execute(absl::string_view sql) = 0;
  // As Statement::returned_rows(), for the last Execute(sql).
  virtual std::optional<bool> returned_rows() const { return std::nullopt; }
  // Runs a query and returns its rows (for small results: metadata, checks).
  virtual absl::StatusOr<std::vector<Row>> Query(absl::string_view sql) = 0;
  // A statement with `?` parameters. With StatementProtocol::kText nothing
  // is sent yet: each Execute sends the text with its parameters written in
  // (so an unknown table shows at Execute, not here).
  virtual absl::StatusOr<std::unique_ptr<Statement>> Prepare(
      absl::string_view sql) = 0;
  // The server's connection id (CONNECTION_ID()).
  virtual int64_t id() const = 0;
  // Shuts the connection's socket down (both ways) without closing it, as
  // a network cut would: a call blocked on it, or the next one, fails as a
  // lost connection. The one method another thread may call while the
  // connection is in use (a fault's kill_connections). Unimplemented by
  // drivers that do not expose their socket.
  virtual absl::Status Sever() {
    return absl::UnimplementedError(
        "this database driver cannot drop a connection's socket");
  }
};

// Per-thread set-up some client libraries need (mysqlcppconn's threadInit /
// threadEnd). Hold one for the life of every thread that uses connections.
class ThreadScope {
 public:
  virtual ~ThreadScope() = default;
};

class Driver {
 public:
  virtual ~Driver() = default;
  virtual absl::StatusOr<std::unique_ptr<Connection>> Connect(
      const ConnectOptions& options) = 0;
  virtual std::unique_ptr<ThreadScope> AttachThread() { return nullptr; }
};

// For adapters: the canonical status code that says what a caller can do
// about a client or server error code (2013 -> kUnavailable, 1045 ->
// kPermissionDenied, 1213 -> kAborted, ...), from the one table of codes
// (agent/resilience/error_class.cc).
absl::StatusCode StatusCodeFor(int server_code);
// For adapters: a client timeout in the whole seconds client libraries take,
// rounded up so that 500ms is not 0 (which would mean "no timeout").
int TimeoutSeconds(absl::Duration d);

// For adapters, after the handshake: the server's id of the connection
// (SELECT CONNECTION_ID(), not the handshake's 32-bit thread id: TiDB's ids
// can be wider), then `session_vars` applied with SET SESSION. Errors name
// the variable.
absl::StatusOr<int64_t> SetUpSession(
    Connection& connection,
    const std::map<std::string, std::string>& session_vars);

// For adapters: whether `mode` refuses a connection without TLS.
bool RequiresTls(TlsMode mode);
// For adapters: the error for a server that did not give TLS although
// `options.tls_mode` requires it. `where` is "cannot connect to H:P as U";
// `when` says how far the connection went ("refused before the login").
absl::Status NoTlsError(const ConnectOptions& options, absl::string_view where,
                        absl::string_view when);

// For adapters: a connect error of the TLS layer (client code 2026) in the
// plan's words: a server without TLS becomes NoTlsError (refused before the
// login); a certificate that fails verification says what tls_mode
// expected of it. Other errors are returned as they are.
absl::Status ExplainTlsError(const absl::Status& s,
                             const ConnectOptions& options);

// Authentication plugins that never send the password itself, for
// ConnectOptions::allow_clear_password false.
inline constexpr char kChallengeResponseAuth[] =
    "mysql_native_password,client_ed25519,caching_sha2_password,"
    "sha256_password";

struct ServerInfo {
  std::string flavor;   // "tidb", "mariadb" or "mysql"
  std::string version;  // VERSION()
  std::string version_comment;
};

// Tells the server kind from VERSION() and @@version_comment (pure; unit
// tested on recorded answers).
ServerInfo ClassifyServer(absl::string_view version,
                          absl::string_view version_comment);
// "v7.5.1 (Community, tikv)" from the answer of TiDB's tidb_version()
// (pure; unit tested on recorded answers). Empty if it is not one.
std::string ParseTidbVersion(absl::string_view text);

// Asks the server: VERSION(), and tidb_version() when it is TiDB.
absl::StatusOr<ServerInfo> DetectServer(Connection& connection);

}  // namespace rig::db
