#pragma once

// Names that go into SQL text (statements that cannot take a parameter:
// SET SESSION, USE). A name from a plan is either checked to be a plain
// identifier or quoted; nothing from outside is spliced in as it is.

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"

namespace rig {

// [A-Za-z_][A-Za-z0-9_]*, at most 64 characters (MySQL's identifier limit):
// what a system variable name is (tidb_txn_mode, autocommit).
inline bool IsPlainIdentifier(absl::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  if (!absl::ascii_isalpha(name[0]) && name[0] != '_') return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_') return false;
  }
  return true;
}

// `name` with backticks doubled: a schema or table name as MySQL quotes it.
inline std::string QuoteIdentifier(absl::string_view name) {
  std::string out = "`";
  for (char c : name) {
    out += c;
    if (c == '`') out += '`';
  }
  out += '`';
  return out;
}

}  // namespace rig
