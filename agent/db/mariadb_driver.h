#pragma once

// The MySQL-protocol Driver over MariaDB Connector/C (Debian's
// libmariadb-dev), the agent's default. The only file that includes
// <mysql.h>. Prepared statements use the binary protocol with parameter
// buffers bound once, so an operation costs about what sysbench's does
// (bench/RESULTS.md); mysqlcppconn (mysql_driver.h) remains as
// --db-driver cppconn.
//
// The driver never reconnects silently (MYSQL_OPT_RECONNECT off): the pool
// decides and counts reconnects. Thread-safe; every thread that uses a
// connection holds the ThreadScope from AttachThread().

#include <memory>

#include "agent/db/connection.h"

namespace rig::db {

std::unique_ptr<Driver> NewMariaDbDriver();

}  // namespace rig::db
