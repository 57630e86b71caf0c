#pragma once

// The gRPC health service (grpc.health.v1 Check) that rig-agent
// --health-listen serves alone on a plaintext port, for Kubernetes probes
// when the agent's own port speaks TLS. A synchronous implementation of our
// own: gRPC's built-in one needs a polled completion queue on a server that
// has no synchronous service, and this server has nothing else.
//
// Thread-safe: Set is called from the agent when it becomes busy or idle.

#include <map>
#include <mutex>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"

namespace rig::agent {

class HealthService final : public grpc::health::v1::Health::Service {
 public:
  // Marks `service` ("" = the whole server) serving or not.
  void Set(const std::string& service, bool serving);

  // SERVING / NOT_SERVING for a known service, NOT_FOUND otherwise (as the
  // protocol says).
  grpc::Status Check(grpc::ServerContext* context,
                     const grpc::health::v1::HealthCheckRequest* request,
                     grpc::health::v1::HealthCheckResponse* response) override;

 private:
  std::mutex mu_;
  std::map<std::string, bool> serving_;  // guarded by mu_
};

}  // namespace rig::agent
