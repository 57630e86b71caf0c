#pragma once

// target.dsn: the target as one URL, as the MySQL tools write it,
//
//   mysql://user@tidb-0:4000,tidb-1:4000/sbtest?balance=least_connections
//
// user (optional), one host or several (target.host/port, or
// target.endpoints when there are several), the database (optional) and
// query parameters for other target keys: balance, connection_lifetime,
// connect_timeout, read_timeout, write_timeout, tls (tls_mode's values, or
// true/false; also tls_mode= or ssl-mode=), tls_ca, protocol. A password is
// refused:
// it comes from target.password_env, never from a plan or a command line.
// Keys the DSN sets may not also be set on their own (host, port, user,
// database, endpoints).

#include "absl/status/status.h"
#include "rig/v1/plan.pb.h"

namespace rig::plan {

// The target keys a DSN stands for (given beside it in a file: an error;
// under --set target.dsn: removed from the plan first).
inline constexpr const char* kDsnKeys[] = {"host", "port", "user", "database",
                                           "endpoints"};

// Replaces target.dsn (if set) by the keys it stands for. The error names
// the DSN's faulty part; `target` is unchanged then.
absl::Status ExpandDsn(rig::v1::Target& target);

}  // namespace rig::plan
