#pragma once

// Choosing the database driver by name (rig-agent --db-driver).

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/db/connection.h"

namespace rig::db {

// "mariadb" (MariaDB Connector/C, the default) and "cppconn"
// (mysqlcppconn 1.1.12).
inline constexpr char kDefaultDriver[] = "mariadb";
std::vector<std::string> DriverNames();

// The driver called `name`; an error naming the choices otherwise.
absl::StatusOr<std::unique_ptr<Driver>> NewDriver(absl::string_view name);

}  // namespace rig::db
