#include <gtest/gtest.h>

#include "agent/db/connection.h"
#include "agent/db/text_statement.h"
#include "agent/resilience/error_class.h"
#include "common/base/error_context.h"
#include "common/base/sql_identifier.h"
#include "tests/agent/db/fake_driver.h"

namespace rig {
namespace {

// Recorded VERSION() / @@version_comment answers.
TEST(ClassifyServerTest, TellsTheFlavor) {
  EXPECT_EQ(db::ClassifyServer("10.11.6-MariaDB-0+deb12u1", "Debian 12").flavor,
            "mariadb");
  EXPECT_EQ(db::ClassifyServer("8.0.11-TiDB-v7.5.1", "").flavor, "tidb");
  EXPECT_EQ(db::ClassifyServer("5.7.25-TiDB-v6.5.0", "").flavor, "tidb");
  EXPECT_EQ(db::ClassifyServer("8.0.36", "MySQL Community Server - GPL").flavor,
            "mysql");
  EXPECT_EQ(db::ClassifyServer("5.5.5-10.6.16-MariaDB", "").flavor, "mariadb");
}

// Recorded answer of SELECT tidb_version() on a TiDB v7.5.1 cluster.
TEST(ParseTidbVersionTest, ReadsReleaseEditionAndStore) {
  const char* answer =
      "Release Version: v7.5.1\n"
      "Edition: Community\n"
      "Git Commit Hash: 7d16cc79e81bbf573124df3fd9351c26963f3e70\n"
      "Git Branch: heads/refs/tags/v7.5.1\n"
      "UTC Build Time: 2024-02-27 14:28:32\n"
      "GoVersion: go1.21.6\n"
      "Race Enabled: false\n"
      "Check Table Before Drop: false\n"
      "Store: tikv";
  EXPECT_EQ(db::ParseTidbVersion(answer), "v7.5.1 (Community, tikv)");
  EXPECT_EQ(db::ParseTidbVersion("Release Version: v6.5.0"), "v6.5.0");
  EXPECT_EQ(db::ParseTidbVersion("10.11.6-MariaDB"), "");
}

// A `?` is a parameter only where the server's parser would see one.
TEST(SplitAtParametersTest, SkipsLiteralsQuotedNamesAndComments) {
  using V = std::vector<std::string>;
  EXPECT_EQ(db::SplitAtParameters("SELECT c FROM t WHERE id=?"),
            (V{"SELECT c FROM t WHERE id=", ""}));
  EXPECT_EQ(db::SplitAtParameters("SELECT 1"), (V{"SELECT 1"}));
  EXPECT_EQ(db::SplitAtParameters("BETWEEN ? AND ?"),
            (V{"BETWEEN ", " AND ", ""}));
  EXPECT_EQ(db::SplitAtParameters("SELECT '?', \"?\", `?` , ?"),
            (V{"SELECT '?', \"?\", `?` , ", ""}));
  // Escaped and doubled quotes stay inside their literal.
  EXPECT_EQ(db::SplitAtParameters(R"(SELECT 'it''s ?', 'a\'?', ?)"),
            (V{R"(SELECT 'it''s ?', 'a\'?', )", ""}));
  EXPECT_EQ(db::SplitAtParameters("SELECT ? -- why?\n, ? # what?\n"),
            (V{"SELECT ", " -- why?\n, ", " # what?\n"}));
  EXPECT_EQ(db::SplitAtParameters("SELECT ? /* ? */, 5--?"),
            (V{"SELECT ", " /* ? */, 5--", ""}));  // "--?" is no comment
  // An executable comment is SQL.
  EXPECT_EQ(db::SplitAtParameters("SELECT /*! ? */ 1"),
            (V{"SELECT /*! ", " */ 1"}));
}

TEST(ErrorClassTest, ClassifiesByServerCode) {
  using agent::ErrorClass;
  for (int code : {1213, 1205, 8002, 8022, 9007}) {
    EXPECT_EQ(agent::ClassifyCode(code), ErrorClass::kRetryTxn) << code;
  }
  for (int code : {2002, 2003, 2006, 2013, 2055}) {
    EXPECT_EQ(agent::ClassifyCode(code), ErrorClass::kReconnect) << code;
  }
  for (int code : {1040, 1053, 9001, 9002, 9003, 9004, 9005}) {
    EXPECT_EQ(agent::ClassifyCode(code), ErrorClass::kBackoff) << code;
  }
  for (int code : {1044, 1045, 1049, 1064, 1146}) {
    EXPECT_EQ(agent::ClassifyCode(code), ErrorClass::kFailFast) << code;
  }
  EXPECT_EQ(agent::ClassifyCode(1062), ErrorClass::kOther);
  EXPECT_EQ(agent::Classify(
                WithServerError(absl::UnknownError("x"), {1213, "40001"})),
            ErrorClass::kRetryTxn);
  EXPECT_EQ(agent::Classify(absl::UnavailableError("no code")),
            ErrorClass::kReconnect);
}

}  // namespace
}  // namespace rig

namespace rig::db {
namespace {

// SET SESSION takes no parameter for the name: a name that is not a plain
// identifier is refused before anything is sent.
TEST(SetUpSessionTest, RefusesAVariableNameThatIsNotAnIdentifier) {
  rig::testing::FakeDriver driver;
  auto conn = driver.Connect(ConnectOptions{});
  ASSERT_TRUE(conn.ok()) << conn.status();
  auto bad =
      SetUpSession(**conn, {{"autocommit = 1, GLOBAL max_connections", "5"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("is not a variable name"),
            std::string::npos)
      << bad.status();
  EXPECT_EQ(driver.plain_executes.load(), 0);
  auto good = SetUpSession(**conn, {{"tidb_txn_mode", "'pessimistic'"}});
  EXPECT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(driver.plain_executes.load(), 1);
}

TEST(SqlIdentifierTest, QuotesAndChecks) {
  EXPECT_EQ(QuoteIdentifier("rig"), "`rig`");
  EXPECT_EQ(QuoteIdentifier("a`; DROP DATABASE x; `"),
            "`a``; DROP DATABASE x; ```");
  EXPECT_TRUE(IsPlainIdentifier("tidb_txn_mode"));
  EXPECT_TRUE(IsPlainIdentifier("_x9"));
  EXPECT_FALSE(IsPlainIdentifier(""));
  EXPECT_FALSE(IsPlainIdentifier("9x"));
  EXPECT_FALSE(IsPlainIdentifier("a b"));
  EXPECT_FALSE(IsPlainIdentifier("a=1"));
  EXPECT_FALSE(IsPlainIdentifier(std::string(65, 'a')));
}

}  // namespace
}  // namespace rig::db
