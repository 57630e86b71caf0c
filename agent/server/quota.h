#pragma once

// The agent's gRPC server bounds its own threads: the synchronous server
// runs each call (a Session, a GetInfo) on a thread of its pool, and any peer
// that passes the channel's checks may open calls. Past kMaxServerThreads the
// server answers new calls RESOURCE_EXHAUSTED at once instead of making a
// thread for each; a silent Session is closed after --start-timeout, so the
// quota frees again. A run's own threads (one per database connection) are
// bounded by --max-connections, not by this.

#include "grpcpp/grpcpp.h"
#include "grpcpp/resource_quota.h"

namespace rig::agent {

inline constexpr int kMaxServerThreads = 64;

inline void ApplyServerQuota(grpc::ServerBuilder& builder) {
  grpc::ResourceQuota quota("rig-agent");
  quota.SetMaxThreads(kMaxServerThreads);
  builder.SetResourceQuota(quota);
}

}  // namespace rig::agent
