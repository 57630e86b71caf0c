#pragma once

// The coordinator's side of one agent: GetInfo and the Session stream.
//
// Start() opens the stream, sends Start and reads the agent's messages on
// its own thread, handing each to the listener. Send() may be called from
// any thread (writes are serialised: one in flight). The listener is called
// on the session's reader thread and must not block on other sessions'
// readers.

#include <memory>
#include <mutex>
#include <string>
#include <thread>

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

  absl::Status Start(const rig::v1::Start& start, SessionListener* listener);
  // Returns false if the stream is closed or broken.
  bool Send(const rig::v1::CoordinatorMessage& message);
  // No more messages from the coordinator (the agent's reader then ends).
  void CloseWrites();
  // Aborts the stream (the agent sees it broken and cancels its run).
  void Cancel();
  // Waits for the reader thread to end.
  void Join();

 private:
  void ReadLoop(SessionListener* listener);

  const int index_;
  const std::string address_;
  const SecurityOptions security_;
  absl::Status credentials_error_;  // set: no channel, every call fails
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<rig::v1::AgentService::Stub> stub_;

  grpc::ClientContext context_;
  std::mutex write_mu_;
  std::unique_ptr<grpc::ClientReaderWriter<rig::v1::CoordinatorMessage,
                                           rig::v1::AgentMessage>>
      stream_;                  // written under write_mu_, read by the reader
  bool writes_closed_ = false;  // guarded by write_mu_
  std::thread reader_;
};

}  // namespace rig::coordinator
