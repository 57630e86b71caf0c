#include "agent/server/health.h"

namespace rig::agent {

void HealthService::Set(const std::string& service, bool serving) {
  std::lock_guard<std::mutex> lock(mu_);
  serving_[service] = serving;
}

grpc::Status HealthService::Check(
    grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest* request,
    grpc::health::v1::HealthCheckResponse* response) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = serving_.find(request->service());
  if (it == serving_.end()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "unknown service " + request->service());
  }
  response->set_status(
      it->second ? grpc::health::v1::HealthCheckResponse::SERVING
                 : grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  return grpc::Status::OK;
}

}  // namespace rig::agent
