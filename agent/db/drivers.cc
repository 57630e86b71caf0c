#include "agent/db/drivers.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/db/mariadb_driver.h"
#include "agent/db/mysql_driver.h"

namespace rig::db {

std::vector<std::string> DriverNames() { return {"mariadb", "cppconn"}; }

absl::StatusOr<std::unique_ptr<Driver>> NewDriver(absl::string_view name) {
  if (name == "mariadb") return NewMariaDbDriver();
  if (name == "cppconn") return NewMySqlDriver();
  return absl::InvalidArgumentError(
      absl::StrCat("unknown database driver \"", name,
                   "\" (choices: ", absl::StrJoin(DriverNames(), ", "), ")"));
}

}  // namespace rig::db
