// The database drivers' contract (agent/db/connection.h), against a real
// MariaDB started here with TLS available: both drivers (Connector/C, the
// default, and mysqlcppconn) must give the same answers, the same error
// codes and SQLSTATEs, and the same clear connect errors, since the
// workloads, the retry policy and the reports rely on them.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/db/drivers.h"
#include "agent/db/mariadb_driver.h"
#include "agent/resilience/error_class.h"
#include "common/base/error_context.h"
#include "tests/support/mariadb_server.h"

namespace rig {
namespace {

using testing::MariaDbServer;

MariaDbServer* server = nullptr;
std::string* start_error = nullptr;

class DriverTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    if (server != nullptr || start_error != nullptr) return;
    MariaDbServer::Options options;
    options.tls_certificate = "server";
    auto started = MariaDbServer::Start(options);
    if (!started.ok()) {
      start_error = new std::string(started.status().ToString());
      return;
    }
    server = started->release();
  }

  void SetUp() override {
    ASSERT_NE(server, nullptr) << "private MariaDB did not start: "
                               << (start_error ? *start_error : "");
    auto driver = db::NewDriver(GetParam());
    ASSERT_TRUE(driver.ok()) << driver.status();
    driver_ = std::move(*driver);
    scope_ = driver_->AttachThread();
  }

  db::ConnectOptions Options() const {
    db::ConnectOptions o;
    o.host = server->host();
    o.port = server->port();
    o.user = server->user();
    o.password = server->password();
    o.database = server->database();
    return o;
  }

  std::unique_ptr<db::Connection> Connect(db::ConnectOptions o) {
    auto c = driver_->Connect(o);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? std::move(*c) : nullptr;
  }

  // The first column of the first row of `sql`.
  static std::string One(db::Connection& c, const std::string& sql) {
    auto rows = c.Query(sql);
    if (!rows.ok()) return absl::StrCat("error: ", rows.status().ToString());
    if (rows->empty() || (*rows)[0].empty()) return "no rows";
    return (*rows)[0][0].value_or("NULL");
  }

  // A table of this test and driver, empty.
  std::string Table(db::Connection& c, const std::string& columns) {
    const std::string name = absl::StrCat(
        "drv_", GetParam(), "_",
        ::testing::UnitTest::GetInstance()->current_test_info()->line());
    EXPECT_TRUE(c.Execute("DROP TABLE IF EXISTS " + name).ok());
    EXPECT_TRUE(
        c.Execute(absl::StrCat("CREATE TABLE ", name, " (", columns, ")"))
            .ok());
    return name;
  }

  static int Code(const absl::Status& s) {
    auto e = GetServerError(s);
    return e ? e->code : 0;
  }
  static std::string SqlState(const absl::Status& s) {
    auto e = GetServerError(s);
    return e ? e->sqlstate : "";
  }
  // The error class the load runner gives `s` (no plan overrides).
  static const char* ClassOf(const absl::Status& s) {
    return agent::ErrorClassName(agent::Classify(s));
  }
  static int64_t MillisSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now() - t0)
        .count();
  }

  std::unique_ptr<db::Driver> driver_;
  std::unique_ptr<db::ThreadScope> scope_;
};

TEST_P(DriverTest, ConnectsWithItsIdAndSessionVariables) {
  db::ConnectOptions o = Options();
  o.session_vars["max_join_size"] = "12345";
  auto c = Connect(o);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(absl::StrCat(c->id()), One(*c, "SELECT CONNECTION_ID()"));
  EXPECT_EQ(One(*c, "SELECT @@SESSION.max_join_size"), "12345");
  EXPECT_EQ(One(*c, "SELECT DATABASE()"), server->database());
  auto info = db::DetectServer(*c);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->flavor, "mariadb");
}

TEST_P(DriverTest, ExecuteCountsAndQueryReturnsRowsWithNulls) {
  auto c = Connect(Options());
  ASSERT_NE(c, nullptr);
  const std::string t =
      Table(*c, "id INT PRIMARY KEY, v VARCHAR(32) CHARACTER SET utf8mb4 NULL");
  auto n = c->Execute(absl::StrCat("INSERT INTO ", t,
                                   " VALUES (1, 'a'), (2, NULL), (3, '日本')"));
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 3);
  n = c->Execute(absl::StrCat("UPDATE ", t, " SET v = 'z' WHERE id <= 2"));
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 2);
  n = c->Execute(absl::StrCat("SELECT * FROM ", t));
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 3);  // rows read
  ASSERT_TRUE(
      c->Execute(absl::StrCat("UPDATE ", t, " SET v = NULL WHERE id = 2"))
          .ok());
  auto rows = c->Query(absl::StrCat("SELECT id, v FROM ", t, " ORDER BY id"));
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0], (db::Row{"1", "z"}));
  EXPECT_EQ((*rows)[1], (db::Row{"2", std::nullopt}));
  EXPECT_EQ((*rows)[2], (db::Row{"3", "日本"}));  // utf8 round trip
  // A statement without a result: no rows.
  auto none = c->Query("DO 1");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());
}

// Whether a statement returned a result set (sysbench's "read", even with
// no row found), through Execute(sql), a prepared statement and the text
// protocol's statement alike.
TEST_P(DriverTest, EachStatementSaysWhetherItReturnedAResultSet) {
  for (auto protocol :
       {db::StatementProtocol::kPrepared, db::StatementProtocol::kText}) {
    SCOPED_TRACE(protocol == db::StatementProtocol::kText ? "text"
                                                          : "prepared");
    db::ConnectOptions o = Options();
    o.protocol = protocol;
    auto c = Connect(o);
    ASSERT_NE(c, nullptr);
    const std::string t = Table(*c, "id INT PRIMARY KEY, v INT");
    ASSERT_TRUE(c->Execute("BEGIN").ok());
    EXPECT_EQ(c->returned_rows(), false);
    ASSERT_TRUE(c->Execute(absl::StrCat("SELECT * FROM ", t)).ok());
    EXPECT_EQ(c->returned_rows(), true);  // no row, still a result set
    ASSERT_TRUE(c->Execute("COMMIT").ok());
    EXPECT_EQ(c->returned_rows(), false);
    auto insert = c->Prepare(absl::StrCat("INSERT INTO ", t, " VALUES (?, 1)"));
    auto select =
        c->Prepare(absl::StrCat("SELECT v FROM ", t, " WHERE id = ?"));
    auto update =
        c->Prepare(absl::StrCat("UPDATE ", t, " SET v = 2 WHERE id = ?"));
    ASSERT_TRUE(insert.ok() && select.ok() && update.ok());
    ASSERT_TRUE((*insert)->Execute({db::Value(int64_t{1})}).ok());
    EXPECT_EQ((*insert)->returned_rows(), false);
    auto found = (*select)->Execute({db::Value(int64_t{1})});
    ASSERT_TRUE(found.ok()) << found.status();
    EXPECT_EQ(*found, 1);
    EXPECT_EQ((*select)->returned_rows(), true);
    ASSERT_TRUE((*select)->Execute({db::Value(int64_t{7})}).ok());
    EXPECT_EQ((*select)->returned_rows(), true);  // none found
    auto changed = (*update)->Execute({db::Value(int64_t{7})});
    ASSERT_TRUE(changed.ok()) << changed.status();
    EXPECT_EQ(*changed, 0);
    EXPECT_EQ((*update)->returned_rows(), false);
  }
}

TEST_P(DriverTest, PreparedStatementsRunManyTimesWithChangingParameters) {
  auto c = Connect(Options());
  ASSERT_NE(c, nullptr);
  const std::string t = Table(*c, "id BIGINT PRIMARY KEY, v TEXT");
  auto insert = c->Prepare(absl::StrCat("INSERT INTO ", t, " VALUES (?, ?)"));
  ASSERT_TRUE(insert.ok()) << insert.status();
  // Strings that grow past and shrink below the bound buffer's size.
  const std::vector<std::string> values = {"a", std::string(300, 'b'), "",
                                           std::string(5000, 'c'), "dd"};
  for (int64_t i = 1; i <= 100; ++i) {
    auto n = (*insert)->Execute(
        {db::Value(i),
         db::Value(values[static_cast<size_t>(i) % values.size()])});
    ASSERT_TRUE(n.ok()) << i << ": " << n.status();
    EXPECT_EQ(*n, 1);
  }
  EXPECT_EQ(One(*c, absl::StrCat("SELECT SUM(LENGTH(v)) FROM ", t)),
            absl::StrCat(20 * (1 + 300 + 0 + 5000 + 2)));
  // Every row holds exactly the value sent with it (no stale buffer).
  EXPECT_EQ(One(*c, absl::StrCat(
                        "SELECT COUNT(*) FROM ", t,
                        " WHERE v = ELT(id % 5 + 1, 'a', REPEAT('b', 300), '', "
                        "REPEAT('c', 5000), 'dd')")),
            "100");

  auto range = c->Prepare(
      absl::StrCat("SELECT id, v FROM ", t, " WHERE id BETWEEN ? AND ?"));
  ASSERT_TRUE(range.ok()) << range.status();
  for (int64_t lo = 1; lo <= 91; lo += 10) {
    auto n = (*range)->Execute({db::Value(lo), db::Value(lo + 9)});
    ASSERT_TRUE(n.ok()) << n.status();
    EXPECT_EQ(*n, 10);
  }
  auto n =
      (*range)->Execute({db::Value(int64_t{200}), db::Value(int64_t{300})});
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 0);
  // A parameter that changes type between executions.
  n = (*range)->Execute(
      {db::Value(std::string("95")), db::Value(int64_t{100})});
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 6);

  auto update =
      c->Prepare(absl::StrCat("UPDATE ", t, " SET v = ? WHERE id <= ?"));
  ASSERT_TRUE(update.ok()) << update.status();
  n = (*update)->Execute({db::Value(std::string("x")), db::Value(int64_t{3})});
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 3);  // rows changed
}

// StatementProtocol::kText: parameters written into the SQL text, strings
// escaped by the client library, so any value comes back byte for byte, and
// the server sees text statements only (no Com_stmt_*).
TEST_P(DriverTest, TextProtocolWritesEveryValueExactly) {
  db::ConnectOptions o = Options();
  o.protocol = db::StatementProtocol::kText;
  auto c = Connect(o);
  ASSERT_NE(c, nullptr);
  const std::string t = Table(*c, "id BIGINT PRIMARY KEY, v LONGBLOB");
  auto insert = c->Prepare(absl::StrCat("INSERT INTO ", t, " VALUES (?, ?)"));
  ASSERT_TRUE(insert.ok()) << insert.status();
  const std::vector<std::string> values = {"plain",
                                           "it's",
                                           "quote\"d",
                                           "back\\slash\\",
                                           "' OR 1=1 -- ",
                                           std::string("nul\0byte", 8),
                                           "new\nline\r\x1a",
                                           "日本語",
                                           "?",
                                           "",
                                           std::string(5000, '\''),
                                           "\xff\xfe not utf-8"};
  const std::vector<int64_t> ids = {
      INT64_MIN, -1, 0, 1, 42, 1000, 1001, 1002, 1003, 1004, 1005, INT64_MAX};
  for (size_t i = 0; i < values.size(); ++i) {
    auto n = (*insert)->Execute({db::Value(ids[i]), db::Value(values[i])});
    ASSERT_TRUE(n.ok()) << i << ": " << n.status();
    EXPECT_EQ(*n, 1);
  }
  auto rows = c->Query(absl::StrCat("SELECT id, v FROM ", t, " ORDER BY id"));
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {  // ids are in order
    EXPECT_EQ((*rows)[i][0].value_or(""), absl::StrCat(ids[i]));
    EXPECT_EQ((*rows)[i][1].value_or("NULL"), values[i]) << i;
  }
  // With NO_BACKSLASH_ESCAPES a backslash is an ordinary character: the
  // library escapes for the server's mode.
  ASSERT_TRUE(c->Execute("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'").ok());
  auto more = (*insert)->Execute(
      {db::Value(int64_t{2000}), db::Value(std::string("a\\'b\\"))});
  ASSERT_TRUE(more.ok()) << more.status();
  EXPECT_EQ(One(*c, absl::StrCat("SELECT HEX(v) FROM ", t, " WHERE id = 2000")),
            "615C27625C");  // a, backslash, quote, b, backslash
  // A `?` in a literal or a comment is not a parameter.
  auto select = c->Prepare(absl::StrCat("SELECT '?', v /* ? */ FROM ", t,
                                        " WHERE id BETWEEN ? AND ?"));
  ASSERT_TRUE(select.ok()) << select.status();
  auto n = (*select)->Execute({db::Value(int64_t{0}), db::Value(int64_t{42})});
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 3);
  auto wrong = (*select)->Execute({db::Value(int64_t{0})});
  EXPECT_FALSE(wrong.ok());
  auto executes = c->Query("SHOW SESSION STATUS LIKE 'Com_stmt_%'");
  ASSERT_TRUE(executes.ok()) << executes.status();
  for (const auto& row : *executes) {
    EXPECT_EQ(row[1].value_or(""), "0") << row[0].value_or("");
  }
}

TEST_P(DriverTest, AProcedureWithSeveralResultsLeavesTheConnectionInStep) {
  auto c = Connect(Options());
  ASSERT_NE(c, nullptr);
  const std::string p = absl::StrCat("drv_proc_", GetParam());
  ASSERT_TRUE(c->Execute("DROP PROCEDURE IF EXISTS " + p).ok());
  ASSERT_TRUE(c->Execute(absl::StrCat("CREATE PROCEDURE ", p,
                                      "() BEGIN SELECT 1 UNION SELECT 2; "
                                      "SELECT 3; END"))
                  .ok());
  auto n = c->Execute("CALL " + p + "()");
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 2);  // the first result's rows
  EXPECT_EQ(One(*c, "SELECT 'next'"), "next");
  auto rows = c->Query("CALL " + p + "()");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->size(), 2u);
  EXPECT_EQ(One(*c, "SELECT 'after query'"), "after query");
  if (GetParam() == "mariadb") {
    // Prepared, as the sql workload runs a user's CALL.
    auto call = c->Prepare("CALL " + p + "()");
    ASSERT_TRUE(call.ok()) << call.status();
    for (int i = 0; i < 3; ++i) {
      auto r = (*call)->Execute({});
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(*r, 2);
      EXPECT_EQ(One(*c, "SELECT 'in step'"), "in step");
    }
  }
}

TEST_P(DriverTest, ServerErrorsCarryCodeSqlStateAndAUsefulStatusCode) {
  auto c = Connect(Options());
  ASSERT_NE(c, nullptr);
  const std::string t = Table(*c, "id INT PRIMARY KEY");
  auto insert = c->Prepare(absl::StrCat("INSERT INTO ", t, " VALUES (?)"));
  ASSERT_TRUE(insert.ok()) << insert.status();
  ASSERT_TRUE((*insert)->Execute({db::Value(int64_t{1})}).ok());
  auto dup = (*insert)->Execute({db::Value(int64_t{1})});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(Code(dup.status()), 1062);
  EXPECT_EQ(SqlState(dup.status()), "23000");
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(dup.status().message().find("Duplicate entry"), std::string::npos)
      << dup.status();
  // The statement stays usable after an error.
  auto next = (*insert)->Execute({db::Value(int64_t{2})});
  ASSERT_TRUE(next.ok()) << next.status();

  auto syntax = c->Execute("SELEC 1");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(Code(syntax.status()), 1064);
  EXPECT_EQ(SqlState(syntax.status()), "42000");
  EXPECT_EQ(syntax.status().code(), absl::StatusCode::kInvalidArgument);

  auto missing = c->Prepare("SELECT * FROM no_such_table WHERE id = ?");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(Code(missing.status()), 1146);
  EXPECT_EQ(SqlState(missing.status()), "42S02");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);

  auto too_many =
      (*insert)->Execute({db::Value(int64_t{3}), db::Value(int64_t{4})});
  EXPECT_FALSE(too_many.ok());
  // The connection still works.
  EXPECT_EQ(One(*c, "SELECT 1"), "1");
}

TEST_P(DriverTest, ConnectErrorsNameServerAndUserButNotThePassword) {
  db::ConnectOptions o = Options();
  o.password = "definitely-wrong-pw";
  auto wrong = driver_->Connect(o);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(Code(wrong.status()), 1045);
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kPermissionDenied);
  const std::string msg(wrong.status().message());
  EXPECT_NE(msg.find(absl::StrCat("cannot connect to 127.0.0.1:",
                                  server->port(), " as ", server->user())),
            std::string::npos)
      << msg;
  EXPECT_EQ(msg.find("definitely-wrong-pw"), std::string::npos) << msg;

  o = Options();
  o.database = "no_such_db";
  auto nodb = driver_->Connect(o);
  ASSERT_FALSE(nodb.ok());
  // 1044 (no access to it) or 1049 (unknown), depending on the grants.
  EXPECT_TRUE(Code(nodb.status()) == 1049 || Code(nodb.status()) == 1044)
      << nodb.status();

  o = Options();
  o.port = 1;  // nothing listens there
  o.connect_timeout = absl::Seconds(2);
  auto refused = driver_->Connect(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable)
      << refused.status();
  EXPECT_TRUE(Code(refused.status()) == 2002 || Code(refused.status()) == 2003)
      << refused.status();
}

// Connector/C's reads are replaced by a blocking recv() on plaintext
// connections, not on TLS ones (mariadb_driver.h); text and prepared
// statements still work, with results that take many reads.
TEST_P(DriverTest, PlaintextConnectionsReadWithBlockingRecv) {
  auto c = Connect(Options());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(db::UsesBlockingReads(*c), GetParam() == "mariadb");
  EXPECT_EQ(One(*c, "SELECT LENGTH(REPEAT('x', 4000000))"), "4000000");
  auto big = c->Query("SELECT REPEAT('y', 4000000)");
  ASSERT_TRUE(big.ok()) << big.status();
  ASSERT_EQ(big->size(), 1u);
  EXPECT_EQ((*big)[0][0].value_or("").size(), 4000000u);
  auto prepared = c->Prepare("SELECT seq FROM seq_1_to_1000 WHERE seq > ?");
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  for (int64_t above : {0, 500, 999, 1000}) {
    auto n = (*prepared)->Execute({db::Value(above)});
    ASSERT_TRUE(n.ok()) << n.status();
    EXPECT_EQ(*n, 1000 - above);
  }
  if (GetParam() == "mariadb") {
    db::ConnectOptions o = Options();
    o.tls_mode = db::TlsMode::kRequired;
    auto tls = Connect(o);
    ASSERT_NE(tls, nullptr);
    EXPECT_FALSE(db::UsesBlockingReads(*tls)) << "TLS keeps the stock reads";
    EXPECT_EQ(One(*tls, "SELECT 1"), "1");
  }
}

// The connections (plaintext, and TLS where the driver has it) whose
// failures the tests below compare.
std::vector<bool> TlsModes(const std::string& driver) {
  if (driver == "mariadb") return {false, true};
  return {false};
}

// A statement slower than the read timeout fails at the read timeout as a
// lost connection, whether the connection reads with blocking recv() or
// goes through TLS (2026, the TLS layer's error), text or prepared; the
// library has closed the connection.
TEST_P(DriverTest, AReadTimeoutIsALostConnectionAtTheTimeout) {
  for (bool tls : TlsModes(GetParam())) {
    for (bool prepared : {false, true}) {
      SCOPED_TRACE(absl::StrCat(tls ? "TLS" : "plaintext", ", ",
                                prepared ? "prepared" : "text"));
      db::ConnectOptions o = Options();
      o.tls_mode = tls ? db::TlsMode::kRequired : db::TlsMode::kDisabled;
      o.read_timeout = absl::Seconds(1);
      auto c = Connect(o);
      ASSERT_NE(c, nullptr);
      EXPECT_EQ(db::UsesBlockingReads(*c), GetParam() == "mariadb" && !tls);
      std::unique_ptr<db::Statement> sleep;
      if (prepared) {
        auto s = c->Prepare("SELECT SLEEP(?)");
        ASSERT_TRUE(s.ok()) << s.status();
        sleep = std::move(*s);
      }
      const auto t0 = std::chrono::steady_clock::now();
      absl::Status slow = prepared
                              ? sleep->Execute({db::Value(int64_t{5})}).status()
                              : c->Execute("SELECT SLEEP(5)").status();
      const int64_t took_ms = MillisSince(t0);
      ASSERT_FALSE(slow.ok());
      EXPECT_EQ(Code(slow), tls ? 2026 : 2013) << slow;
      EXPECT_STREQ(ClassOf(slow), "reconnect") << slow;
      EXPECT_EQ(slow.code(), absl::StatusCode::kUnavailable) << slow;
      // One read timeout: not before it, not two of them.
      EXPECT_GE(took_ms, 900);
      EXPECT_LT(took_ms, 1800);
      auto next = c->Execute("SELECT 1");
      ASSERT_FALSE(next.ok());
      EXPECT_STREQ(ClassOf(next.status()), "reconnect") << next.status();
    }
  }
}

// A connection the server killed while it was idle fails its next
// statement at once, as a lost connection.
TEST_P(DriverTest, AKilledConnectionIsALostConnection) {
  auto admin = Connect(Options());
  ASSERT_NE(admin, nullptr);
  for (bool tls : TlsModes(GetParam())) {
    for (bool prepared : {false, true}) {
      SCOPED_TRACE(absl::StrCat(tls ? "TLS" : "plaintext", ", ",
                                prepared ? "prepared" : "text"));
      db::ConnectOptions o = Options();
      o.tls_mode = tls ? db::TlsMode::kRequired : db::TlsMode::kDisabled;
      o.read_timeout = absl::Seconds(5);
      auto c = Connect(o);
      ASSERT_NE(c, nullptr);
      auto one = c->Prepare("SELECT ?");
      ASSERT_TRUE(one.ok()) << one.status();
      ASSERT_TRUE(admin->Execute(absl::StrCat("KILL ", c->id())).ok());
      const auto t0 = std::chrono::steady_clock::now();
      absl::Status dead =
          prepared ? (*one)->Execute({db::Value(int64_t{1})}).status()
                   : c->Execute("SELECT 1").status();
      const int64_t took_ms = MillisSince(t0);
      ASSERT_FALSE(dead.ok());
      EXPECT_STREQ(ClassOf(dead), "reconnect") << dead;
      EXPECT_EQ(dead.code(), absl::StatusCode::kUnavailable) << dead;
      EXPECT_LT(took_ms, 2000) << "not a read timeout";
    }
  }
}

TEST_P(DriverTest, TlsIsUsedWhenTheTargetAsksForIt) {
  db::ConnectOptions o = Options();
  o.tls_mode = db::TlsMode::kRequired;
  auto c = driver_->Connect(o);
  ASSERT_TRUE(c.ok()) << c.status();
  auto rows = (*c)->Query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_NE((*rows)[0][1].value_or(""), "") << "not encrypted";
  // Without tls the same server is reached in the clear.
  auto plain = Connect(Options());
  ASSERT_NE(plain, nullptr);
  auto plain_rows = plain->Query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
  ASSERT_TRUE(plain_rows.ok());
  EXPECT_EQ((*plain_rows)[0][1].value_or(""), "");
}

INSTANTIATE_TEST_SUITE_P(Drivers, DriverTest,
                         ::testing::Values("mariadb", "cppconn"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace rig

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const int rc = RUN_ALL_TESTS();
  delete rig::server;  // stops it and removes its directory
  return rc;
}
