#include "agent/error_class.h"

#include "common/error_context.h"

namespace rig::agent {

ErrorClass ClassifyCode(int code) {
  switch (code) {
    case 1213:  // deadlock
    case 1205:  // lock wait timeout
    case 8002:  // TiDB: SELECT FOR UPDATE write conflict
    case 8022:  // TiDB: transaction commit failed, retryable
    case 9007:  // TiDB: write conflict
      return ErrorClass::kRetryTxn;
    case 2002:  // can't connect
    case 2003:
    case 2006:  // server gone away
    case 2013:  // lost connection during query
    case 2055:  // lost connection, system error
      return ErrorClass::kReconnect;
    case 1040:  // too many connections
    case 1053:  // server shutdown in progress
    case 9001:  // TiDB: PD server timeout
    case 9002:  // TiKV server timeout
    case 9003:  // TiKV server is busy
    case 9004:  // resolve lock timeout
    case 9005:  // region unavailable
      return ErrorClass::kBackoff;
    case 1044:  // access denied to database
    case 1045:  // access denied
    case 1049:  // unknown database
    case 1064:  // syntax error
    case 1146:  // no such table
      return ErrorClass::kFailFast;
    default:
      return ErrorClass::kOther;
  }
}

ErrorClass Classify(const absl::Status& status) {
  if (auto server = GetServerError(status); server && server->code != 0) {
    return ClassifyCode(server->code);
  }
  if (status.code() == absl::StatusCode::kUnavailable) {
    return ErrorClass::kReconnect;
  }
  return ErrorClass::kOther;
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

}  // namespace rig::agent
