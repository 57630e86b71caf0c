#pragma once

// Error classes: what the agent does about a failed operation, by server
// (or client library) error code.
//   retry_txn  the transaction may succeed if run again (deadlock, lock wait
//              timeout, TiDB write conflicts)
//   reconnect  the connection is gone: reconnect, then retry
//   backoff    the server is overloaded or busy: wait, then retry
//   fail_fast  the plan or the server set-up is wrong: retrying cannot help
//   other      counted and the run goes on

#include <string>

#include "absl/status/status.h"

namespace rig::agent {

enum class ErrorClass { kRetryTxn, kReconnect, kBackoff, kFailFast, kOther };

ErrorClass ClassifyCode(int server_code);
// Uses the server code attached to the status; without one, the status code
// decides (kUnavailable -> reconnect).
ErrorClass Classify(const absl::Status& status);
const char* ErrorClassName(ErrorClass c);

}  // namespace rig::agent
