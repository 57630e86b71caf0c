// TLS through the real binaries: between coordinator and agents (TLS,
// mutual TLS, the bearer token, the plaintext health port) and from the
// agents to the database (tls_mode required against a server without TLS,
// verify-identity with the text protocol). One job: what a user's TLS
// settings do end to end; split out of skeleton_test.cc.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "rig/v1/agent.grpc.pb.h"
#include "rig/v1/report.pb.h"
#include "tests/integration/real_rig.h"
#include "tests/support/certs.h"
#include "tests/support/mariadb_server.h"
#include "tests/support/process.h"

namespace rig {
namespace {

class TlsRunTest : public RealRigTest {};

// TLS, mutual TLS and the bearer token between real processes.
class SecureChannelTest : public TlsRunTest {
 protected:
  static void SetUpTestSuite() {
    TlsRunTest::SetUpTestSuite();
    if (server_ == nullptr) return;  // SetUp fails every test
    certs_ = new std::string(*dir_ + "/certs");
    ASSERT_EQ(mkdir(certs_->c_str(), 0700), 0);
    // openssl is installed by scripts/install-deps: a failure here fails
    // every test of the suite (in SetUp) instead of skipping it.
    const std::string failure = testing::GenerateCertificates(*certs_);
    if (!failure.empty()) cert_failure_ = new std::string(failure);
  }
  static void TearDownTestSuite() {
    delete certs_;
    delete cert_failure_;
    cert_failure_ = nullptr;
    TlsRunTest::TearDownTestSuite();
  }
  void SetUp() override {
    TlsRunTest::SetUp();
    ASSERT_EQ(cert_failure_, nullptr)
        << "cannot make test certificates: " << *cert_failure_;
  }
  std::string Cert(const std::string& name) const {
    return absl::StrCat(*certs_, "/", name);
  }

  // Starts an agent with `agent_flags` and env, runs a short plan with
  // `coordinator_flags` and env; returns the coordinator's result.
  absl::StatusOr<testing::CommandResult> Run(
      const std::vector<std::string>& agent_flags, testing::EnvVars agent_env,
      const std::vector<std::string>& coordinator_flags,
      testing::EnvVars coordinator_env, std::string* agent_log) {
    static int runs = 0;
    int port = 0;
    auto agent = StartAgent(absl::StrCat("secure-", ++runs), &port, agent_flags,
                            agent_env);
    if (agent == nullptr) return absl::InternalError("the agent did not start");
    const std::string plan = WritePlan(
        "secure.yaml",
        absl::StrCat(TargetYaml(),
                     "workload: {kind: oltp_point_select, table_size: 200}\n"
                     "load: {connections: 1, duration: 500ms}\n"));
    std::vector<std::string> cargs = {
        RIG_COORDINATOR_BIN, plan, "--agents", absl::StrCat("127.0.0.1:", port),
        "--connect-timeout", "3s"};
    cargs.insert(cargs.end(), coordinator_flags.begin(),
                 coordinator_flags.end());
    coordinator_env.emplace_back("RIG_DB_PASSWORD", server_->password());
    auto result =
        testing::RunCommand(cargs, absl::Seconds(60), coordinator_env);
    agent->Terminate(absl::Seconds(10));
    if (agent_log != nullptr) *agent_log = testing::ReadFile(agent->log_path());
    return result;
  }

  static std::string* certs_;
  static std::string* cert_failure_;
};

std::string* SecureChannelTest::certs_ = nullptr;
std::string* SecureChannelTest::cert_failure_ = nullptr;

TEST_F(SecureChannelTest, HealthListenServesOnlyTheHealthServiceInPlaintext) {
  int port = 0;
  auto agent =
      StartAgent("health", &port,
                 {"--tls-cert", Cert("server.pem"), "--tls-key",
                  Cert("server.key"), "--health-listen", "127.0.0.1:0"},
                 {{"RIG_AUTH_TOKEN", "s3cret-token"}});
  ASSERT_TRUE(agent);
  // The health port the kernel picked, from the agent's log (written before
  // "listening on", which StartAgent waited for).
  const int health_port =
      PortInLog(agent->log_path(), "health service (plaintext) on 127.0.0.1:");
  ASSERT_GT(health_port, 0) << testing::ReadFile(agent->log_path());
  // What the kubelet does: plaintext grpc.health.v1 Check, no token.
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", health_port),
                                     grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  auto check = [&](const std::string& service) {
    grpc::health::v1::HealthCheckRequest req;
    req.set_service(service);
    grpc::health::v1::HealthCheckResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(2));
    ctx.set_wait_for_ready(true);
    grpc::Status s = health->Check(&ctx, req, &resp);
    return s.ok() ? grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                        resp.status())
                  : absl::StrCat("error ", s.error_code(), ": ",
                                 s.error_message());
  };
  std::string live;
  for (int i = 0; i < 50 && live != "SERVING"; ++i) {
    live = check("");
    if (live != "SERVING") absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(live, "SERVING") << testing::ReadFile(agent->log_path());
  EXPECT_EQ(check("rig.v1.AgentService"), "SERVING");           // idle: ready
  EXPECT_EQ(check("no.such.Service").substr(0, 7), "error 5");  // NOT_FOUND

  // Nothing else is served there: no way around TLS and the token.
  auto stub = rig::v1::AgentService::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  rig::v1::AgentInfo info;
  const grpc::Status s = stub->GetInfo(&ctx, rig::v1::GetInfoRequest(), &info);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED)
      << s.error_message();
  agent->Terminate(absl::Seconds(10));
}

TEST_F(SecureChannelTest, TlsRunPasses) {
  auto r =
      Run({"--tls-cert", Cert("server.pem"), "--tls-key", Cert("server.key")},
          {}, {"--tls-ca", Cert("ca.pem")}, {}, nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 0) << r->stdout_text << r->stderr_text;
  // A plaintext coordinator cannot talk to a TLS agent.
  auto plain =
      Run({"--tls-cert", Cert("server.pem"), "--tls-key", Cert("server.key")},
          {}, {}, {}, nullptr);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->exit_code, 4);
}

TEST_F(SecureChannelTest, MutualTlsRequiresAClientCertificate) {
  const std::vector<std::string> agent = {"--tls-cert",
                                          Cert("server.pem"),
                                          "--tls-key",
                                          Cert("server.key"),
                                          "--tls-ca",
                                          Cert("ca.pem"),
                                          "--tls-require-client-cert"};
  auto ok = Run(agent, {},
                {"--tls-ca", Cert("ca.pem"), "--tls-cert", Cert("client.pem"),
                 "--tls-key", Cert("client.key")},
                {}, nullptr);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->exit_code, 0) << ok->stdout_text << ok->stderr_text;
  auto without = Run(agent, {}, {"--tls-ca", Cert("ca.pem")}, {}, nullptr);
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(without->exit_code, 4);
  EXPECT_NE(without->stderr_text.find("rig-coordinator: agent 127.0.0.1:"),
            std::string::npos)
      << without->stderr_text;
  EXPECT_NE(without->stderr_text.find("requires a client certificate"),
            std::string::npos)
      << without->stderr_text;
  auto stranger =
      Run(agent, {},
          {"--tls-ca", Cert("ca.pem"), "--tls-cert", Cert("other_client.pem"),
           "--tls-key", Cert("other_client.key")},
          {}, nullptr);
  ASSERT_TRUE(stranger.ok());
  EXPECT_EQ(stranger->exit_code, 4);
}

TEST_F(SecureChannelTest, WrongTokenIsRejectedAndNeverShown) {
  std::string agent_log;
  auto ok = Run({}, {{"RIG_AUTH_TOKEN", "s3cret-token"}}, {},
                {{"RIG_AUTH_TOKEN", "s3cret-token"}}, &agent_log);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->exit_code, 0) << ok->stdout_text << ok->stderr_text;
  auto wrong = Run({}, {{"RIG_AUTH_TOKEN", "s3cret-token"}}, {},
                   {{"RIG_AUTH_TOKEN", "guessed-token"}}, &agent_log);
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->exit_code, 4);
  EXPECT_NE(wrong->stderr_text.find("missing or wrong bearer token"),
            std::string::npos)
      << wrong->stderr_text;
  for (const std::string* text :
       {&wrong->stdout_text, &wrong->stderr_text, &agent_log}) {
    EXPECT_EQ(text->find("s3cret-token"), std::string::npos) << *text;
    EXPECT_EQ(text->find("guessed-token"), std::string::npos) << *text;
  }
  EXPECT_NE(agent_log.find("refused call"), std::string::npos) << agent_log;
  auto missing = Run({}, {{"RIG_AUTH_TOKEN", "s3cret-token"}}, {}, {}, nullptr);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->exit_code, 4);
  // A token for an agent that checks none: it runs, with a warning.
  auto needless =
      Run({}, {}, {}, {{"RIG_AUTH_TOKEN", "s3cret-token"}}, nullptr);
  ASSERT_TRUE(needless.ok());
  EXPECT_EQ(needless->exit_code, 0) << needless->stderr_text;
  EXPECT_NE(needless->stderr_text.find("requires no token"), std::string::npos)
      << needless->stderr_text;
}

// TLS on one side only, or a certificate from another CA: named at once by
// what is wrong, not after the connect timeout as "no answer".
TEST_F(SecureChannelTest, MismatchedTlsIsNamedByItsCause) {
  const std::vector<std::string> tls_agent = {"--tls-cert", Cert("server.pem"),
                                              "--tls-key", Cert("server.key")};
  auto plaintext_to_tls = Run(tls_agent, {}, {}, {}, nullptr);
  ASSERT_TRUE(plaintext_to_tls.ok());
  EXPECT_EQ(plaintext_to_tls->exit_code, 4);
  EXPECT_NE(plaintext_to_tls->stderr_text.find(
                "the port does not speak plaintext gRPC"),
            std::string::npos)
      << plaintext_to_tls->stderr_text;
  auto tls_to_plaintext =
      Run({}, {}, {"--tls-ca", Cert("ca.pem")}, {}, nullptr);
  ASSERT_TRUE(tls_to_plaintext.ok());
  EXPECT_EQ(tls_to_plaintext->exit_code, 4);
  EXPECT_NE(tls_to_plaintext->stderr_text.find("no TLS handshake"),
            std::string::npos)
      << tls_to_plaintext->stderr_text;
  auto untrusted =
      Run(tls_agent, {}, {"--tls-ca", Cert("other_ca.pem")}, {}, nullptr);
  ASSERT_TRUE(untrusted.ok());
  EXPECT_EQ(untrusted->exit_code, 4);
  EXPECT_NE(untrusted->stderr_text.find("is not trusted by --tls-ca"),
            std::string::npos)
      << untrusted->stderr_text;
  for (const auto* run : {&plaintext_to_tls, &tls_to_plaintext, &untrusted}) {
    EXPECT_EQ((*run)->stderr_text.find("no answer within"), std::string::npos)
        << (*run)->stderr_text;
  }
}

// Lines of `text` that contain `what`.
std::vector<std::string> LinesWith(const std::string& text,
                                   const std::string& what) {
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StrContains(line, what)) out.emplace_back(line);
  }
  return out;
}

// Issue 13's defect through the real binaries: TLS required (here with
// --set) against the suite's MariaDB, which has none, fails the run in
// Connecting with a line naming the target and the mode; nothing ran in
// plaintext. A TLS file the agent cannot read is named before it connects.
TEST_F(TlsRunTest, TlsRequiredAgainstAServerWithoutTlsFailsTheRun) {
  ASSERT_EQ(*server_->Sql("SELECT @@have_ssl"), "DISABLED\n");
  int port = 0;
  auto agent = StartAgent("tls-agent", &port);
  ASSERT_NE(agent, nullptr);
  const std::string plan = WritePlan(
      "tls-required.yaml",
      absl::StrCat(TargetYaml(),
                   "workload: {kind: oltp_point_select, table_size: 100}\n"
                   "load: {connections: 1, duration: 1s}\n"));
  const std::string agents = absl::StrCat("127.0.0.1:", port);
  auto run = Coordinator(
      {plan, "--agents", agents, "--set", "target.tls_mode=required"},
      server_->password());
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 4);
  const std::string out = run->stdout_text + run->stderr_text;
  const std::vector<std::string> lines = LinesWith(out, "does not offer TLS");
  ASSERT_FALSE(lines.empty()) << out;
  EXPECT_NE(lines[0].find(absl::StrCat(
                "cannot connect to 127.0.0.1:", server_->port(),
                " as rig: target.tls_mode is required but the server does "
                "not offer TLS")),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("Connecting"), std::string::npos) << lines[0];
  EXPECT_NE(out.find(", 0.0s measured"), std::string::npos)
      << "it ran: " << out;

  run =
      Coordinator({plan, "--agents", agents, "--set",
                   "target={tls_mode: verify-ca, tls_ca: /nonexistent/ca.pem}"},
                  server_->password());
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 4);
  const std::string missing = run->stdout_text + run->stderr_text;
  EXPECT_NE(missing.find("\"target.tls_ca\": cannot read "
                         "\"/nonexistent/ca.pem\": No such file or directory"),
            std::string::npos)
      << missing;
  EXPECT_NE(missing.find("Initializing"), std::string::npos) << missing;
}

// A TLS database verified by name, through the real binaries, with the
// statements sent as text: the run passes and the server counted TLS
// sessions and no prepared statement.
TEST_F(TlsRunTest, VerifyIdentityAndTextProtocolRunPasses) {
  MariaDbServer::Options options;
  options.tls_certificate = "server";
  auto db = MariaDbServer::Start(options);
  ASSERT_TRUE(db.ok()) << db.status();
  int port = 0;
  auto agent = StartAgent("tls-text-agent", &port);
  ASSERT_NE(agent, nullptr);
  const std::string plan = WritePlan(
      "tls-verify.yaml",
      absl::StrCat("target: {host: 127.0.0.1, port: ", (*db)->port(),
                   ", user: rig, database: rig, tls_mode: verify-identity, "
                   "tls_ca: ",
                   (*db)->cert_dir(), "/ca.pem, protocol: text}\n",
                   "workload: {kind: oltp_point_select, table_size: 100}\n"
                   "load: {connections: 2, duration: 1s}\n"));
  auto run = Coordinator({plan, "--agents", absl::StrCat("127.0.0.1:", port)},
                         (*db)->password());
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 0) << run->stdout_text << run->stderr_text;
  auto status = (*db)->Sql(
      "SHOW GLOBAL STATUS WHERE Variable_name IN ('Ssl_accepts', "
      "'Com_stmt_execute')");
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_NE(status->find("Com_stmt_execute\t0\n"), std::string::npos)
      << *status;
  EXPECT_EQ(status->find("Ssl_accepts\t0\n"), std::string::npos) << *status;
}

}  // namespace
}  // namespace rig
