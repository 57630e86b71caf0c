#include "common/base/error_context.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace rig {
namespace {
constexpr char kServerErrorUrl[] = "type.rig/server_error";
constexpr char kContextUrl[] = "type.rig/error_context";
}  // namespace

absl::Status WithServerError(absl::Status status, const ServerError& error) {
  if (status.ok()) return status;
  status.SetPayload(kServerErrorUrl,
                    absl::Cord(absl::StrCat(error.code, ":", error.sqlstate)));
  return status;
}

std::optional<ServerError> GetServerError(const absl::Status& status) {
  auto payload = status.GetPayload(kServerErrorUrl);
  if (!payload) return std::nullopt;
  std::string text(*payload);
  std::pair<std::string, std::string> parts =
      absl::StrSplit(text, absl::MaxSplits(':', 1));
  ServerError error;
  if (!absl::SimpleAtoi(parts.first, &error.code)) return std::nullopt;
  error.sqlstate = parts.second;
  return error;
}

absl::Status Prefix(const absl::Status& status, absl::string_view prefix) {
  if (status.ok() || prefix.empty()) return status;
  absl::Status out(status.code(), absl::StrCat(prefix, ": ", status.message()));
  status.ForEachPayload([&out](absl::string_view url, const absl::Cord& p) {
    out.SetPayload(url, p);
  });
  return out;
}

absl::Status WithContext(const absl::Status& status, const ErrorContext& ctx) {
  if (status.ok()) return status;
  // Contexts nest (an adapter names the connection, the engine the state):
  // fields already set by an inner layer are kept, missing ones are added,
  // and the message is rebuilt from the original text.
  ErrorContext merged = ctx;
  std::string raw(status.message());
  if (auto prev = status.GetPayload(kContextUrl)) {
    std::vector<std::string> f = absl::StrSplit(std::string(*prev), '\x1f');
    if (f.size() == 6) {
      if (!f[0].empty()) merged.agent = f[0];
      if (!f[1].empty()) merged.state = f[1];
      if (!f[2].empty()) merged.operation = f[2];
      int64_t conn = -1;
      if (absl::SimpleAtoi(f[3], &conn) && conn >= 0) merged.connection = conn;
      int attempt = 0;
      if (absl::SimpleAtoi(f[4], &attempt) && attempt > 0) {
        merged.attempt = attempt;
      }
      raw = f[5];
    }
  }
  std::string prefix;
  auto add = [&prefix](absl::string_view key, absl::string_view value) {
    if (value.empty()) return;
    absl::StrAppend(&prefix, prefix.empty() ? "" : " ", key, "=", value);
  };
  add("agent", merged.agent);
  add("state", merged.state);
  add("op", merged.operation);
  if (merged.connection >= 0) add("conn", absl::StrCat(merged.connection));
  if (merged.attempt > 0) add("attempt", absl::StrCat(merged.attempt));
  std::string message = prefix.empty() ? raw : absl::StrCat(prefix, ": ", raw);
  if (auto server = GetServerError(status); server && server->code != 0) {
    absl::StrAppend(&message, " (server code ", server->code, ", SQLSTATE ",
                    server->sqlstate, ")");
  }
  absl::Status out(status.code(), message);
  status.ForEachPayload([&out](absl::string_view url, const absl::Cord& p) {
    out.SetPayload(url, p);
  });
  out.SetPayload(kContextUrl, absl::Cord(absl::StrCat(
                                  merged.agent, "\x1f", merged.state, "\x1f",
                                  merged.operation, "\x1f", merged.connection,
                                  "\x1f", merged.attempt, "\x1f", raw)));
  return out;
}

}  // namespace rig
