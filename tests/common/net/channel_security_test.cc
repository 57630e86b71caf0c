// TLS and bearer tokens between coordinator and agents, with real gRPC
// servers on 127.0.0.1:0 and certificates made per test (tests/support/
// certs.h). Long (~570 lines): every mode (plaintext, TLS, mutual TLS,
// token) is shown both accepting and refusing, each a whole handshake.

#include "common/net/channel_security.h"

#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/base/logging.h"
#include "common/net/grpc_keepalive.h"
#include "gtest/gtest.h"
#include "rig/v1/agent.grpc.pb.h"
#include "tests/support/certs.h"

namespace rig {
namespace {

constexpr char kAgentName[] = "secure-test-agent";
constexpr char kToken[] = "tok-3f9a1c77e2b54d1d";
constexpr char kWrongToken[] = "wrong-token-8b1e55d0c4a2";

// A count that tests can wait for: the client may see a refused call's status
// before its handler has run.
class Counter {
 public:
  void Increment() {
    std::lock_guard<std::mutex> lock(mu_);
    ++value_;
    changed_.notify_all();
  }
  int Get() {
    std::lock_guard<std::mutex> lock(mu_);
    return value_;
  }
  // Waits up to 5 s for the count to reach `n`; returns the count.
  int WaitFor(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait_for(lock, std::chrono::seconds(5),
                      [&] { return value_ >= n; });
    return value_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int value_ = 0;  // guarded by mu_
};

// GetInfo answers a fixed name; Session counts the messages it reads. Both
// note whether a token reached them.
class FixedInfoService final : public rig::v1::AgentService::Service {
 public:
  grpc::Status GetInfo(grpc::ServerContext* context,
                       const rig::v1::GetInfoRequest*,
                       rig::v1::AgentInfo* info) override {
    NoteMetadata(*context);
    // A unary handler still runs on a refused call; one with side effects
    // stops here.
    if (RefusedByTokenCheck(*context)) {
      refused_unary_calls.Increment();
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "refused");
    }
    info->set_name(kAgentName);
    return grpc::Status::OK;
  }
  grpc::Status Session(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<rig::v1::AgentMessage,
                               rig::v1::CoordinatorMessage>* stream) override {
    NoteMetadata(*context);
    rig::v1::CoordinatorMessage message;
    while (stream->Read(&message)) session_messages.Increment();
    sessions_ended.Increment();
    return grpc::Status::OK;
  }

  void NoteMetadata(const grpc::ServerContext& context) {
    if (context.client_metadata().count("authorization") > 0) {
      calls_with_authorization.Increment();
    }
  }

  Counter session_messages;
  Counter sessions_ended;
  Counter refused_unary_calls;
  Counter calls_with_authorization;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

int CountOccurrences(absl::string_view text, absl::string_view needle) {
  int count = 0;
  for (size_t pos = text.find(needle); pos != absl::string_view::npos;
       pos = text.find(needle, pos + needle.size())) {
    ++count;
  }
  return count;
}

// Writes a CA, a server certificate (localhost, 127.0.0.1), a client
// certificate from that CA, and a second CA with its own client certificate,
// all EC P-256, into `dir`. Returns an empty string or the reason it failed.
class ChannelSecurityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::system("openssl version > /dev/null 2>&1") != 0) {
      setup_failure_ = new std::string(
          "the openssl CLI is not installed (scripts/install-deps installs "
          "it): cannot make test certificates");
      return;
    }
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "rig-sec-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      setup_failure_ = new std::string("cannot create a temporary directory");
      return;
    }
    dir_ = new std::string(tmpl);
    std::string failure = testing::GenerateCertificates(*dir_);
    if (!failure.empty()) {
      setup_failure_ = new std::string(failure);
      return;
    }
    LogOptions log;
    log.component = "test";
    log.file = Path("log.txt");
    absl::Status configured = ConfigureLogging(log);
    if (!configured.ok()) {
      setup_failure_ = new std::string(configured.ToString());
    }
  }

  static void TearDownTestSuite() {
    ConfigureLogging(LogOptions()).IgnoreError();  // closes the log file
    if (dir_ != nullptr) {
      std::error_code ignored;
      std::filesystem::remove_all(*dir_, ignored);
      delete dir_;
      dir_ = nullptr;
    }
    delete setup_failure_;
    setup_failure_ = nullptr;
  }

  void SetUp() override {
    ASSERT_EQ(setup_failure_, nullptr) << *setup_failure_;
  }

  void TearDown() override {
    if (server_ != nullptr) {
      server_->Shutdown(std::chrono::system_clock::now() +
                        std::chrono::seconds(5));
      server_->Wait();
    }
  }

  static std::string Path(absl::string_view name) {
    return absl::StrCat(*dir_, "/", name);
  }

  static SecurityOptions ServerTls() {
    SecurityOptions options;
    options.tls.cert = Path("server.pem");
    options.tls.key = Path("server.key");
    return options;
  }
  static SecurityOptions ServerMutualTls() {
    SecurityOptions options = ServerTls();
    options.tls.ca = Path("ca.pem");
    options.require_client_cert = true;
    return options;
  }
  static SecurityOptions ClientTls(absl::string_view ca = "ca.pem") {
    SecurityOptions options;
    options.tls.ca = Path(ca);
    return options;
  }
  static SecurityOptions ClientMutualTls(absl::string_view cert = "client") {
    SecurityOptions options = ClientTls();
    options.tls.cert = Path(absl::StrCat(cert, ".pem"));
    options.tls.key = Path(absl::StrCat(cert, ".key"));
    return options;
  }

  // Serves FixedInfoService on 127.0.0.1 with a free port.
  void StartServer(const SecurityOptions& options) {
    auto credentials = MakeServerCredentials(options);
    ASSERT_TRUE(credentials.ok()) << credentials.status();
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", *credentials, &port_);
    ApplyServerKeepalive(builder);
    ApplyServerSecurity(options, &builder);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port_, 0);
  }

  // Always dials 127.0.0.1: resolving "localhost" leaks in Debian's c-ares
  // 1.18.1 (c-ares issue #439), which LeakSanitizer reports. The certificate's
  // DNS name is checked through ApplyChannelSecurityArgs' name override.
  std::shared_ptr<grpc::Channel> Dial(const SecurityOptions& options) {
    auto credentials = MakeChannelCredentials(options);
    EXPECT_TRUE(credentials.ok()) << credentials.status();
    if (!credentials.ok()) return nullptr;
    grpc::ChannelArguments args = ClientChannelArguments();
    ApplyChannelSecurityArgs(options, &args);
    return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port_),
                                     *credentials, args);
  }

  // One GetInfo call with a 5 s deadline; on success checks the answer.
  grpc::Status CallGetInfo(const SecurityOptions& options) {
    std::shared_ptr<grpc::Channel> channel = Dial(options);
    if (channel == nullptr) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "no channel");
    }
    auto stub = rig::v1::AgentService::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
    AddAuthToken(options, &context);
    rig::v1::AgentInfo info;
    grpc::Status status =
        stub->GetInfo(&context, rig::v1::GetInfoRequest(), &info);
    if (status.ok()) {
      EXPECT_EQ(info.name(), kAgentName);
    }
    return status;
  }

  static std::string LogText() { return ReadFile(Path("log.txt")); }

  static inline std::string* dir_ = nullptr;
  static inline std::string* setup_failure_ = nullptr;

  FixedInfoService service_;  // outlives server_
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// Prints a status in failure messages.
std::string Describe(const grpc::Status& status) {
  return absl::StrCat("code ", status.error_code(), ": ",
                      status.error_message());
}

TEST_F(ChannelSecurityTest, PlaintextWorks) {
  StartServer(SecurityOptions());
  grpc::Status status = CallGetInfo(SecurityOptions());
  EXPECT_TRUE(status.ok()) << Describe(status);
}

TEST_F(ChannelSecurityTest, TlsWorksAndRefusesPlaintextClient) {
  StartServer(ServerTls());
  grpc::Status status = CallGetInfo(ClientTls());
  EXPECT_TRUE(status.ok()) << Describe(status);

  status = CallGetInfo(SecurityOptions());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << Describe(status);
}

TEST_F(ChannelSecurityTest, TlsClientWithWrongCaIsRefused) {
  StartServer(ServerTls());
  grpc::Status status = CallGetInfo(ClientTls("other_ca.pem"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << Describe(status);
}

TEST_F(ChannelSecurityTest, TlsServerNameOverrideIsVerified) {
  StartServer(ServerTls());
  SecurityOptions client = ClientTls();
  client.server_name = "localhost";
  grpc::Status status = CallGetInfo(client);
  EXPECT_TRUE(status.ok()) << Describe(status);

  client.server_name = "not-this-server.example";
  status = CallGetInfo(client);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << Describe(status);
}

TEST_F(ChannelSecurityTest, MutualTlsWorksWithClientCertificate) {
  StartServer(ServerMutualTls());
  grpc::Status status = CallGetInfo(ClientMutualTls());
  EXPECT_TRUE(status.ok()) << Describe(status);
}

TEST_F(ChannelSecurityTest, MutualTlsRefusesClientWithoutCertificate) {
  StartServer(ServerMutualTls());
  grpc::Status status = CallGetInfo(ClientTls());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << Describe(status);
}

TEST_F(ChannelSecurityTest, MutualTlsRefusesClientCertificateFromOtherCa) {
  StartServer(ServerMutualTls());
  grpc::Status status = CallGetInfo(ClientMutualTls("other_client"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << Describe(status);
}

TEST_F(ChannelSecurityTest, TlsServerWithCaAcceptsClientsWithAndWithoutCert) {
  SecurityOptions server = ServerTls();
  server.tls.ca = Path("ca.pem");  // verify a certificate if one is presented
  StartServer(server);
  grpc::Status status = CallGetInfo(ClientTls());
  EXPECT_TRUE(status.ok()) << Describe(status);
  status = CallGetInfo(ClientMutualTls());
  EXPECT_TRUE(status.ok()) << Describe(status);
  status = CallGetInfo(ClientMutualTls("other_client"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << Describe(status);
}

TEST_F(ChannelSecurityTest, RightTokenIsAccepted) {
  SecurityOptions options;
  options.token = kToken;
  StartServer(options);
  grpc::Status status = CallGetInfo(options);
  EXPECT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(service_.refused_unary_calls.Get(), 0);
  EXPECT_EQ(service_.calls_with_authorization.Get(), 0)
      << "the handler saw the token";
}

TEST_F(ChannelSecurityTest, BearerSchemeIsCaseInsensitive) {
  SecurityOptions options;
  options.token = kToken;
  StartServer(options);
  auto stub = rig::v1::AgentService::NewStub(Dial(SecurityOptions()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  context.AddMetadata("authorization", absl::StrCat("bearer ", kToken));
  rig::v1::AgentInfo info;
  grpc::Status status = stub->GetInfo(&context, {}, &info);
  EXPECT_TRUE(status.ok()) << Describe(status);
}

TEST_F(ChannelSecurityTest, WrongTokenIsRejectedWithoutRevealingIt) {
  SecurityOptions server;
  server.token = kToken;
  StartServer(server);
  const int logged_before = CountOccurrences(LogText(), "refused call");

  SecurityOptions client;
  client.token = kWrongToken;
  grpc::Status status = CallGetInfo(client);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << Describe(status);
  EXPECT_EQ(status.error_message(), kAuthRejectedMessage);
  EXPECT_FALSE(absl::StrContains(status.error_message(), kWrongToken));
  EXPECT_FALSE(absl::StrContains(status.error_details(), kWrongToken));
  // The handler still ran, saw the refusal and no token.
  EXPECT_EQ(service_.refused_unary_calls.WaitFor(1), 1);
  EXPECT_EQ(service_.calls_with_authorization.Get(), 0);

  // Logged once per rejected call, with the peer, without any token.
  const std::string log = LogText();
  EXPECT_EQ(CountOccurrences(log, "refused call"), logged_before + 1) << log;
  EXPECT_TRUE(absl::StrContains(log, "from ipv4:127.0.0.1:")) << log;
  EXPECT_TRUE(absl::StrContains(log, "/rig.v1.AgentService/GetInfo")) << log;
  EXPECT_FALSE(absl::StrContains(log, kWrongToken)) << log;
  EXPECT_FALSE(absl::StrContains(log, kToken)) << log;
}

TEST_F(ChannelSecurityTest, MissingTokenIsRejected) {
  SecurityOptions server;
  server.token = kToken;
  StartServer(server);
  const int logged_before = CountOccurrences(LogText(), "refused call");
  for (int i = 0; i < 2; ++i) {
    grpc::Status status = CallGetInfo(SecurityOptions());
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << Describe(status);
    EXPECT_EQ(status.error_message(), kAuthRejectedMessage);
  }
  const std::string log = LogText();
  EXPECT_EQ(CountOccurrences(log, "refused call"), logged_before + 2) << log;
  EXPECT_TRUE(absl::StrContains(log, "no bearer token")) << log;
}

TEST_F(ChannelSecurityTest, RejectedStreamDeliversNothingToTheHandler) {
  SecurityOptions server;
  server.token = kToken;
  StartServer(server);
  SecurityOptions client;
  client.token = kWrongToken;
  auto stub = rig::v1::AgentService::NewStub(Dial(client));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  AddAuthToken(client, &context);
  auto stream = stub->Session(&context);
  rig::v1::CoordinatorMessage message;
  message.mutable_start()->set_run_id("must-not-start");
  stream->Write(message);  // may fail: the server has refused the call
  stream->WritesDone();
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << Describe(status);
  ASSERT_EQ(service_.sessions_ended.WaitFor(1), 1);
  EXPECT_EQ(service_.session_messages.Get(), 0);
  EXPECT_EQ(service_.calls_with_authorization.Get(), 0);
}

TEST_F(ChannelSecurityTest, TokenWorksOverMutualTls) {
  SecurityOptions server = ServerMutualTls();
  server.token = kToken;
  StartServer(server);
  SecurityOptions client = ClientMutualTls();
  client.token = kToken;
  grpc::Status status = CallGetInfo(client);
  EXPECT_TRUE(status.ok()) << Describe(status);

  client.token = kWrongToken;
  status = CallGetInfo(client);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << Describe(status);
  EXPECT_FALSE(absl::StrContains(status.error_message(), kWrongToken));
}

TEST_F(ChannelSecurityTest, ServerWithoutTokenIgnoresOne) {
  StartServer(SecurityOptions());
  SecurityOptions client;
  client.token = kToken;
  grpc::Status status = CallGetInfo(client);
  EXPECT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(service_.refused_unary_calls.Get(), 0);
}

TEST_F(ChannelSecurityTest, ClientCannotForgeTheRefusedMarker) {
  SecurityOptions options;
  options.token = kToken;
  StartServer(options);
  auto stub = rig::v1::AgentService::NewStub(Dial(SecurityOptions()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  AddAuthToken(options, &context);
  context.AddMetadata("rig-token-refused", "1");
  rig::v1::AgentInfo info;
  grpc::Status status = stub->GetInfo(&context, {}, &info);
  EXPECT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(service_.refused_unary_calls.Get(), 0);
}

TEST_F(ChannelSecurityTest, TokenIsNeverLogged) {
  SecurityOptions options;
  options.token = "registered-secret-5d2e";
  ASSERT_TRUE(MakeChannelCredentials(options).ok());
  RIG_LOG(Info) << "marker-7 " << options.token;
  const std::string log = LogText();
  EXPECT_TRUE(absl::StrContains(log, "marker-7 ***")) << log;
  EXPECT_FALSE(absl::StrContains(log, options.token)) << log;
}

TEST_F(ChannelSecurityTest, ServerCredentialErrorsNameTheProblem) {
  SecurityOptions options = ServerTls();
  options.tls.cert = "/nonexistent/x/y.pem";
  auto result = MakeServerCredentials(options);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(result.status().message(),
            "cannot read TLS certificate /nonexistent/x/y.pem: No such file "
            "or directory");

  options = ServerTls();
  options.tls.key = "/nonexistent/k.pem";
  EXPECT_EQ(MakeServerCredentials(options).status().message(),
            "cannot read TLS private key /nonexistent/k.pem: No such file or "
            "directory");

  options = ServerMutualTls();
  options.tls.ca = "/nonexistent/ca.pem";
  EXPECT_EQ(MakeServerCredentials(options).status().message(),
            "cannot read TLS CA certificate /nonexistent/ca.pem: No such file "
            "or directory");

  options = ServerTls();
  options.tls.cert = Path("junk.pem");
  result = MakeServerCredentials(options);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(result.status().message(), "not a PEM file"))
      << result.status();

  options = ServerTls();
  options.tls.cert = *dir_;  // a directory
  result = MakeServerCredentials(options);
  EXPECT_TRUE(absl::StrContains(result.status().message(), "Is a directory"))
      << result.status();

  options = ServerTls();
  options.tls.cert.clear();
  result = MakeServerCredentials(options);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      absl::StrContains(result.status().message(), "without a TLS certificate"))
      << result.status();

  options = ServerTls();
  options.tls.key.clear();
  EXPECT_TRUE(
      absl::StrContains(MakeServerCredentials(options).status().message(),
                        "without its private key"));

  options = ServerTls();
  options.require_client_cert = true;
  result = MakeServerCredentials(options);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(result.status().message(), "no TLS CA"))
      << result.status();

  options = SecurityOptions();
  options.tls.ca = Path("ca.pem");
  EXPECT_FALSE(MakeServerCredentials(options).ok());

  options = SecurityOptions();
  options.token = "two words";
  result = MakeServerCredentials(options);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(absl::StrContains(result.status().message(), "two words"));
}

TEST_F(ChannelSecurityTest, ChannelCredentialErrorsNameTheProblem) {
  SecurityOptions options = ClientTls();
  options.tls.ca = "/nonexistent/ca.pem";
  EXPECT_EQ(MakeChannelCredentials(options).status().message(),
            "cannot read TLS CA certificate /nonexistent/ca.pem: No such file "
            "or directory");

  options = ClientMutualTls();
  options.tls.cert = "/nonexistent/c.pem";
  EXPECT_EQ(MakeChannelCredentials(options).status().message(),
            "cannot read TLS certificate /nonexistent/c.pem: No such file or "
            "directory");

  options = ClientMutualTls();
  options.tls.cert.clear();
  auto result = MakeChannelCredentials(options);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(result.status().message(),
                                "without a client certificate"))
      << result.status();

  options = ClientMutualTls();
  options.tls.key.clear();
  EXPECT_TRUE(
      absl::StrContains(MakeChannelCredentials(options).status().message(),
                        "without its private key"));

  options = SecurityOptions();
  options.token = "line\nbreak";
  EXPECT_EQ(MakeChannelCredentials(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace rig
