#include "common/net/channel_security.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/base/logging.h"
#include "common/base/status_macros.h"
#include "grpc/grpc.h"

namespace rig {
namespace {

constexpr char kAuthorizationKey[] = "authorization";
// Added to the metadata the handler sees when the check refused the call.
constexpr char kRefusedMarkerKey[] = "rig-token-refused";
constexpr absl::string_view kBearerScheme = "bearer ";

// Reads a whole PEM file. `what` names its role in errors ("TLS certificate").
absl::StatusOr<std::string> ReadPemFile(absl::string_view what,
                                        const std::string& path) {
  std::string context = absl::StrCat("cannot read ", what, " ", path);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, context);
  std::string data;
  char buffer[8192];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      return absl::ErrnoToStatus(error, context);
    }
    if (n == 0) break;
    data.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  // gRPC reports a bad PEM only when the server starts or a connection
  // fails, without naming the file: catch the common mistakes here.
  if (!absl::StrContains(data, "-----BEGIN ")) {
    return absl::InvalidArgumentError(
        absl::StrCat(context, ": not a PEM file (no \"-----BEGIN\" line)"));
  }
  return data;
}

// Compares in time that depends only on the length of `expected`, so a caller
// cannot find the token byte by byte from response times.
bool ConstantTimeEquals(absl::string_view given, absl::string_view expected) {
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    unsigned char g =
        i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff |= g ^ static_cast<unsigned char>(expected[i]);
  }
  return diff == 0;
}

// A token travels as an HTTP/2 header value: printable ASCII only. The error
// never quotes the token.
absl::Status ValidateToken(absl::string_view token) {
  for (char c : token) {
    if (c < 0x21 || c > 0x7e) {
      return absl::InvalidArgumentError(
          "the bearer token (RIG_AUTH_TOKEN) may hold only printable ASCII "
          "without spaces");
    }
  }
  return absl::OkStatus();
}

enum class TokenCheck { kOk, kMissing, kWrong };

TokenCheck CheckBearer(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
    absl::string_view expected) {
  auto it = metadata.find(kAuthorizationKey);
  if (it == metadata.end()) return TokenCheck::kMissing;
  absl::string_view value(it->second.data(), it->second.size());
  // The scheme is case-insensitive (RFC 7235); the token is not.
  if (value.size() < kBearerScheme.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kBearerScheme.size()),
                              kBearerScheme)) {
    return TokenCheck::kWrong;
  }
  value.remove_prefix(kBearerScheme.size());
  return ConstantTimeEquals(value, expected) ? TokenCheck::kOk
                                             : TokenCheck::kWrong;
}

// One per call. Rejects at POST_RECV_INITIAL_METADATA by cancelling the core
// call with UNAUTHENTICATED: the transport then sends that status to the
// client, and reads of a streaming handler fail. (1.51 server interceptors
// cannot hijack a call; ServerContext::TryCancel would send CANCELLED.)
class TokenCheckInterceptor final : public grpc::experimental::Interceptor {
 public:
  TokenCheckInterceptor(grpc::experimental::ServerRpcInfo* info,
                        const std::string* expected)
      : info_(info), expected_(expected) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::
                POST_RECV_INITIAL_METADATA)) {
      auto* metadata = methods->GetRecvInitialMetadata();
      TokenCheck check = metadata == nullptr
                             ? TokenCheck::kMissing
                             : CheckBearer(*metadata, *expected_);
      if (metadata != nullptr) {
        // Handlers never see the token, so no handler can log it. The map
        // holds views; the strings stay in the call's metadata array.
        metadata->erase(kAuthorizationKey);
        metadata->erase(kRefusedMarkerKey);  // only we may set it
        if (check != TokenCheck::kOk) {
          metadata->emplace(kRefusedMarkerKey, "1");
        }
      }
      if (check != TokenCheck::kOk) Reject(check);
    }
    methods->Proceed();
  }

 private:
  void Reject(TokenCheck check) {
    grpc::ServerContextBase* context = info_->server_context();
    RIG_LOG(Warning) << "refused call " << info_->method() << " from "
                     << context->peer() << ": "
                     << (check == TokenCheck::kMissing ? "no bearer token"
                                                       : "wrong bearer token")
                     << " (set the same RIG_AUTH_TOKEN on coordinator and "
                        "agent)";
    grpc_call_cancel_with_status(context->c_call(), GRPC_STATUS_UNAUTHENTICATED,
                                 kAuthRejectedMessage, nullptr);
  }

  grpc::experimental::ServerRpcInfo* info_;
  const std::string* expected_;  // owned by the factory, which the server
                                 // keeps until all calls are done
};

class TokenCheckInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit TokenCheckInterceptorFactory(absl::string_view token)
      : token_(token) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    // Health checks come from Kubernetes probes, which send no token and
    // learn nothing but "serving or not".
    if (absl::StartsWith(info->method(), "/grpc.health.v1.Health/")) {
      return nullptr;
    }
    return new TokenCheckInterceptor(info, &token_);
  }

 private:
  const std::string token_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const SecurityOptions& options) {
  RegisterSecret(options.token);
  RETURN_IF_ERROR(ValidateToken(options.token));
  const TlsFiles& tls = options.tls;
  if (tls.cert.empty() && tls.key.empty()) {
    if (!tls.ca.empty() || options.require_client_cert) {
      return absl::InvalidArgumentError(
          "a TLS CA or a required client certificate needs TLS: set the "
          "server's TLS certificate and key too");
    }
    return grpc::InsecureServerCredentials();
  }
  if (tls.cert.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("TLS key ", tls.key, " given without a TLS certificate"));
  }
  if (tls.key.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "TLS certificate ", tls.cert, " given without its private key"));
  }
  if (options.require_client_cert && tls.ca.empty()) {
    return absl::InvalidArgumentError(
        "client certificates are required but no TLS CA is set to verify "
        "them");
  }
  grpc::SslServerCredentialsOptions ssl(
      tls.ca.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
      : options.require_client_cert
          ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
          : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  ASSIGN_OR_RETURN(pair.cert_chain, ReadPemFile("TLS certificate", tls.cert));
  ASSIGN_OR_RETURN(pair.private_key, ReadPemFile("TLS private key", tls.key));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  if (!tls.ca.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_root_certs,
                     ReadPemFile("TLS CA certificate", tls.ca));
  }
  return grpc::SslServerCredentials(ssl);
}

void ApplyServerSecurity(const SecurityOptions& options,
                         grpc::ServerBuilder* builder) {
  if (options.token.empty()) return;
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      creators;
  creators.push_back(MakeTokenCheckInterceptorFactory(options.token));
  builder->experimental().SetInterceptorCreators(std::move(creators));
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeTokenCheckInterceptorFactory(absl::string_view token) {
  RegisterSecret(token);
  return std::make_unique<TokenCheckInterceptorFactory>(token);
}

bool RefusedByTokenCheck(const grpc::ServerContextBase& context) {
  return context.client_metadata().count(kRefusedMarkerKey) > 0;
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
MakeChannelCredentials(const SecurityOptions& options) {
  RegisterSecret(options.token);
  RETURN_IF_ERROR(ValidateToken(options.token));
  const TlsFiles& tls = options.tls;
  if (!tls.key.empty() && tls.cert.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "TLS key ", tls.key, " given without a client certificate"));
  }
  if (!tls.cert.empty() && tls.key.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "TLS certificate ", tls.cert, " given without its private key"));
  }
  if (tls.ca.empty() && tls.cert.empty()) {
    return grpc::InsecureChannelCredentials();
  }
  grpc::SslCredentialsOptions ssl;  // empty roots = the system's
  if (!tls.ca.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_root_certs,
                     ReadPemFile("TLS CA certificate", tls.ca));
  }
  if (!tls.cert.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_cert_chain,
                     ReadPemFile("TLS certificate", tls.cert));
    ASSIGN_OR_RETURN(ssl.pem_private_key,
                     ReadPemFile("TLS private key", tls.key));
  }
  return grpc::SslCredentials(ssl);
}

void ApplyChannelSecurityArgs(const SecurityOptions& options,
                              grpc::ChannelArguments* args) {
  RegisterSecret(options.token);
  if (!options.server_name.empty()) {
    args->SetString(GRPC_SSL_TARGET_NAME_OVERRIDE_ARG, options.server_name);
  }
}

void AddAuthToken(const SecurityOptions& options,
                  grpc::ClientContext* context) {
  if (options.token.empty()) return;
  context->AddMetadata(kAuthorizationKey,
                       absl::StrCat("Bearer ", options.token));
}

absl::StatusOr<SecurityOptions> SecurityFromSettings(const Settings& settings,
                                                     bool server) {
  SecurityOptions o;
  o.tls.cert = settings.Get("tls-cert");
  o.tls.key = settings.Get("tls-key");
  o.tls.ca = settings.Get("tls-ca");
  if (server) {
    ASSIGN_OR_RETURN(o.require_client_cert,
                     settings.GetBool("tls-require-client-cert"));
  } else {
    o.server_name = settings.Get("tls-server-name");
  }
  const std::string& file = settings.Get("auth-token-file");
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) {
      return absl::NotFoundError(absl::StrCat("cannot read token file ", file,
                                              ": ", std::strerror(errno)));
    }
    std::stringstream text;
    text << in.rdbuf();
    o.token = std::string(absl::StripTrailingAsciiWhitespace(text.str()));
    if (o.token.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("token file ", file, " is empty"));
    }
  } else if (const char* env = std::getenv("RIG_AUTH_TOKEN")) {
    o.token = env;
  }
  RegisterSecret(o.token);
  return o;
}

}  // namespace rig
