#include "agent/resilience/error_class.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/base/error_context.h"

namespace rig::agent {
namespace {

constexpr char kValidNames[] =
    "retry_txn, reconnect, backoff, fail_fast, other (alias: ignore)";

}  // namespace

// One table for MySQL, MariaDB and TiDB: the three share the 1xxx server and
// 2xxx client numbers; TiDB adds 8xxx/9xxx. Where a code means different
// things on different servers the comment says so. Unlisted codes are
// "other": counted, never retried, which is the safe default for data
// errors the workload may provoke on purpose.
ErrorClass ClassifyCode(int code) {
  switch (code) {
    // --- retry_txn: the server rolled the transaction (or statement) back
    // because of other transactions; running it again is expected to work.
    case 1205:  // ER_LOCK_WAIT_TIMEOUT: lock wait timeout exceeded
    case 1213:  // ER_LOCK_DEADLOCK: deadlock found, transaction rolled back
    case 1317:  // ER_QUERY_INTERRUPTED: KILL QUERY or a TiDB kill; the
                // connection survives, so run the transaction again
    case 1412:  // ER_TABLE_DEF_CHANGED: table definition changed, retry txn
    case 1615:  // ER_NEED_REPREPARE: prepared statement needs re-preparing
    case 3101:  // ER_TRANSACTION_ROLLBACK_DURING_COMMIT (group replication)
    case 3572:  // ER_LOCK_NOWAIT: NOWAIT lock not available right now
    case 8002:  // TiDB: SELECT FOR UPDATE hit a write conflict at commit
    case 8005:  // TiDB: write conflict (optimistic txn, txnStartTS stale)
    case 8022:  // TiDB ErrTxnRetryable: KV error safe to retry
    case 8028:  // TiDB ErrInfoSchemaChanged: schema changed during the txn
    case 8229:  // TiDB ErrLockExpire: pessimistic lock TTL expired
    case 9006:  // TiDB ErrGCTooEarly: txn outlived GC life time; a new txn
                // gets a fresh start ts
    case 9007:  // TiDB ErrWriteConflict (TiKV reported)
      return ErrorClass::kRetryTxn;

    // --- reconnect: the connection (or its session state) is gone.
    case 1043:  // ER_HANDSHAKE_ERROR: bad handshake
    case 1152:  // ER_ABORTING_CONNECTION: server aborted the connection
    case 1154:  // ER_NET_READ_ERROR_FROM_PIPE
    case 1156:  // ER_NET_PACKETS_OUT_OF_ORDER: stream out of sync
    case 1157:  // ER_NET_UNCOMPRESS_ERROR: corrupt compressed packet
    case 1158:  // ER_NET_READ_ERROR: error reading communication packets
    case 1159:  // ER_NET_READ_INTERRUPTED: timeout reading packets
    case 1160:  // ER_NET_ERROR_ON_WRITE: error writing packets
    case 1161:  // ER_NET_WRITE_INTERRUPTED: timeout writing packets
    case 1184:  // ER_NEW_ABORTING_CONNECTION: aborted connection
    case 1243:  // ER_UNKNOWN_STMT_HANDLER: the session lost its prepared
                // statements (proxy fail-over); reconnecting re-prepares
    case 1927:  // MariaDB ER_CONNECTION_KILLED: connection was killed
    case 2002:  // CR_CONNECTION_ERROR: can't connect (socket / refused)
    case 2003:  // CR_CONN_HOST_ERROR: can't connect to host
    case 2005:  // CR_UNKNOWN_HOST: DNS; transient while pods are replaced
    case 2006:  // CR_SERVER_GONE_ERROR: server has gone away
    case 2012:  // CR_SERVER_HANDSHAKE_ERR: error in server handshake
    case 2013:  // CR_SERVER_LOST: lost connection during query
    case 2014:  // CR_COMMANDS_OUT_OF_SYNC: connection state unusable
    case 2027:  // CR_MALFORMED_PACKET
    case 2048:  // CR_INVALID_CONN_HANDLE
    case 2055:  // CR_SERVER_LOST_EXTENDED: lost connection, system error
    case 4031:  // MySQL 8.0.24+ ER_CLIENT_INTERACTION_TIMEOUT: disconnected
                // for inactivity (wait_timeout)
      return ErrorClass::kReconnect;

    // --- backoff: the server (or cluster) is overloaded, starting, or
    // briefly unavailable; waiting gives it room.
    case 1037:  // ER_OUTOFMEMORY: server out of memory
    case 1038:  // ER_OUT_OF_SORTMEMORY
    case 1040:  // ER_CON_COUNT_ERROR: too many connections
    case 1041:  // ER_OUT_OF_RESOURCES
    case 1053:  // ER_SERVER_SHUTDOWN: shutdown in progress; a restart or a
                // replacement follows, and a lost connection then shows up
                // as 2006/2013 -> reconnect
    case 1105:  // ER_UNKNOWN_ERROR: TiDB's catch-all for errors without a
                // code of their own, mostly from TiKV/PD (not leader, epoch
                // not match, region miss, RPC timeouts during leader
                // changes): transient cluster trouble. A deterministic 1105
                // costs only max_attempts tries; plans can override it.
    case 1135:  // ER_CANT_CREATE_THREAD: server out of threads
    case 1203:  // ER_TOO_MANY_USER_CONNECTIONS: max_user_connections
    case 1637:  // ER_TOO_MANY_CONCURRENT_TRXS: undo slots exhausted
    case 1969:  // MariaDB ER_STATEMENT_TIMEOUT: max_statement_time exceeded
    case 3024:  // ER_QUERY_TIMEOUT (MySQL, TiDB): max_execution_time exceeded
    case 8027:  // TiDB ErrInfoSchemaExpired: schema lease not renewed, TiDB
                // cannot reach TiKV
    case 8176:  // TiDB ErrMemoryExceedForInstance: tidb-server memory limit
                // hit by all sessions together
    case 8252:  // TiDB ErrResourceGroupThrottled: resource control throttling
    case 9001:  // TiDB ErrPDServerTimeout: PD request timed out
    case 9002:  // TiDB ErrTiKVServerTimeout: TiKV request timed out
    case 9003:  // TiDB ErrTiKVServerBusy: TiKV is busy
    case 9004:  // TiDB ErrResolveLockTimeout: resolving locks timed out
    case 9005:  // TiDB ErrRegionUnavailable: region unavailable
    case 9008:  // TiDB ErrTiKVStoreLimit: store token limit reached
    case 9010:  // TiDB ErrTiKVStaleCommand: TiKV reports stale command
    case 9011:  // TiDB ErrTiKVMaxTimestampNotSynced
    case 9012:  // TiDB ErrTiFlashServerTimeout
    case 9013:  // TiDB ErrTiFlashServerBusy
      return ErrorClass::kBackoff;

    // --- fail_fast: credentials, schema, SQL or server settings are wrong;
    // the same statement fails the same way every time.
    case 1044:  // ER_DBACCESS_DENIED_ERROR: access denied to database
    case 1045:  // ER_ACCESS_DENIED_ERROR: wrong user or password
    case 1046:  // ER_NO_DB_ERROR: no database selected
    case 1049:  // ER_BAD_DB_ERROR: unknown database
    case 1054:  // ER_BAD_FIELD_ERROR: unknown column
    case 1064:  // ER_PARSE_ERROR: SQL syntax error
    case 1129:  // ER_HOST_IS_BLOCKED: too many connection errors; needs
                // FLUSH HOSTS
    case 1130:  // ER_HOST_NOT_PRIVILEGED: host not allowed to connect
    case 1142:  // ER_TABLEACCESS_DENIED_ERROR: command denied on table
    case 1143:  // ER_COLUMNACCESS_DENIED_ERROR
    case 1146:  // ER_NO_SUCH_TABLE: table doesn't exist (not prepared?)
    case 1153:  // ER_NET_PACKET_TOO_LARGE: above max_allowed_packet
    case 1227:  // ER_SPECIFIC_ACCESS_DENIED_ERROR: missing privilege
    case 1251:  // ER_NOT_SUPPORTED_AUTH_MODE: client can't do the auth plugin
    case 1461:  // ER_MAX_PREPARED_STMT_COUNT_REACHED: max_prepared_stmt_count
    case 1698:  // ER_ACCESS_DENIED_NO_PASSWORD_ERROR (e.g. unix_socket root)
    case 1792:  // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
    case 1820:  // ER_MUST_CHANGE_PASSWORD: password expired
    case 2059:  // CR_AUTH_PLUGIN_CANNOT_LOAD
    case 2061:  // CR_AUTH_PLUGIN_ERR (e.g. caching_sha2 needs TLS)
    case 8004:  // TiDB ErrTxnTooLarge: transaction too large; the same txn
                // is as large next time
    case 8025:  // TiDB ErrEntryTooLarge: single entry above the size limit
    case 8175:  // TiDB ErrMemoryExceedForQuery: one query above
                // tidb_mem_quota_query; it needs as much memory next time
      return ErrorClass::kFailFast;

    // --- other: data errors a workload may cause on purpose; listed so
    // the decision is visible.
    case 1062:  // ER_DUP_ENTRY: duplicate key
    case 1451:  // ER_ROW_IS_REFERENCED_2: foreign key blocks delete
    case 1452:  // ER_NO_REFERENCED_ROW_2: foreign key blocks insert
      return ErrorClass::kOther;

    default:
      return ErrorClass::kOther;
  }
}

ErrorClass Classify(const absl::Status& status) {
  return ErrorClassifier().Classify(status);
}

const char* ErrorClassName(ErrorClass c) {
  switch (c) {
    case ErrorClass::kRetryTxn:
      return "retry_txn";
    case ErrorClass::kReconnect:
      return "reconnect";
    case ErrorClass::kBackoff:
      return "backoff";
    case ErrorClass::kFailFast:
      return "fail_fast";
    case ErrorClass::kOther:
      return "other";
  }
  return "other";
}

absl::StatusOr<ErrorClass> ParseErrorClass(absl::string_view name) {
  for (ErrorClass c :
       {ErrorClass::kRetryTxn, ErrorClass::kReconnect, ErrorClass::kBackoff,
        ErrorClass::kFailFast, ErrorClass::kOther}) {
    if (absl::EqualsIgnoreCase(name, ErrorClassName(c))) return c;
  }
  if (absl::EqualsIgnoreCase(name, "ignore")) return ErrorClass::kOther;
  return absl::InvalidArgumentError(absl::StrCat("unknown error class \"",
                                                 absl::CEscape(name),
                                                 "\"; valid: ", kValidNames));
}

ClassPolicy PolicyFor(ErrorClass c) {
  switch (c) {
    case ErrorClass::kRetryTxn:
      return {/*retry=*/true, /*reconnect=*/false, /*backoff=*/true};
    case ErrorClass::kReconnect:
      // Back off too: a refused connection fails at once, and without a
      // pause every worker would hammer a restarting server.
      return {/*retry=*/true, /*reconnect=*/true, /*backoff=*/true};
    case ErrorClass::kBackoff:
      return {/*retry=*/true, /*reconnect=*/false, /*backoff=*/true};
    case ErrorClass::kFailFast:
    case ErrorClass::kOther:
      return {/*retry=*/false, /*reconnect=*/false, /*backoff=*/false};
  }
  return {};
}

bool CountsForBreaker(ErrorClass c) {
  return c == ErrorClass::kReconnect || c == ErrorClass::kBackoff;
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
