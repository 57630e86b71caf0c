#include "plan/dsn.h"

#include <gtest/gtest.h>

#include "common/base/proto_duration.h"
#include "plan/endpoints.h"
#include "plan/plan.h"
#include "tests/support/has_substr.h"

namespace rig::plan {
namespace {

using rig::testing::HasSubstr;

absl::StatusOr<rig::v1::Target> Expand(const std::string& dsn) {
  rig::v1::Target t;
  t.set_dsn(dsn);
  if (absl::Status s = ExpandDsn(t); !s.ok()) return s;
  return t;
}

TEST(DsnTest, OneHostBecomesHostAndPort) {
  auto t = Expand("mysql://app%40x@db.example:3306/sb%2Dtest");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->user(), "app@x");
  EXPECT_EQ(t->host(), "db.example");
  EXPECT_EQ(t->port(), 3306);
  EXPECT_EQ(t->database(), "sb-test");
  EXPECT_TRUE(t->endpoints().empty());
  EXPECT_TRUE(t->dsn().empty());
}

TEST(DsnTest, SeveralHostsBecomeEndpointsAndParametersTheirKeys) {
  auto t = Expand(
      "mysql://root@tidb-0:4000,tidb-1,[::1]:4001/test?tls=verify-identity"
      "&tls_ca=/etc/ca.pem&balance=least_connections&connection_lifetime=10m"
      "&read_timeout=5s&protocol=text");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->user(), "root");
  ASSERT_EQ(t->endpoints_size(), 3);
  EXPECT_EQ(t->endpoints(1), "tidb-1:4000");  // a DSN's default port
  EXPECT_EQ(t->database(), "test");
  EXPECT_EQ(t->tls_mode(), rig::v1::TLS_MODE_VERIFY_IDENTITY);
  EXPECT_EQ(t->tls_ca(), "/etc/ca.pem");
  EXPECT_EQ(t->balance(), rig::v1::BALANCE_LEAST_CONNECTIONS);
  EXPECT_EQ(FromProto(t->connection_lifetime()), absl::Minutes(10));
  EXPECT_EQ(FromProto(t->read_timeout()), absl::Seconds(5));
  EXPECT_EQ(t->protocol(), rig::v1::STATEMENT_PROTOCOL_TEXT);
  auto endpoints = TargetEndpoints(*t);
  ASSERT_TRUE(endpoints.ok());
  EXPECT_EQ((*endpoints)[1].name, "tidb-1:4000");
}

TEST(DsnTest, BadPartsAreNamed) {
  struct Case {
    const char* dsn;
    const char* says;
  };
  for (const Case& c : {
           Case{"postgres://h/db", "does not start with mysql://"},
           Case{"mysql://root:secret@h/db", "carries a password"},
           Case{"mysql:///db", "has no host"},
           Case{"mysql://h:99999/db", "port that is not a number"},
           Case{"mysql://h/db?tls=maybe", "tls=maybe is not disabled"},
           Case{"mysql://h/db?colour=red", "unknown parameter \"colour\""},
           Case{"mysql://h/db?read_timeout=soon", "read_timeout=soon is not"},
           Case{"mysql://h/db?balance=random", "balance=random is not"},
           Case{"mysql://h/a%2", "bad database name"},
       }) {
    auto t = Expand(c.dsn);
    ASSERT_FALSE(t.ok()) << c.dsn;
    EXPECT_TRUE(HasSubstr(t.status().message(), c.says)) << c.dsn;
    EXPECT_TRUE(HasSubstr(t.status().message(), "target.dsn")) << c.dsn;
  }
}

TEST(DsnTest, InAPlanFileItMayNotBeGivenWithTheKeysItSets) {
  auto plan = ParsePlan(
      "workload: {kind: oltp_point_select}\n"
      "target:\n"
      "  host: db\n"
      "  dsn: mysql://root@h1:4000,h2:4000/rig\n",
      "plan.yaml");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().message(),
            "plan.yaml:4: \"target.dsn\" and \"target.host\" are both given: "
            "the DSN sets host; give one or the other");
}

TEST(DsnTest, SetOnTheCommandLineItReplacesThePlansConnectionKeys) {
  auto plan = ParsePlan(
      "workload: {kind: oltp_point_select}\n"
      "target: {host: db, port: 3306, user: app, database: shop}\n",
      "plan.yaml",
      {"target.dsn=mysql://root@h1:4000,h2:4001/rig?tls=required"});
  ASSERT_TRUE(plan.ok()) << plan.status();
  const rig::v1::Target& t = plan->target();
  EXPECT_EQ(t.user(), "root");
  EXPECT_EQ(t.database(), "rig");
  ASSERT_EQ(t.endpoints_size(), 2);
  EXPECT_EQ(t.endpoints(1), "h2:4001");
  EXPECT_EQ(t.tls_mode(), rig::v1::TLS_MODE_REQUIRED);
  EXPECT_TRUE(t.tls());  // the loader's alias for older agents
}

}  // namespace
}  // namespace rig::plan
