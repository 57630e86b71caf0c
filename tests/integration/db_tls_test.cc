// The security options of a database connection (target.tls_mode,
// tls_ca/cert/key, allow_clear_password) through both drivers, against private
// MariaDBs the harness starts: one with a certificate for 127.0.0.1 from a test
// CA made here, one whose certificate names another host, and one without TLS
// (have_ssl DISABLED, as Debian's mariadbd starts).
//
// What Connector/C 3.3.20 does (measured with strace and the server's
// Aborted_connects_preauth): verify-identity refuses a server without TLS
// before it sends anything; required and verify-ca log in in plaintext
// (user, database, a challenge response) and the driver closes the
// connection before any statement.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agent/db/drivers.h"
#include "common/base/error_context.h"
#include "tests/support/com_counters.h"
#include "tests/support/mariadb_server.h"

namespace rig {
namespace {

using testing::MariaDbServer;

struct Servers {
  std::unique_ptr<MariaDbServer> tls;        // certificate for 127.0.0.1
  std::unique_ptr<MariaDbServer> elsewhere;  // for db.elsewhere.invalid
  std::unique_ptr<MariaDbServer> plain;      // no TLS
  std::string error;
};
Servers* servers = nullptr;

std::unique_ptr<MariaDbServer> StartServer(const std::string& certificate,
                                           std::string* error) {
  MariaDbServer::Options options;
  options.tls_certificate = certificate;
  auto started = MariaDbServer::Start(options);
  if (!started.ok()) {
    *error += absl::StrCat(certificate.empty() ? "plain" : certificate, ": ",
                           started.status().ToString(), "\n");
    return nullptr;
  }
  return std::move(*started);
}

class TlsTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    if (servers != nullptr) return;
    servers = new Servers;
    servers->tls = StartServer("server", &servers->error);
    servers->elsewhere = StartServer("elsewhere", &servers->error);
    servers->plain = StartServer("", &servers->error);
  }

  void SetUp() override {
    ASSERT_TRUE(servers->tls && servers->elsewhere && servers->plain)
        << "private MariaDBs did not start: " << servers->error;
    auto driver = db::NewDriver(GetParam());
    ASSERT_TRUE(driver.ok()) << driver.status();
    driver_ = std::move(*driver);
    scope_ = driver_->AttachThread();
  }

  static db::ConnectOptions Options(const MariaDbServer& server,
                                    db::TlsMode mode) {
    db::ConnectOptions o;
    o.host = server.host();
    o.port = server.port();
    o.user = server.user();
    o.password = server.password();
    o.database = server.database();
    o.tls_mode = mode;
    return o;
  }
  // A CA file of `server`'s test certificates (each server has its own
  // set: "ca" signed its certificate, "other_ca" did not).
  static std::string Ca(const MariaDbServer& server, const char* name = "ca") {
    return absl::StrCat(server.cert_dir(), "/", name, ".pem");
  }

  // The session's cipher ("" in plaintext), or "error: ...".
  static std::string Cipher(db::Connection& c) {
    auto rows = c.Query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
    if (!rows.ok()) return absl::StrCat("error: ", rows.status().ToString());
    if (rows->size() != 1 || (*rows)[0].size() != 2) return "error: no row";
    return (*rows)[0][1].value_or("");
  }

  static int64_t Status(MariaDbServer& server, const std::string& name) {
    auto out = server.Sql(absl::StrCat("SHOW GLOBAL STATUS LIKE '", name, "'"));
    int64_t v = -1;
    if (out.ok()) {
      std::vector<std::string> kv = absl::StrSplit(*out, '\t');
      if (kv.size() != 2 || !absl::SimpleAtoi(kv[1], &v)) v = -1;
    }
    return v;
  }

  std::unique_ptr<db::Driver> driver_;
  std::unique_ptr<db::ThreadScope> scope_;
};

// The defect of issue 13: TLS asked for, a server without it, and the run
// went on in plaintext. Now every mode that requires TLS fails the connect
// with one line naming the target and the mode, and sends no statement.
TEST_P(TlsTest, EveryModeThatRequiresTlsRefusesAServerWithoutIt) {
  MariaDbServer& plain = *servers->plain;
  ASSERT_EQ(*plain.Sql("SELECT @@have_ssl"), "DISABLED\n");
  for (db::TlsMode mode : {db::TlsMode::kRequired, db::TlsMode::kVerifyCa,
                           db::TlsMode::kVerifyIdentity}) {
    SCOPED_TRACE(db::TlsModeName(mode));
    db::ConnectOptions o = Options(plain, mode);
    if (mode != db::TlsMode::kRequired) o.tls_ca = Ca(*servers->tls);
    auto before = testing::SettledComCounters(plain, plain.user());
    ASSERT_TRUE(before.ok()) << before.status();
    const int64_t preauth_before = Status(plain, "Aborted_connects_preauth");
    auto c = driver_->Connect(o);
    ASSERT_FALSE(c.ok()) << "connected in plaintext";
    const std::string msg(c.status().message());
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_NE(msg.find(absl::StrCat(
                  "cannot connect to 127.0.0.1:", plain.port(),
                  " as rig: target.tls_mode is ", db::TlsModeName(mode),
                  " but the server does not offer TLS")),
              std::string::npos)
        << msg;
    EXPECT_EQ(msg.find(plain.password()), std::string::npos) << msg;
    // No statement ran: no SELECT CONNECTION_ID(), no SET SESSION.
    auto after = testing::SettledComCounters(plain, plain.user());
    ASSERT_TRUE(after.ok()) << after.status();
    EXPECT_EQ(*before, *after);
    // verify-identity refuses before the login (the server saw a client
    // leave before authenticating); the others after it.
    const int64_t preauth = Status(plain, "Aborted_connects_preauth");
    if (mode == db::TlsMode::kVerifyIdentity) {
      EXPECT_EQ(preauth, preauth_before + 1);
      EXPECT_NE(msg.find("refused before the login"), std::string::npos) << msg;
    } else {
      EXPECT_EQ(preauth, preauth_before);
      EXPECT_NE(msg.find("closed after the login"), std::string::npos) << msg;
    }
  }
}

TEST_P(TlsTest, PreferredAndDisabledWorkWithOrWithoutTls) {
  // preferred: TLS where the server has it, plaintext where not.
  auto c = driver_->Connect(Options(*servers->plain, db::TlsMode::kPreferred));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(Cipher(**c), "");
  c = driver_->Connect(Options(*servers->tls, db::TlsMode::kPreferred));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_NE(Cipher(**c), "");
  // disabled: plaintext even where TLS is offered.
  c = driver_->Connect(Options(*servers->tls, db::TlsMode::kDisabled));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(Cipher(**c), "");
  c = driver_->Connect(Options(*servers->plain, db::TlsMode::kDisabled));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(Cipher(**c), "");
}

TEST_P(TlsTest, RequiredEncryptsWithoutCheckingTheCertificate) {
  for (MariaDbServer* server : {servers->tls.get(), servers->elsewhere.get()}) {
    auto c = driver_->Connect(Options(*server, db::TlsMode::kRequired));
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_NE(Cipher(**c), "");
  }
}

TEST_P(TlsTest, VerifyCaAcceptsOnlyACertificateOfItsCa) {
  db::ConnectOptions o = Options(*servers->tls, db::TlsMode::kVerifyCa);
  o.tls_ca = Ca(*servers->tls);
  auto c = driver_->Connect(o);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_NE(Cipher(**c), "");
  // The host name is not checked.
  db::ConnectOptions elsewhere =
      Options(*servers->elsewhere, db::TlsMode::kVerifyCa);
  elsewhere.tls_ca = Ca(*servers->elsewhere);
  c = driver_->Connect(elsewhere);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_NE(Cipher(**c), "");
  // Another CA: refused, saying what was expected.
  o.tls_ca = Ca(*servers->tls, "other_ca");
  c = driver_->Connect(o);
  ASSERT_FALSE(c.ok());
  const std::string msg(c.status().message());
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_NE(msg.find(absl::StrCat(
                "(target.tls_mode verify-ca: the server's certificate must "
                "be signed by the CA in target.tls_ca (",
                Ca(*servers->tls, "other_ca"), "))")),
            std::string::npos)
      << msg;
  auto code = GetServerError(c.status());
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(code->code, 2026);
}

TEST_P(TlsTest, VerifyIdentityRefusesACertificateForAnotherHost) {
  db::ConnectOptions o = Options(*servers->tls, db::TlsMode::kVerifyIdentity);
  o.tls_ca = Ca(*servers->tls);
  auto c = driver_->Connect(o);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_NE(Cipher(**c), "");
  // Signed by the CA given, but for db.elsewhere.invalid.
  db::ConnectOptions elsewhere =
      Options(*servers->elsewhere, db::TlsMode::kVerifyIdentity);
  elsewhere.tls_ca = Ca(*servers->elsewhere);
  c = driver_->Connect(elsewhere);
  ASSERT_FALSE(c.ok()) << "accepted a certificate for another host";
  std::string msg(c.status().message());
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_NE(msg.find(absl::StrCat(
                "(target.tls_mode verify-identity: the server's certificate "
                "must be signed by the CA in target.tls_ca (",
                Ca(*servers->elsewhere), ") and be issued for 127.0.0.1)")),
            std::string::npos)
      << msg;
  // The right name, another CA.
  o.tls_ca = Ca(*servers->tls, "other_ca");
  c = driver_->Connect(o);
  ASSERT_FALSE(c.ok());
  msg = std::string(c.status().message());
  EXPECT_NE(msg.find("target.tls_mode verify-identity"), std::string::npos)
      << msg;
}

TEST_P(TlsTest, AClientCertificateIsPresented) {
  MariaDbServer& server = *servers->tls;
  const std::string user = absl::StrCat("x509_", GetParam());
  ASSERT_TRUE(server
                  .Sql(absl::StrCat("CREATE USER IF NOT EXISTS '", user,
                                    "'@'127.0.0.1' IDENTIFIED BY 'pw' "
                                    "REQUIRE X509; GRANT USAGE ON *.* TO '",
                                    user, "'@'127.0.0.1'"))
                  .ok());
  db::ConnectOptions o = Options(server, db::TlsMode::kVerifyIdentity);
  o.user = user;
  o.password = "pw";
  o.database = "";
  o.tls_ca = Ca(server);
  auto without = driver_->Connect(o);
  ASSERT_FALSE(without.ok()) << "REQUIRE X509 let a login without a cert in";
  EXPECT_EQ(GetServerError(without.status())->code, 1045) << without.status();
  o.tls_cert = absl::StrCat(server.cert_dir(), "/client.pem");
  o.tls_key = absl::StrCat(server.cert_dir(), "/client.key");
  auto with = driver_->Connect(o);
  ASSERT_TRUE(with.ok()) << with.status();
  EXPECT_NE(Cipher(**with), "");
}

// A server that asks for the password itself (PAM's dialog; the same for
// mysql_clear_password) does not get it unless the plan allows it.
TEST_P(TlsTest, ThePasswordIsNotSentUnlessAllowed) {
  MariaDbServer& server = *servers->plain;
  const std::string user = absl::StrCat("pam_", GetParam());
  auto installed = server.Sql(
      "SELECT COUNT(*) FROM information_schema.PLUGINS "
      "WHERE PLUGIN_NAME = 'pam' AND PLUGIN_STATUS = 'ACTIVE'");
  ASSERT_TRUE(installed.ok()) << installed.status();
  if (*installed == "0\n") {
    auto loaded = server.Sql("INSTALL SONAME 'auth_pam'");
    if (!loaded.ok()) GTEST_SKIP() << "no PAM plugin here: " << loaded.status();
  }
  ASSERT_TRUE(server
                  .Sql(absl::StrCat("CREATE USER IF NOT EXISTS '", user,
                                    "'@'127.0.0.1' IDENTIFIED VIA pam USING "
                                    "'rig-test-none'"))
                  .ok());
  db::ConnectOptions o = Options(server, db::TlsMode::kDisabled);
  o.user = user;
  o.database = "";
  auto refused = driver_->Connect(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(GetServerError(refused.status())->code, 5010) << refused.status();
  EXPECT_NE(refused.status().message().find("restricted_auth"),
            std::string::npos)
      << refused.status();
  // Allowed: the password goes to the server, whose PAM refuses it.
  o.allow_clear_password = true;
  auto sent = driver_->Connect(o);
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(GetServerError(sent.status())->code, 1045) << sent.status();
}

INSTANTIATE_TEST_SUITE_P(Drivers, TlsTest,
                         ::testing::Values("mariadb", "cppconn"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace rig

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const int rc = RUN_ALL_TESTS();
  delete rig::servers;  // stops them and removes their directories
  return rc;
}
