#pragma once

// A plain HTTP/1.0 GET on 127.0.0.1, for tests that read /metrics or ask
// Prometheus' HTTP API. No dependency beyond sockets.

#include <string>

#include "absl/status/statusor.h"

namespace rig::testing {

struct HttpAnswer {
  int status = 0;       // 200, 404, ...
  std::string headers;  // the status line and headers
  std::string body;
};

// GET `target` (path and query, already URL-encoded) from 127.0.0.1:port.
// Fails when nothing answers there.
absl::StatusOr<HttpAnswer> HttpGet(int port, const std::string& target);

// Percent-encodes `text` for a query string.
std::string UrlEncode(const std::string& text);

}  // namespace rig::testing
