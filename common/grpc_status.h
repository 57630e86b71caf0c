#pragma once

// The one place where absl::Status and grpc::Status meet.

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace rig {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace rig
