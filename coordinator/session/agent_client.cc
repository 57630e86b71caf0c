#include "coordinator/session/agent_client.h"

#include "absl/strings/str_cat.h"
#include "common/net/grpc_keepalive.h"
#include "common/net/grpc_status.h"

namespace rig::coordinator {

AgentClient::AgentClient(int index, std::string address,
                         SecurityOptions security)
    : index_(index),
      address_(std::move(address)),
      security_(std::move(security)) {
  grpc::ChannelArguments args = ClientChannelArguments();
  ApplyChannelSecurityArgs(security_, &args);
  auto credentials = MakeChannelCredentials(security_);
  channel_ = grpc::CreateCustomChannel(
      address_,
      credentials.ok() ? *credentials : grpc::InsecureChannelCredentials(),
      args);
  stub_ = rig::v1::AgentService::NewStub(channel_);
}

AgentClient::~AgentClient() {
  if (reader_.joinable()) {
    Cancel();
    reader_.join();
  }
}

absl::StatusOr<rig::v1::AgentInfo> AgentClient::GetInfo(
    absl::Duration timeout) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() +
                   absl::ToChronoNanoseconds(timeout));
  ctx.set_wait_for_ready(true);  // ride out a connection still being made
  AddAuthToken(security_, &ctx);
  rig::v1::AgentInfo info;
  grpc::Status status = stub_->GetInfo(&ctx, rig::v1::GetInfoRequest(), &info);
  if (!status.ok()) {
    std::string why = status.error_message();
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      why = absl::StrCat("no answer within ", absl::FormatDuration(timeout),
                         " (is rig-agent running there and the port open?)");
    }
    return absl::Status(FromGrpcStatus(status).code(),
                        absl::StrCat("agent ", address_, ": ", why));
  }
  return info;
}

absl::Status AgentClient::Start(const rig::v1::Start& start,
                                SessionListener* listener) {
  std::lock_guard<std::mutex> lock(write_mu_);
  AddAuthToken(security_, &context_);
  stream_ = stub_->Session(&context_);
  rig::v1::CoordinatorMessage m;
  *m.mutable_start() = start;
  if (!stream_->Write(m)) {
    grpc::Status status = stream_->Finish();
    return absl::UnavailableError(
        absl::StrCat("agent ", address_,
                     ": cannot start the session: ", status.error_message()));
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
