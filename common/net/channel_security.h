#pragma once

// Security of the coordinator <-> agent channel: plaintext, TLS or mutual TLS
// from PEM files, and a shared bearer token.
//
// Server (agent):
//   ASSIGN_OR_RETURN(auto creds, MakeServerCredentials(options));
//   builder.AddListeningPort(listen, creds, &port);
//   ApplyServerSecurity(options, &builder);
// Client (coordinator):
//   ASSIGN_OR_RETURN(auto creds, MakeChannelCredentials(options));
//   grpc::ChannelArguments args = ClientChannelArguments();
//   ApplyChannelSecurityArgs(options, &args);
//   channel = grpc::CreateCustomChannel(address, creds, args);
//   ... and AddAuthToken(options, &context) before every call.
//
// The token is checked by a server interceptor rather than an
// AuthMetadataProcessor: in gRPC 1.51 InsecureServerCredentials aborts on
// SetAuthMetadataProcessor, and the check must work without TLS too. A refused
// call ends with UNAUTHENTICATED and kAuthRejectedMessage; the handlers never
// see the "authorization" header. A streaming handler of a refused call reads
// nothing, but a unary handler still runs (1.51 server interceptors cannot
// skip it) and its answer is discarded: a unary handler with side effects
// must return early when RefusedByTokenCheck(*context).
//
// Every function that sees the token registers it with RegisterSecret, so a
// log line never shows it. All functions are thread-safe.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/config/settings.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/server_interceptor.h"

namespace rig {

// Paths of PEM files; an empty path means "not used".
struct TlsFiles {
  std::string cert;  // this end's certificate (chain)
  std::string key;   // the private key of `cert`
  std::string ca;    // CA certificate(s) that verify the peer
};

struct SecurityOptions {
  // No cert and no ca on either side = plaintext.
  // Server: cert + key = TLS; ca adds verification of client certificates
  // that are presented. Client: ca (or cert + key) = TLS; ca verifies the
  // server (empty = the system's roots), cert + key = mutual TLS.
  TlsFiles tls;
  // Server only: refuse clients without a certificate signed by tls.ca.
  bool require_client_cert = false;
  // Shared bearer token; empty = the server checks none, the client sends none.
  std::string token;
  // Client only: the name the server's certificate must carry, when it is not
  // the host of the dialled address (e.g. dialling an IP). Empty = the host.
  std::string server_name;
};

// The status message of a call refused for its token; it never contains any
// token.
inline constexpr char kAuthRejectedMessage[] =
    "missing or wrong bearer token (RIG_AUTH_TOKEN)";

// Server credentials for AddListeningPort. Errors name the file and the
// reason, or the missing companion setting (key without cert, ...); a token
// that cannot travel in a header (not printable ASCII, spaces) is an error.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const SecurityOptions& options);

// Installs the token check (when options.token is set) on the builder. It
// *replaces* the builder's interceptor creators; a server that needs more
// interceptors uses MakeTokenCheckInterceptorFactory instead.
void ApplyServerSecurity(const SecurityOptions& options,
                         grpc::ServerBuilder* builder);

// The interceptor factory behind ApplyServerSecurity, for servers that set
// their own list of interceptors (put it first). `token` must not be empty.
// A rejected call is logged once (warning, with method and peer address, never
// a token).
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeTokenCheckInterceptorFactory(absl::string_view token);

// True when the token check refused this call (see above). Reliable in the
// handler, unlike ServerContext::IsCancelled on the sync API. (On a server
// without the check, a client could only mark its own call as refused.)
bool RefusedByTokenCheck(const grpc::ServerContextBase& context);

// Channel credentials for CreateCustomChannel. Errors as for the server.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
MakeChannelCredentials(const SecurityOptions& options);

// Adds the channel arguments the options need (the TLS name override).
void ApplyChannelSecurityArgs(const SecurityOptions& options,
                              grpc::ChannelArguments* args);

// The options from a binary's settings: tls-cert, tls-key, tls-ca, and
// tls-require-client-cert (server) or tls-server-name (client); the token
// from RIG_AUTH_TOKEN or the file named by auth-token-file (trailing
// whitespace dropped). Never from the command line, where `ps` shows it.
absl::StatusOr<SecurityOptions> SecurityFromSettings(const Settings& settings,
                                                     bool server);

// Adds "authorization: Bearer <token>" to the call when a token is set.
void AddAuthToken(const SecurityOptions& options, grpc::ClientContext* context);

}  // namespace rig
