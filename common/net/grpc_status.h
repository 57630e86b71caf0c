#pragma once

// Conversions between absl::Status and grpc::Status, for code that carries
// an absl::Status across the wire. Handlers that answer with a fixed gRPC
// code of their own (agent/server/service.cc, health.cc) build
// grpc::Status directly.

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace rig {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace rig
