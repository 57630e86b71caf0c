#include "common/base/error_context.h"

#include <gtest/gtest.h>

namespace rig {
namespace {

TEST(ErrorContextTest, ServerErrorRoundTrips) {
  absl::Status s =
      WithServerError(absl::PermissionDeniedError("denied"), {1045, "28000"});
  auto e = GetServerError(s);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, 1045);
  EXPECT_EQ(e->sqlstate, "28000");
  EXPECT_FALSE(GetServerError(absl::InternalError("x")).has_value());
}

TEST(ErrorContextTest, ContextPrefixesAndKeepsCodeAndPayload) {
  absl::Status s = WithServerError(
      absl::PermissionDeniedError("Access denied for user 'rig'"),
      {1045, "28000"});
  ErrorContext ctx;
  ctx.agent = "a1";
  ctx.state = "Connecting";
  ctx.operation = "connect";
  ctx.connection = 3;
  ctx.attempt = 2;
  absl::Status out = WithContext(s, ctx);
  EXPECT_EQ(out.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(out.message(),
            "agent=a1 state=Connecting op=connect conn=3 attempt=2: Access "
            "denied for user 'rig' (server code 1045, SQLSTATE 28000)");
  EXPECT_EQ(GetServerError(out)->code, 1045);
  EXPECT_TRUE(WithContext(absl::OkStatus(), ctx).ok());
}

TEST(ErrorContextTest, PrefixKeepsPayload) {
  absl::Status s =
      Prefix(WithServerError(absl::UnavailableError("gone"), {2006, "HY000"}),
             "session variable x");
  EXPECT_EQ(s.message(), "session variable x: gone");
  EXPECT_EQ(GetServerError(s)->code, 2006);
}

}  // namespace
}  // namespace rig
