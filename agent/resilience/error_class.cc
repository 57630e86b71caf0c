#include "agent/resilience/error_class.h"

#include <iterator>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/base/error_context.h"

namespace rig::agent {
namespace {

using S = absl::StatusCode;
constexpr ErrorClass kRetryTxn = ErrorClass::kRetryTxn;
constexpr ErrorClass kReconnect = ErrorClass::kReconnect;
constexpr ErrorClass kBackoff = ErrorClass::kBackoff;
constexpr ErrorClass kFailFast = ErrorClass::kFailFast;
constexpr ErrorClass kOther = ErrorClass::kOther;

// The classes, one row each, in the order of the enum. Reconnect backs off
// too: a refused connection fails at once, and without a pause every worker
// would hammer a restarting server. Retry_txn backs off so that the jitter
// parts the conflicting transactions.
// clang-format off
constexpr ClassPolicy kClasses[] = {
    // name        retry  reconnect  backoff  counts_for_breaker
    {"retry_txn",  true,  false,     true,    false},
    {"reconnect",  true,  true,      true,    true},
    {"backoff",    true,  false,     true,    true},
    {"fail_fast",  false, false,     false,   false},  // ends the operation
    {"other",      false, false,     false,   false},  // counted, goes on
};
// clang-format on

static_assert(std::size(kClasses) ==
                  static_cast<size_t>(ErrorClass::kOther) + 1,
              "one row per class, in the order of the enum");

constexpr char kValidNames[] =
    "retry_txn, reconnect, backoff, fail_fast, other (alias: ignore)";

// One row per server (or client library) code: its class, and the absl
// code a driver gives the error (kUnknown unless the row says).
struct CodeRow {
  int code;
  ErrorClass cls;
  absl::StatusCode status = S::kUnknown;
};

// One table for MySQL, MariaDB and TiDB: the three share the 1xxx server and
// 2xxx client numbers; TiDB adds 8xxx/9xxx. Where a code means different
// things on different servers the comment says so. Unlisted codes are
// "other": counted, never retried, which is the safe default for data
// errors the workload may provoke on purpose.
constexpr CodeRow kCodes[] = {
    // --- retry_txn: the server rolled the transaction (or statement) back
    // because of other transactions; running it again is expected to work.
    {1205, kRetryTxn,
     S::kAborted},  // ER_LOCK_WAIT_TIMEOUT: lock wait timeout exceeded
    {1213, kRetryTxn,
     S::kAborted},  // ER_LOCK_DEADLOCK: deadlock found, transaction rolled back
    {1317, kRetryTxn,
     S::kCancelled},  // ER_QUERY_INTERRUPTED: KILL QUERY or a TiDB kill; the
                      // connection survives, so run the transaction again
    {1412,
     kRetryTxn},  // ER_TABLE_DEF_CHANGED: table definition changed, retry txn
    {1615,
     kRetryTxn},  // ER_NEED_REPREPARE: prepared statement needs re-preparing
    {3101,
     kRetryTxn},  // ER_TRANSACTION_ROLLBACK_DURING_COMMIT (group replication)
    {3572, kRetryTxn},  // ER_LOCK_NOWAIT: NOWAIT lock not available right now
    {8002,
     kRetryTxn},  // TiDB: SELECT FOR UPDATE hit a write conflict at commit
    {8005,
     kRetryTxn},  // TiDB: write conflict (optimistic txn, txnStartTS stale)
    {8022, kRetryTxn},  // TiDB ErrTxnRetryable: KV error safe to retry
    {8028,
     kRetryTxn},  // TiDB ErrInfoSchemaChanged: schema changed during the txn
    {8229, kRetryTxn},  // TiDB ErrLockExpire: pessimistic lock TTL expired
    {9006, kRetryTxn},  // TiDB ErrGCTooEarly: txn outlived GC life time; a new
                        // txn gets a fresh start ts
    {9007, kRetryTxn},  // TiDB ErrWriteConflict (TiKV reported)
    // --- reconnect: the connection (or its session state) is gone.
    {1043, kReconnect},  // ER_HANDSHAKE_ERROR: bad handshake
    {1152,
     kReconnect},  // ER_ABORTING_CONNECTION: server aborted the connection
    {1154, kReconnect},  // ER_NET_READ_ERROR_FROM_PIPE
    {1156, kReconnect},  // ER_NET_PACKETS_OUT_OF_ORDER: stream out of sync
    {1157, kReconnect},  // ER_NET_UNCOMPRESS_ERROR: corrupt compressed packet
    {1158,
     kReconnect},  // ER_NET_READ_ERROR: error reading communication packets
    {1159, kReconnect},  // ER_NET_READ_INTERRUPTED: timeout reading packets
    {1160, kReconnect},  // ER_NET_ERROR_ON_WRITE: error writing packets
    {1161, kReconnect},  // ER_NET_WRITE_INTERRUPTED: timeout writing packets
    {1184, kReconnect},  // ER_NEW_ABORTING_CONNECTION: aborted connection
    {1243,
     kReconnect},  // ER_UNKNOWN_STMT_HANDLER: the session lost its prepared
                   // statements (proxy fail-over); reconnecting re-prepares
    {1927, kReconnect},  // MariaDB ER_CONNECTION_KILLED: connection was killed
    {2002, kReconnect,
     S::kUnavailable},  // CR_CONNECTION_ERROR: can't connect (socket / refused)
    {2003, kReconnect,
     S::kUnavailable},  // CR_CONN_HOST_ERROR: can't connect to host
    {2005, kReconnect, S::kUnavailable},  // CR_UNKNOWN_HOST: DNS; transient
                                          // while pods are replaced
    {2006, kReconnect,
     S::kUnavailable},   // CR_SERVER_GONE_ERROR: server has gone away
    {2012, kReconnect},  // CR_SERVER_HANDSHAKE_ERR: error in server handshake
    {2013, kReconnect,
     S::kUnavailable},   // CR_SERVER_LOST: lost connection during query
    {2014, kReconnect},  // CR_COMMANDS_OUT_OF_SYNC: connection state unusable
    {2026, kReconnect,
     S::kUnavailable},   // CR_SSL_CONNECTION_ERROR: the TLS layer's error,
                         // which is what a read timeout ("Connection timed
                         // out"), a KILL or a cut ("unexpected eof") give over
                         // TLS; the library has closed the connection (the
                         // next statement gets 2006). At connect: a failed
                         // TLS handshake, as 2012 is for the plain one.
    {2027, kReconnect},  // CR_MALFORMED_PACKET
    {2048, kReconnect},  // CR_INVALID_CONN_HANDLE
    {2055, kReconnect, S::kUnavailable},  // CR_SERVER_LOST_EXTENDED: lost
                                          // connection, system error
    {4031, kReconnect},  // MySQL 8.0.24+ ER_CLIENT_INTERACTION_TIMEOUT:
                         // disconnected for inactivity (wait_timeout)
    // --- backoff: the server (or cluster) is overloaded, starting, or
    // briefly unavailable; waiting gives it room.
    {1037, kBackoff},  // ER_OUTOFMEMORY: server out of memory
    {1038, kBackoff},  // ER_OUT_OF_SORTMEMORY
    {1040, kBackoff,
     S::kUnavailable},  // ER_CON_COUNT_ERROR: too many connections
    {1041, kBackoff},   // ER_OUT_OF_RESOURCES
    {1047, kBackoff},   // ER_UNKNOWN_COM_ERROR: on MariaDB Galera, "WSREP has
                        // not yet prepared node for application use": the node
                        // is not in the Primary component, or still joining
                        // (seen in tests/integration/galera_test.cc); the
                        // breaker moves its connections to other nodes
    {1053, kBackoff,
     S::kUnavailable},  // ER_SERVER_SHUTDOWN: shutdown in progress; a restart
                        // or a replacement follows, and a lost connection then
                        // shows up as 2006/2013 -> reconnect
    {1105,
     kBackoff},  // ER_UNKNOWN_ERROR: TiDB's catch-all for errors without a code
                 // of their own, mostly from TiKV/PD (not leader, epoch not
                 // match, region miss, RPC timeouts during leader changes):
                 // transient cluster trouble. A deterministic 1105 costs only
                 // max_attempts tries; plans can override it.
    {1135, kBackoff},  // ER_CANT_CREATE_THREAD: server out of threads
    {1203, kBackoff},  // ER_TOO_MANY_USER_CONNECTIONS: max_user_connections
    {1637, kBackoff},  // ER_TOO_MANY_CONCURRENT_TRXS: undo slots exhausted
    {1969,
     kBackoff},  // MariaDB ER_STATEMENT_TIMEOUT: max_statement_time exceeded
    {3024,
     kBackoff},  // ER_QUERY_TIMEOUT (MySQL, TiDB): max_execution_time exceeded
    {8027, kBackoff},  // TiDB ErrInfoSchemaExpired: schema lease not renewed,
                       // TiDB cannot reach TiKV
    {8176, kBackoff},  // TiDB ErrMemoryExceedForInstance: tidb-server memory
                       // limit hit by all sessions together
    {8252,
     kBackoff},  // TiDB ErrResourceGroupThrottled: resource control throttling
    {9001, kBackoff},  // TiDB ErrPDServerTimeout: PD request timed out
    {9002, kBackoff},  // TiDB ErrTiKVServerTimeout: TiKV request timed out
    {9003, kBackoff},  // TiDB ErrTiKVServerBusy: TiKV is busy
    {9004, kBackoff},  // TiDB ErrResolveLockTimeout: resolving locks timed out
    {9005, kBackoff},  // TiDB ErrRegionUnavailable: region unavailable
    {9008, kBackoff},  // TiDB ErrTiKVStoreLimit: store token limit reached
    {9010, kBackoff},  // TiDB ErrTiKVStaleCommand: TiKV reports stale command
    {9011, kBackoff},  // TiDB ErrTiKVMaxTimestampNotSynced
    {9012, kBackoff},  // TiDB ErrTiFlashServerTimeout
    {9013, kBackoff},  // TiDB ErrTiFlashServerBusy
    // --- fail_fast: credentials, schema, SQL or server settings are wrong;
    // the same statement fails the same way every time.
    {1044, kFailFast, S::kPermissionDenied},  // ER_DBACCESS_DENIED_ERROR:
                                              // access denied to database
    {1045, kFailFast,
     S::kPermissionDenied},  // ER_ACCESS_DENIED_ERROR: wrong user or password
    {1046, kFailFast},       // ER_NO_DB_ERROR: no database selected
    {1049, kFailFast, S::kNotFound},  // ER_BAD_DB_ERROR: unknown database
    {1054, kFailFast},                // ER_BAD_FIELD_ERROR: unknown column
    {1064, kFailFast, S::kInvalidArgument},  // ER_PARSE_ERROR: SQL syntax error
    {1129, kFailFast},  // ER_HOST_IS_BLOCKED: too many connection errors; needs
                        // FLUSH HOSTS
    {1130, kFailFast},  // ER_HOST_NOT_PRIVILEGED: host not allowed to connect
    {1142, kFailFast, S::kPermissionDenied},  // ER_TABLEACCESS_DENIED_ERROR:
                                              // command denied on table
    {1143, kFailFast},                        // ER_COLUMNACCESS_DENIED_ERROR
    {1146, kFailFast,
     S::kNotFound},     // ER_NO_SUCH_TABLE: table doesn't exist (not prepared?)
    {1153, kFailFast},  // ER_NET_PACKET_TOO_LARGE: above max_allowed_packet
    {1227, kFailFast},  // ER_SPECIFIC_ACCESS_DENIED_ERROR: missing privilege
    {1251,
     kFailFast},  // ER_NOT_SUPPORTED_AUTH_MODE: client can't do the auth plugin
    {1461,
     kFailFast},  // ER_MAX_PREPARED_STMT_COUNT_REACHED: max_prepared_stmt_count
    {1698,
     kFailFast},  // ER_ACCESS_DENIED_NO_PASSWORD_ERROR (e.g. unix_socket root)
    {1792, kFailFast},  // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
    {1820, kFailFast},  // ER_MUST_CHANGE_PASSWORD: password expired
    {2059, kFailFast},  // CR_AUTH_PLUGIN_CANNOT_LOAD
    {2061, kFailFast},  // CR_AUTH_PLUGIN_ERR (e.g. caching_sha2 needs TLS)
    {8004, kFailFast},  // TiDB ErrTxnTooLarge: transaction too large; the same
                        // txn is as large next time
    {8025,
     kFailFast},  // TiDB ErrEntryTooLarge: single entry above the size limit
    {8175, kFailFast},  // TiDB ErrMemoryExceedForQuery: one query above
    // tidb_mem_quota_query; it needs as much memory next time
    // --- other: data errors a workload may cause on purpose; listed so
    // the decision is visible.
    {1062, kOther, S::kAlreadyExists},  // ER_DUP_ENTRY: duplicate key
    {1451, kOther},  // ER_ROW_IS_REFERENCED_2: foreign key blocks delete
    {1452, kOther},  // ER_NO_REFERENCED_ROW_2: foreign key blocks insert
};

const CodeRow* FindCode(int code) {
  for (const CodeRow& row : kCodes) {
    if (row.code == code) return &row;
  }
  return nullptr;
}

}  // namespace

ErrorClass ClassifyCode(int code) {
  const CodeRow* row = FindCode(code);
  return row != nullptr ? row->cls : ErrorClass::kOther;
}

absl::StatusCode StatusCodeForServerCode(int code) {
  const CodeRow* row = FindCode(code);
  return row != nullptr ? row->status : S::kUnknown;
}

ErrorClass Classify(const absl::Status& status) {
  return ErrorClassifier().Classify(status);
}

const ClassPolicy& PolicyFor(ErrorClass c) {
  return kClasses[static_cast<int>(c)];
}

const char* ErrorClassName(ErrorClass c) { return PolicyFor(c).name; }

absl::StatusOr<ErrorClass> ParseErrorClass(absl::string_view name) {
  for (int i = 0; i < static_cast<int>(std::size(kClasses)); ++i) {
    if (absl::EqualsIgnoreCase(name, kClasses[i].name)) {
      return static_cast<ErrorClass>(i);
    }
  }
  if (absl::EqualsIgnoreCase(name, "ignore")) return ErrorClass::kOther;
  return absl::InvalidArgumentError(absl::StrCat("unknown error class \"",
                                                 absl::CEscape(name),
                                                 "\"; valid: ", kValidNames));
}

absl::StatusOr<ErrorClassifier> ErrorClassifier::Create(
    const google::protobuf::Map<int32_t, std::string>& overrides) {
  ErrorClassifier out;
  for (const auto& [code, name] : overrides) {
    if (code <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "resilience.error_classes: ", code,
          " is not a server error code (codes are positive, e.g. 1062)"));
    }
    absl::StatusOr<ErrorClass> cls = ParseErrorClass(name);
    if (!cls.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "resilience.error_classes[", code, "]: ", cls.status().message()));
    }
    out.overrides_[code] = *cls;
  }
  return out;
}

ErrorClass ErrorClassifier::ClassifyCode(int server_code) const {
  if (auto it = overrides_.find(server_code); it != overrides_.end()) {
    return it->second;
  }
  return agent::ClassifyCode(server_code);
}

ErrorClass ErrorClassifier::Classify(const absl::Status& status) const {
  if (auto server = GetServerError(status); server && server->code != 0) {
    return ClassifyCode(server->code);
  }
  if (status.code() == absl::StatusCode::kUnavailable) {
    return ErrorClass::kReconnect;
  }
  return ErrorClass::kOther;
}

}  // namespace rig::agent
