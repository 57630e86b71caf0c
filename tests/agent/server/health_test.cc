#include "agent/server/health.h"

#include <gtest/gtest.h>

namespace rig::agent {
namespace {

TEST(HealthServiceTest, AnswersWhatWasSetAndNotFoundOtherwise) {
  HealthService h;
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  req.set_service("");
  EXPECT_EQ(h.Check(nullptr, &req, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
  h.Set("", true);
  h.Set("rig.v1.AgentService", false);
  ASSERT_TRUE(h.Check(nullptr, &req, &resp).ok());
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  req.set_service("rig.v1.AgentService");
  ASSERT_TRUE(h.Check(nullptr, &req, &resp).ok());
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  h.Set("rig.v1.AgentService", true);  // the agent became idle
  ASSERT_TRUE(h.Check(nullptr, &req, &resp).ok());
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

}  // namespace
}  // namespace rig::agent
