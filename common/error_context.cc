#include "absl/strings/string_view.h"
#include "common/error_context.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace rig {
namespace {
constexpr char kServerErrorUrl[] = "type.rig/server_error";
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
  std::string prefix;
  auto add = [&prefix](absl::string_view key, absl::string_view value) {
    if (value.empty()) return;
    absl::StrAppend(&prefix, prefix.empty() ? "" : " ", key, "=", value);
  };
  add("agent", ctx.agent);
  add("state", ctx.state);
  add("op", ctx.operation);
  if (ctx.connection >= 0) add("conn", absl::StrCat(ctx.connection));
  if (ctx.attempt > 0) add("attempt", absl::StrCat(ctx.attempt));
  std::string message = prefix.empty()
                            ? std::string(status.message())
                            : absl::StrCat(prefix, ": ", status.message());
  if (auto server = GetServerError(status);
      server && server->code != 0 &&
      status.message().find("server code") == absl::string_view::npos) {
    absl::StrAppend(&message, " (server code ", server->code, ", SQLSTATE ",
                    server->sqlstate, ")");
  }
  absl::Status out(status.code(), message);
  status.ForEachPayload([&out](absl::string_view url, const absl::Cord& p) {
    out.SetPayload(url, p);
  });
  return out;
}

}  // namespace rig
