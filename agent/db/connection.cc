#include "agent/db/connection.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "agent/resilience/error_class.h"
#include "common/base/error_context.h"
#include "common/base/sql_identifier.h"

namespace rig::db {
namespace {

bool Contains(absl::string_view text, absl::string_view lower_word) {
  return absl::StrContains(absl::AsciiStrToLower(text), lower_word);
}

}  // namespace

const char* TlsModeName(TlsMode mode) {
  switch (mode) {
    case TlsMode::kDisabled:
      return "disabled";
    case TlsMode::kPreferred:
      return "preferred";
    case TlsMode::kRequired:
      return "required";
    case TlsMode::kVerifyCa:
      return "verify-ca";
    case TlsMode::kVerifyIdentity:
      return "verify-identity";
  }
  return "unknown";
}

bool RequiresTls(TlsMode mode) {
  return mode != TlsMode::kDisabled && mode != TlsMode::kPreferred;
}

absl::Status NoTlsError(const ConnectOptions& options, absl::string_view where,
                        absl::string_view when) {
  return absl::FailedPreconditionError(absl::StrCat(
      where, where.empty() ? "" : ": ", "target.tls_mode is ",
      TlsModeName(options.tls_mode),
      " but the server does not offer TLS (MariaDB/MySQL: have_ssl is not "
      "YES); ",
      when));
}

absl::Status ExplainTlsError(const absl::Status& s,
                             const ConnectOptions& options) {
  const auto error = GetServerError(s);
  if (!error || error->code != 2026) return s;  // CR_SSL_CONNECTION_ERROR
  if (absl::StrContains(s.message(), "server does not support")) {
    return WithServerError(NoTlsError(options, "", "refused before the login"),
                           *error);
  }
  std::string expected;
  switch (options.tls_mode) {
    case TlsMode::kVerifyCa:
      expected = absl::StrCat(
          "the server's certificate must be signed by "
          "the CA in target.tls_ca (",
          options.tls_ca, ")");
      break;
    case TlsMode::kVerifyIdentity:
      expected = absl::StrCat(
          "the server's certificate must be signed by ",
          options.tls_ca.empty()
              ? std::string("a CA this system trusts")
              : absl::StrCat("the CA in target.tls_ca (", options.tls_ca, ")"),
          " and be issued for ", options.host);
      break;
    default:
      expected = "the TLS handshake failed";
      break;
  }
  absl::Status out(s.code(), absl::StrCat(s.message(), " (target.tls_mode ",
                                          TlsModeName(options.tls_mode), ": ",
                                          expected, ")"));
  s.ForEachPayload([&out](absl::string_view url, const absl::Cord& p) {
    out.SetPayload(url, p);
  });
  return out;
}

absl::StatusCode StatusCodeFor(int code) {
  return rig::agent::StatusCodeForServerCode(code);
}

int TimeoutSeconds(absl::Duration d) {
  return static_cast<int>(
      std::max<int64_t>(1, absl::ToInt64Seconds(d + absl::Milliseconds(999))));
}

absl::StatusOr<int64_t> SetUpSession(
    Connection& connection,
    const std::map<std::string, std::string>& session_vars) {
  int64_t id = -1;
  auto rows = connection.Query("SELECT CONNECTION_ID()");
  if (!rows.ok()) return rows.status();
  if (!rows->empty() && !(*rows)[0].empty() && (*rows)[0][0] &&
      !absl::SimpleAtoi(*(*rows)[0][0], &id)) {
    id = -1;
  }
  for (const auto& [name, value] : session_vars) {
    // The value is an SQL expression by design (documented); the name is
    // not: "autocommit = 1, GLOBAL max_connections" must not pass as one.
    if (!IsPlainIdentifier(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "session variable \"", name,
          "\" is not a variable name (letters, digits and _ only)"));
    }
    auto r =
        connection.Execute(absl::StrCat("SET SESSION ", name, " = ", value));
    if (!r.ok()) {
      return Prefix(r.status(), absl::StrCat("session variable ", name));
    }
  }
  return id;
}

ServerInfo ClassifyServer(absl::string_view version,
                          absl::string_view version_comment) {
  ServerInfo info;
  info.version = std::string(version);
  info.version_comment = std::string(version_comment);
  if (Contains(version, "tidb")) {
    info.flavor = "tidb";
  } else if (Contains(version, "mariadb") ||
             Contains(version_comment, "mariadb")) {
    info.flavor = "mariadb";
  } else {
    info.flavor = "mysql";
  }
  return info;
}

std::string ParseTidbVersion(absl::string_view text) {
  std::string release, edition, store;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    const absl::string_view key =
        absl::StripAsciiWhitespace(line.substr(0, colon));
    const std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
    if (key == "Release Version") release = value;
    if (key == "Edition") edition = value;
    if (key == "Store") store = value;
  }
  if (release.empty()) return "";
  std::string details = edition;
  if (!store.empty()) details += details.empty() ? store : ", " + store;
  return details.empty() ? release : absl::StrCat(release, " (", details, ")");
}

absl::StatusOr<ServerInfo> DetectServer(Connection& connection) {
  auto rows = connection.Query("SELECT VERSION(), @@version_comment");
  if (!rows.ok()) return rows.status();
  if (rows->empty() || (*rows)[0].size() < 2) {
    return absl::InternalError("SELECT VERSION() returned no row");
  }
  const Row& row = (*rows)[0];
  ServerInfo info = ClassifyServer(row[0].value_or(""), row[1].value_or(""));
  if (info.flavor == "tidb") {
    auto tidb = connection.Query("SELECT tidb_version()");
    if (tidb.ok() && !tidb->empty() && !(*tidb)[0].empty() && (*tidb)[0][0]) {
      const std::string parsed = ParseTidbVersion(*(*tidb)[0][0]);
      if (!parsed.empty()) info.version_comment = parsed;
    }
  }
  return info;
}

}  // namespace rig::db
