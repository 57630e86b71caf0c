#pragma once

// A Statement for StatementProtocol::kText (sysbench's --db-ps-mode=disable):
// each Execute writes the parameters into the SQL text and runs it with
// Connection::Execute (COM_QUERY). Integers are written in decimal; strings
// between single quotes, escaped by the client library of the connection
// (mysql_real_escape_string, which knows the connection's character set and
// NO_BACKSLASH_ESCAPES). A `?` is a parameter only outside string literals,
// quoted identifiers and comments, as the server's parser reads it.
//
// Used by both drivers; not thread-safe, like the Connection it runs on,
// which must outlive it.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "agent/db/connection.h"

namespace rig::db {

// Appends `value` escaped for the inside of a '...' literal to *out.
using EscapeFn = std::function<void(absl::string_view value, std::string* out)>;

// The text of `sql` around its `?` parameters: n parameters, n + 1 pieces.
// Pure; exposed for tests.
std::vector<std::string> SplitAtParameters(absl::string_view sql);

std::unique_ptr<Statement> NewTextStatement(Connection& connection,
                                            absl::string_view sql,
                                            EscapeFn escape);

}  // namespace rig::db
