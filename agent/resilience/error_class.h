#pragma once

// Error classes: what the agent does about a failed operation, by server
// (or client library) error code.
//   retry_txn  the transaction may succeed if run again (deadlock, lock wait
//              timeout, TiDB write conflicts)
//   reconnect  the connection is gone: reconnect, then retry
//   backoff    the server is overloaded or busy: wait, then retry
//   fail_fast  the plan or the server set-up is wrong: retrying cannot help
//   other      counted and the run goes on
//
// The built-in table (error_class.cc) covers MySQL, MariaDB and TiDB codes
// and client library (CR_*) codes; a plan overrides single codes with
// resilience.error_classes. Codes not in the table are "other".

#include <cstdint>
#include <string>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/map.h"

namespace rig::agent {

enum class ErrorClass { kRetryTxn, kReconnect, kBackoff, kFailFast, kOther };

// What the agent does about a class: one row per class (error_class.cc).
//   retry_txn  retry + backoff (the jitter separates the conflicting txns)
//   reconnect  reconnect + retry + backoff (do not hammer a restarting
//              server); counts for the breaker
//   backoff    backoff + retry; counts for the breaker
//   fail_fast  nothing: never retried, the error ends the operation
//   other      nothing: counted, not retried, the run goes on
// Only reconnect and backoff say the target is unhealthy; retry_txn
// (contention), fail_fast (set-up) and other (data) do not open the breaker.
struct ClassPolicy {
  const char* name;         // as plans and reports write it
  bool retry;               // run the operation (transaction) again
  bool reconnect;           // open a new connection before retrying
  bool backoff;             // wait (Backoff::Delay) before retrying
  bool counts_for_breaker;  // a failure counts towards opening the breaker
};
const ClassPolicy& PolicyFor(ErrorClass c);
// PolicyFor(c).name: "retry_txn", "reconnect", "backoff", "fail_fast" or
// "other".
const char* ErrorClassName(ErrorClass c);

// The inverse of ErrorClassName, ignoring ASCII case; "ignore" is accepted as
// another name for "other" (plans say {1062: ignore}). InvalidArgument
// listing the valid names otherwise.
absl::StatusOr<ErrorClass> ParseErrorClass(absl::string_view name);

// The built-in table of codes (error_class.cc, one row per code), without
// plan overrides.
ErrorClass ClassifyCode(int server_code);
// The absl code a driver gives a server or client error with this number
// (the same table): kUnavailable for a lost or refused connection,
// kPermissionDenied, kNotFound, kInvalidArgument, kAlreadyExists, kAborted,
// kCancelled for a few well-known codes, kUnknown for the rest.
absl::StatusCode StatusCodeForServerCode(int server_code);
// Uses the server code attached to the status; without one, the status code
// decides (kUnavailable -> reconnect, anything else -> other).
ErrorClass Classify(const absl::Status& status);

// The built-in table plus a plan's overrides. Immutable after Create, so
// concurrent Classify calls from many threads are safe. Cheap to copy.
class ErrorClassifier {
 public:
  // Only the built-in table.
  ErrorClassifier() = default;

  // `overrides` is Resilience.error_classes: server code -> class name (any
  // name ParseErrorClass accepts). InvalidArgument naming the code and the
  // bad class name, or a code that is not a positive error number.
  static absl::StatusOr<ErrorClassifier> Create(
      const google::protobuf::Map<int32_t, std::string>& overrides);

  ErrorClass ClassifyCode(int server_code) const;
  // As the free Classify(), with the overrides applied to the server code.
  ErrorClass Classify(const absl::Status& status) const;

 private:
  std::unordered_map<int, ErrorClass> overrides_;
};

}  // namespace rig::agent
