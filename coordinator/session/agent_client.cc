#include "coordinator/session/agent_client.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
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

// The Session stream: one write in flight and the rest queued; reads
// handed to the listener as they come. A hold keeps the stream from ending
// while a write may still be started from outside the reactions; it is let
// go when the reads end (the agent closed or broke the stream).
class AgentClient::Session
    : public grpc::ClientBidiReactor<rig::v1::CoordinatorMessage,
                                     rig::v1::AgentMessage> {
 public:
  Session(int index, SessionListener* listener)
      : index_(index), listener_(listener) {}

  grpc::ClientContext* context() { return &context_; }

  // Starts the call with `first` as its first write; waits until that
  // write is done. False: the stream broke (Finish() then says why).
  bool Begin(rig::v1::AgentService::Stub* stub,
             rig::v1::CoordinatorMessage first) {
    stub->async()->Session(&context_, this);
    {
      std::lock_guard<std::mutex> lock(mu_);
      outbox_.push_back(std::move(first));
      writing_ = true;
      StartWrite(&outbox_.front());
    }
    StartRead(&in_);
    AddHold();
    StartCall();
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return first_write_done_; });
    return first_write_ok_;
  }

  bool Send(const rig::v1::CoordinatorMessage& m) {
    std::lock_guard<std::mutex> lock(mu_);
    if (reads_ended_ || writes_closed_ || !first_write_ok_) return false;
    outbox_.push_back(m);
    if (!writing_) {
      writing_ = true;
      StartWrite(&outbox_.front());
    }
    return true;
  }

  void CloseWrites() {
    std::lock_guard<std::mutex> lock(mu_);
    if (reads_ended_ || writes_closed_) return;
    writes_closed_ = true;
    if (!writing_) {
      writing_ = true;  // the WritesDone is in flight
      StartWritesDone();
    }
  }

  void Cancel() { context_.TryCancel(); }

  // Waits for OnDone; the status the stream ended with.
  grpc::Status Finish() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return done_; });
    return status_;
  }
  size_t Queued() {
    std::lock_guard<std::mutex> lock(mu_);
    return outbox_.size();
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    outbox_.pop_front();
    if (!first_write_done_) {
      first_write_done_ = true;
      first_write_ok_ = ok;
      cv_.notify_all();
    }
    if (!ok) {
      // Broken: nothing more goes out (the reads end too, with the cause).
      outbox_.clear();
      writing_ = false;
      return;
    }
    if (!outbox_.empty()) {
      StartWrite(&outbox_.front());
    } else if (writes_closed_) {
      StartWritesDone();
    } else {
      writing_ = false;
    }
  }

  void OnReadDone(bool ok) override {
    if (ok) {
      // (An agent speaks only once it has read Start: no message comes
      // from a session whose first write failed.)
      listener_->OnMessage(index_, in_);
      StartRead(&in_);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      reads_ended_ = true;
    }
    RemoveHold();
  }

  void OnDone(const grpc::Status& status) override {
    bool started = false;  // else Start() reports the failure
    {
      std::lock_guard<std::mutex> lock(mu_);
      status_ = status;
      started = first_write_ok_;
    }
    if (started) listener_->OnEnded(index_, FromGrpcStatus(status));
    // Last: once done_ is seen the owner may destroy this object.
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    cv_.notify_all();
  }

 private:
  const int index_;
  SessionListener* const listener_;
  grpc::ClientContext context_;
  rig::v1::AgentMessage in_;  // read into by one read at a time

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<rig::v1::CoordinatorMessage> outbox_;  // front: in flight
  bool writing_ = false;
  bool writes_closed_ = false;
  bool reads_ended_ = false;
  bool first_write_done_ = false;
  bool first_write_ok_ = false;
  bool done_ = false;
  grpc::Status status_;
};

AgentClient::~AgentClient() {
  if (auto s = session()) {
    s->Cancel();  // a no-op on a stream that has ended
    s->Finish();
  }
}

std::shared_ptr<AgentClient::Session> AgentClient::session() const {
  std::lock_guard<std::mutex> lock(mu_);
  return session_;
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
  auto s = std::make_shared<Session>(index_, listener);
  AddAuthToken(security_, s->context());
  {
    std::lock_guard<std::mutex> lock(mu_);
    session_ = s;
  }
  rig::v1::CoordinatorMessage m;
  *m.mutable_start() = start;
  if (!s->Begin(stub_.get(), std::move(m))) {
    const grpc::Status status = s->Finish();
    return absl::UnavailableError(absl::StrCat(
        "agent ", address_,
        ": cannot start the session: ", ScrubString(status.error_message())));
  }
  return absl::OkStatus();
}

bool AgentClient::Send(const rig::v1::CoordinatorMessage& message) {
  auto s = session();
  return s != nullptr && s->Send(message);
}

void AgentClient::CloseWrites() {
  if (auto s = session()) s->CloseWrites();
}

void AgentClient::Cancel() {
  if (auto s = session()) s->Cancel();
}

void AgentClient::Join() {
  if (auto s = session()) s->Finish();
}

size_t AgentClient::Queued() const {
  auto s = session();
  return s != nullptr ? s->Queued() : 0;
}

}  // namespace rig::coordinator
