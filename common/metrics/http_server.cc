#include "common/metrics/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/metrics/exposition.h"

namespace rig::metrics {

absl::StatusOr<ListenAddress> ParseListenAddress(const std::string& flag,
                                                 const std::string& text,
                                                 const std::string& example) {
  auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " \"", text, "\": ", why, " (e.g. ", example,
                     "; port 0 picks a free one)"));
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return bad("expected host:port");
  }
  ListenAddress out;
  out.host = text.substr(0, colon);
  if (out.host.front() == '[') {
    if (out.host.size() < 3 || out.host.back() != ']') {
      return bad("an IPv6 host is written [v6]:port");
    }
    out.host = out.host.substr(1, out.host.size() - 2);
  } else if (out.host.find(':') != std::string::npos) {
    return bad("an IPv6 host is written [v6]:port");
  }
  const std::string port = text.substr(colon + 1);
  if (port.empty() || !absl::SimpleAtoi(port, &out.port) || out.port < 0 ||
      out.port > 65535 ||
      port.find_first_not_of("0123456789") != std::string::npos) {
    return bad("the port must be a number from 0 to 65535");
  }
  return out;
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const ListenAddress& address, std::function<std::string()> render) {
  std::unique_ptr<MetricsServer> s(new MetricsServer());
  s->server_ = std::make_unique<httplib::Server>();
  s->server_->new_task_queue = [] { return new httplib::ThreadPool(2); };
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let
  // a second process bind the same port and take half the scrapes.
  s->server_->set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  s->server_->Get("/metrics",
                  [render](const httplib::Request&, httplib::Response& res) {
                    res.set_content(render(), kContentType);
                  });
  s->host_ = address.host;
  if (address.port == 0) {
    s->port_ = s->server_->bind_to_any_port(address.host);
  } else if (s->server_->bind_to_port(address.host, address.port)) {
    s->port_ = address.port;
  }
  if (s->port_ <= 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", address.host, ":", address.port,
        " for /metrics: the port is in use or the host is not an address of "
        "this machine"));
  }
  httplib::Server* server = s->server_.get();
  s->thread_ = std::thread([server] { server->listen_after_bind(); });
  // stop() before the loop runs would be lost and leave it in accept().
  while (!server->is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return s;
}

MetricsServer::~MetricsServer() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string MetricsServer::address() const {
  return host_.find(':') != std::string::npos
             ? absl::StrCat("[", host_, "]:", port_)
             : absl::StrCat(host_, ":", port_);
}

}  // namespace rig::metrics
