#pragma once

// The MySQL-protocol Driver over MariaDB Connector/C (Debian's
// libmariadb-dev), the agent's default. The only file that includes
// <mysql.h>. Prepared statements use the binary protocol with parameter
// buffers bound once, so an operation costs about what sysbench's does
// (bench/RESULTS.md); mysqlcppconn (mysql_driver.h) remains as
// --db-driver cppconn.
//
// A plaintext connection reads with a plain blocking recv() (the kernel
// times it out at the read timeout) instead of the library's recv, poll,
// recv: 2 syscalls per statement instead of 3-4. It relies on the layout of
// Connector/C's pvio structures, so only when the runtime library is the
// release the headers come from; TLS and anything unexpected keep the
// stock reads (mariadb_driver.cc).
//
// The driver never reconnects silently (MYSQL_OPT_RECONNECT off): the pool
// decides and counts reconnects. Thread-safe; every thread that uses a
// connection holds the ThreadScope from AttachThread().

#include <memory>

#include "agent/db/connection.h"

namespace rig::db {

std::unique_ptr<Driver> NewMariaDbDriver();

// Whether `connection` reads with blocking recv() (above); false for a
// connection of another driver. For tests and benchmarks.
bool UsesBlockingReads(const Connection& connection);

}  // namespace rig::db
