#pragma once

// The MySQL-protocol Driver over mysqlcppconn (Debian's
// libmysqlcppconn-dev 1.1.12, which links libmariadb). The only file that
// includes <cppconn/...>: sql::SQLException stops here and becomes an
// absl::Status carrying the server code and SQLSTATE. Chosen with
// --db-driver cppconn; the default is Connector/C (mariadb_driver.h), whose
// prepared statements cost less than half as much per execute. No TLS.
//
// The driver never reconnects silently (OPT_RECONNECT off): the pool decides
// and counts reconnects. Thread-safe; every thread that uses a connection
// must hold the ThreadScope from AttachThread().

#include <memory>

#include "agent/db/connection.h"

namespace rig::db {

std::unique_ptr<Driver> NewMySqlDriver();

}  // namespace rig::db
