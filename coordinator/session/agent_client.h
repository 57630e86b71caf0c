#pragma once

// The coordinator's side of one agent: GetInfo and the Session stream.
//
// Start() opens the stream, sends Start and reads the agent's messages,
// handing each to the listener. The stream runs on gRPC's callback API: no
// thread per agent; the listener is called on gRPC's threads, one message of
// a session at a time, and must not block for long. Send() may be called
// from any thread and never blocks: messages are queued and written one at
// a time, so a slow or stalled agent holds up nobody else.

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/net/channel_security.h"
#include "grpcpp/grpcpp.h"
#include "rig/v1/agent.grpc.pb.h"

namespace rig::coordinator {

class SessionListener {
 public:
  virtual ~SessionListener() = default;
  virtual void OnMessage(int agent, const rig::v1::AgentMessage& message) = 0;
  // The stream ended: OK after a normal close, else why it broke.
  virtual void OnEnded(int agent, const absl::Status& status) = 0;
};

// Why a connection to the agent at `address` failed, from gRPC's status
// message (its wording is not an API), in words a user can act on; `tls`:
// this end speaks TLS.
struct ConnectFailure {
  std::string why;
  bool may_pass = false;   // e.g. connection refused: an agent still starting
  bool recognised = true;  // false: `why` is gRPC's message as it is
};
ConnectFailure ExplainConnectError(const std::string& address, bool tls,
                                   const std::string& grpc_message);

class AgentClient {
 public:
  // `security`: TLS and bearer token (common/net/channel_security.h); its files
  // were checked by the caller.
  AgentClient(int index, std::string address, SecurityOptions security = {});
  ~AgentClient();

  int index() const { return index_; }
  const std::string& address() const { return address_; }

  // Unary, with a deadline. Errors name the agent's address.
  // (ExplainConnectError above says what each failure means.)
  // Connection failures that may pass (connection refused: an agent still
  // starting) are tried again until `timeout`; others (TLS on one side only,
  // a port that does not speak gRPC, an untrusted certificate) fail at once.
  // Errors name the agent and the cause.
  absl::StatusOr<rig::v1::AgentInfo> GetInfo(absl::Duration timeout);

  // Opens the session and returns once Start is written (an error if it
  // cannot be: the agent is gone); the listener then hears every message
  // and the end (not for a session that failed to start).
  absl::Status Start(const rig::v1::Start& start, SessionListener* listener);
  // Queues `message`; false if the stream is closed or broken. Never
  // blocks on the agent.
  bool Send(const rig::v1::CoordinatorMessage& message);
  // No more messages from the coordinator, once those queued are written
  // (the agent's reader then ends).
  void CloseWrites();
  // Aborts the stream (the agent sees it broken and cancels its run).
  void Cancel();
  // Waits for the session to end (the listener has heard OnEnded).
  void Join();

  // Messages queued and not yet written (for tests and diagnostics).
  size_t Queued() const;

 private:
  class Session;

  const int index_;
  const std::string address_;
  const SecurityOptions security_;
  absl::Status credentials_error_;  // set: no channel, every call fails
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<rig::v1::AgentService::Stub> stub_;
  std::shared_ptr<Session> session() const;
  mutable std::mutex mu_;
  std::shared_ptr<Session> session_;  // guarded by mu_ (set by Start)
};

}  // namespace rig::coordinator
