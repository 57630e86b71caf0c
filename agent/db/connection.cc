#include "agent/db/connection.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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
