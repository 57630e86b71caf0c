#pragma once

// Error context: where an error happened (operation, state, agent,
// connection, attempt) and what the server said (code, SQLSTATE).
//
// The database adapter attaches the server code and SQLSTATE to the
// absl::Status it returns (as a payload), so classification and reports can
// read them without parsing messages; WithContext() prefixes a status's
// message with the context in one line a user can act on.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace rig {

struct ServerError {
  int code = 0;          // e.g. 1045; 0 = none
  std::string sqlstate;  // e.g. "28000"
};

struct ErrorContext {
  std::string operation;  // "connect", "prepare", "query", ...
  std::string state;      // state machine state, e.g. "Connecting"
  std::string agent;
  int64_t connection = -1;  // server connection id or pool slot; -1 = none
  int attempt = 0;          // 0 = not retried
};

// Attaches a server error to a status (adapter side).
absl::Status WithServerError(absl::Status status, const ServerError& error);
// The server error attached to a status, if any.
std::optional<ServerError> GetServerError(const absl::Status& status);

// "<prefix>: <message>", keeping the code and payloads.
absl::Status Prefix(const absl::Status& status, absl::string_view prefix);

// "agent=a1 state=Connecting op=connect conn=3 attempt=2: <message>
// (server code 1045, SQLSTATE 28000)". Keeps the status code and payloads.
absl::Status WithContext(const absl::Status& status, const ErrorContext& ctx);

}  // namespace rig
