#include "coordinator/session/agent_client.h"

#include <chrono>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/base/logging.h"
#include "common/base/status_macros.h"
#include "common/net/grpc_keepalive.h"
#include "common/net/grpc_status.h"
#include "coordinator/session/untrusted.h"

namespace rig::coordinator {

AgentClient::AgentClient(int index, std::string address,
                         SecurityOptions security)
    : index_(index),
      address_(std::move(address)),
      security_(std::move(security)) {
  grpc::ChannelArguments args = ClientChannelArguments();
  ApplyChannelSecurityArgs(security_, &args);
  auto credentials = MakeChannelCredentials(security_);
  if (!credentials.ok()) {
    // Never a plaintext channel in place of TLS: a TLS file that cannot be
    // read (rotated away, unreadable) fails this agent, named.
    credentials_error_ = absl::FailedPreconditionError(absl::StrCat(
        "agent ", address_, ": cannot set up TLS (",
        credentials.status().message(), "); not connecting without it"));
    return;
  }
  channel_ = grpc::CreateCustomChannel(address_, *credentials, args);
  stub_ = rig::v1::AgentService::NewStub(channel_);
}

AgentClient::~AgentClient() {
  if (reader_.joinable()) {
    Cancel();
    reader_.join();
  }
}

// Why a connection to an agent failed, in words a user can act on, from
// gRPC's status message (its wording is not an API: what is not recognised
// is passed on as it is).
ConnectFailure ExplainConnectError(const std::string& address, bool tls,
                                   const std::string& grpc_message) {
  auto has = [&](absl::string_view s) {
    return absl::StrContains(grpc_message, s);
  };
  if (has("Connection refused")) {
    return {
        "connection refused: nothing listens there (is rig-agent "
        "running, with --listen on an address this host can reach?)",
        true};
  }
  if (has("CERTIFICATE_VERIFY_FAILED") || has("certificate verify failed")) {
    return {absl::StrCat(
                "its TLS certificate is not trusted by --tls-ca, or does not "
                "carry the name ",
                address.substr(0, address.rfind(':')),
                " (set --tls-server-name to the name it carries)"),
            false};
  }
  if (has("CERTIFICATE_REQUIRED") || has("certificate required") ||
      has("HANDSHAKE_FAILURE") || has("handshake failure")) {
    return {
        "the TLS handshake was refused: the agent requires a client "
        "certificate (--tls-cert and --tls-key, signed by the agent's "
        "--tls-ca)",
        false};
  }
  if (tls && (has("WRONG_VERSION_NUMBER") || has("Handshake failed") ||
              has("handshake failed"))) {
    return {
        "no TLS handshake: the agent serves plaintext (drop --tls-ca), "
        "or the port does not speak gRPC",
        false};
  }
  if (tls && (has("Socket closed") || has("Connection reset"))) {
    // What a TLS 1.3 client sees when the server refuses its (missing)
    // certificate after the handshake, and when a plaintext server hangs up.
    return {
        "the TLS handshake did not complete: the agent requires a "
        "client certificate (give --tls-cert and --tls-key, signed by "
        "the agent's --tls-ca), or it serves plaintext (drop --tls-ca)",
        false};
  }
  if (!tls &&
      (has("Socket closed") || has("Connection reset") ||
       has("Failed parsing HTTP/2") ||
       has("Trying to connect an http1.x server") || has("Broken pipe") ||
       has("FRAME_SIZE_ERROR") || has("PROTOCOL_ERROR"))) {
    return {
        "the port does not speak plaintext gRPC: the agent serves TLS "
        "(give --tls-ca), or another server (a database?) listens there",
        false};
  }
  // Not recognised: gRPC's words as they are, and tried again.
  return {absl::StrCat("cannot connect: ", grpc_message), true,
          /*recognised=*/false};
}

absl::StatusOr<rig::v1::AgentInfo> AgentClient::GetInfo(
    absl::Duration timeout) {
  // Tries again while the connection fails for a reason that may pass (an
  // agent still starting: a pod not ready), up to `timeout`; a reason that
  // will not pass (TLS on one side only, another server on the port) is
  // named at once.
  RETURN_IF_ERROR(credentials_error_);
  const auto deadline =
      std::chrono::system_clock::now() + absl::ToChronoNanoseconds(timeout);
  const bool tls = !security_.tls.ca.empty() || !security_.tls.cert.empty();
  std::string last_error;
  for (;;) {
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline);
    ctx.set_wait_for_ready(false);  // a failed connection answers at once
    AddAuthToken(security_, &ctx);
    rig::v1::AgentInfo info;
    grpc::Status status =
        stub_->GetInfo(&ctx, rig::v1::GetInfoRequest(), &info);
    if (status.ok()) {
      if (!security_.token.empty() && !info.token_required()) {
        RIG_LOG(Warning) << "agent " << address_
                         << " requires no token: the one given is not needed "
                            "(and anyone who can reach the agent can run it)";
      }
      return info;
    }
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      const std::string grpc_message = ScrubString(status.error_message());
      const ConnectFailure failure =
          ExplainConnectError(address_, tls, grpc_message);
      // gRPC's own words follow a recognised cause, for whoever digs deeper.
      const std::string why =
          failure.recognised
              ? absl::StrCat(failure.why, " [gRPC: ", grpc_message, "]")
              : failure.why;
      if (!failure.may_pass) {
        return absl::UnavailableError(
            absl::StrCat("agent ", address_, ": ", why));
      }
      last_error = why;
    } else if (status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
      return absl::Status(FromGrpcStatus(status).code(),
                          absl::StrCat("agent ", address_, ": ",
                                       ScrubString(status.error_message())));
    }
    if (std::chrono::system_clock::now() >= deadline ||
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "agent ", address_, ": no answer within ", absl::FormatDuration(timeout),
      last_error.empty()
          ? " (the connection is open but nothing answers: a frozen agent, "
            "or a port that does not speak gRPC)"
          : absl::StrCat(": ", last_error)));
}

absl::Status AgentClient::Start(const rig::v1::Start& start,
                                SessionListener* listener) {
  RETURN_IF_ERROR(credentials_error_);
  std::lock_guard<std::mutex> lock(write_mu_);
  AddAuthToken(security_, &context_);
  stream_ = stub_->Session(&context_);
  rig::v1::CoordinatorMessage m;
  *m.mutable_start() = start;
  if (!stream_->Write(m)) {
    grpc::Status status = stream_->Finish();
    return absl::UnavailableError(absl::StrCat(
        "agent ", address_,
        ": cannot start the session: ", ScrubString(status.error_message())));
  }
  reader_ = std::thread(&AgentClient::ReadLoop, this, listener);
  return absl::OkStatus();
}

void AgentClient::ReadLoop(SessionListener* listener) {
  rig::v1::AgentMessage m;
  while (stream_->Read(&m)) listener->OnMessage(index_, m);
  grpc::Status status = stream_->Finish();
  listener->OnEnded(index_, FromGrpcStatus(status));
}

bool AgentClient::Send(const rig::v1::CoordinatorMessage& message) {
  std::lock_guard<std::mutex> lock(write_mu_);
  if (stream_ == nullptr || writes_closed_) return false;
  return stream_->Write(message);
}

void AgentClient::CloseWrites() {
  std::lock_guard<std::mutex> lock(write_mu_);
  if (stream_ == nullptr || writes_closed_) return;
  writes_closed_ = true;
  stream_->WritesDone();
}

void AgentClient::Cancel() { context_.TryCancel(); }

void AgentClient::Join() {
  if (reader_.joinable()) reader_.join();
}

}  // namespace rig::coordinator
