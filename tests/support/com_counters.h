#pragma once

// The server's statement counters (SHOW GLOBAL STATUS Com_*), to hold what a
// run says it sent against what the server counted:
//
//   auto before = SettledComCounters(server, server.user());
//   ... run ...
//   auto after = SettledComCounters(server, server.user());
//   int64_t selects = after->at("select") - before->at("select");
//
// A prepared statement's execution counts under its statement's name
// (Com_select) as well as Com_stmt_execute; preparing it does not. Neither
// SHOW GLOBAL STATUS nor SHOW PROCESSLIST, which these helpers send, is
// counted under any of the names read here.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/support/mariadb_server.h"

namespace rig::testing {

// Com_select, Com_insert, Com_update, Com_delete, Com_begin, Com_commit and
// Com_rollback, keyed by the name without "Com_" in lower case ("select").
inline absl::StatusOr<std::map<std::string, int64_t>> ComCounters(
    MariaDbServer& server) {
  absl::StatusOr<std::string> out = server.Sql(
      "SHOW GLOBAL STATUS WHERE Variable_name IN "
      "('Com_select', 'Com_insert', 'Com_update', "
      "'Com_delete', 'Com_begin', 'Com_commit', "
      "'Com_rollback')");
  if (!out.ok()) return out.status();
  std::map<std::string, int64_t> counters;
  for (absl::string_view line : absl::StrSplit(*out, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> kv = absl::StrSplit(line, '\t');
    int64_t value = 0;
    if (kv.size() == 2 && absl::SimpleAtoi(kv[1], &value)) {
      counters[absl::AsciiStrToLower(kv[0].substr(4))] = value;
    }
  }
  if (counters.count("select") == 0) {
    return absl::InternalError(
        absl::StrCat("no Com_select in SHOW GLOBAL STATUS: ", *out));
  }
  return counters;
}

// How many connections `user` has on the server (SHOW PROCESSLIST, which is
// not a Com_select as a query on information_schema.PROCESSLIST would be).
inline absl::StatusOr<int> ConnectionsOf(MariaDbServer& server,
                                         const std::string& user) {
  absl::StatusOr<std::string> out = server.Sql("SHOW PROCESSLIST");
  if (!out.ok()) return out.status();
  int n = 0;
  for (absl::string_view line : absl::StrSplit(*out, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> columns = absl::StrSplit(line, '\t');
    if (columns.size() > 1 && columns[1] == user) ++n;
  }
  return n;
}

// ComCounters once `user` has no connection left and the counters hold still
// for 50 ms. The server adds a closed connection's counters to the global
// ones as the connection goes away, after the client has returned (seen in
// CI: 36 UPDATEs of a finished run counted after a snapshot taken at once).
// DeadlineExceeded if that does not happen within `timeout`.
inline absl::StatusOr<std::map<std::string, int64_t>> SettledComCounters(
    MariaDbServer& server, const std::string& user,
    absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  int connections = -1;
  while (true) {
    absl::StatusOr<int> n = ConnectionsOf(server, user);
    if (!n.ok()) return n.status();
    connections = *n;
    absl::StatusOr<std::map<std::string, int64_t>> first = ComCounters(server);
    if (!first.ok()) return first.status();
    absl::SleepFor(absl::Milliseconds(50));
    absl::StatusOr<std::map<std::string, int64_t>> second = ComCounters(server);
    if (!second.ok()) return second.status();
    if (connections == 0 && *first == *second) return second;
    if (absl::Now() > deadline) break;
  }
  return absl::DeadlineExceededError(
      absl::StrCat("the server's Com_* counters did not settle within ",
                   absl::FormatDuration(timeout), " (", connections,
                   " connections of ", user, " left)"));
}

}  // namespace rig::testing
