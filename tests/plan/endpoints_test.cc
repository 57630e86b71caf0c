#include "plan/endpoints.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/support/has_substr.h"

namespace rig::plan {
namespace {

TEST(PlanEndpointsTest, ParsesTheForms) {
  auto e = ParseEndpoint("tidb-0.tidb:4000", 3306);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->host, "tidb-0.tidb");
  EXPECT_EQ(e->port, 4000);
  EXPECT_EQ(e->name, "tidb-0.tidb:4000");
  e = ParseEndpoint("db1", 3306);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->port, 3306);
  EXPECT_EQ(e->name, "db1:3306");
  e = ParseEndpoint("[::1]:4000", 3306);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->name, "[::1]:4000");
  e = ParseEndpoint("[fe80::1]", 4000);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->name, "[fe80::1]:4000");
}

TEST(PlanEndpointsTest, ABadEntryIsNamedWithWhatIsWrong) {
  struct Case {
    const char* text;
    const char* why;
  };
  for (const Case& c :
       {Case{"db:0", "port that is not a number"},
        Case{"db:65536", "port that is not a number"},
        Case{"db:x", "port that is not a number"}, Case{"db:", "empty port"},
        Case{":4000", "no host"}, Case{"", "no host"},
        Case{"::1:4000", "IPv6 address without []"}, Case{"[::1", "closing ]"},
        Case{"[::1]x", "text after ]"},
        Case{"user@db:4000", "character a host name"},
        Case{"a,b", "character a host name"}}) {
    auto e = ParseEndpoint(c.text, 4000);
    ASSERT_FALSE(e.ok()) << c.text;
    EXPECT_TRUE(rig::testing::HasSubstr(e.status().message(),
                                        absl::StrCat("\"", c.text, "\"")));
    EXPECT_TRUE(rig::testing::HasSubstr(e.status().message(), c.why)) << c.text;
  }
}

TEST(PlanEndpointsTest, TheListOrHostAndPort) {
  rig::v1::Target t;
  t.set_host("10.0.0.1");
  t.set_port(4000);
  auto one = TargetEndpoints(t);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].name, "10.0.0.1:4000");

  t.add_endpoints("a:4001");
  t.add_endpoints("b");
  auto two = TargetEndpoints(t);
  ASSERT_TRUE(two.ok()) << two.status();
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].name, "a:4001");
  EXPECT_EQ((*two)[1].name, "b:4000");  // target.port

  t.add_endpoints("b:4000");
  auto dup = TargetEndpoints(t);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().message(),
            "endpoint \"b:4000\" is listed twice (as b:4000): each server "
            "once");
}

}  // namespace
}  // namespace rig::plan
