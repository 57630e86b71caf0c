#include "agent/db/connection.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace rig::db {
namespace {

bool Contains(absl::string_view text, absl::string_view lower_word) {
  return absl::StrContains(absl::AsciiStrToLower(text), lower_word);
}

}  // namespace

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

absl::StatusOr<ServerInfo> DetectServer(Connection& connection) {
  auto rows = connection.Query("SELECT VERSION(), @@version_comment");
  if (!rows.ok()) return rows.status();
  if (rows->empty() || (*rows)[0].size() < 2) {
    return absl::InternalError("SELECT VERSION() returned no row");
  }
  const Row& row = (*rows)[0];
  return ClassifyServer(row[0].value_or(""), row[1].value_or(""));
}

}  // namespace rig::db
