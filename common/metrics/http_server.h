#pragma once

// The HTTP server of /metrics (cpp-httplib, Debian's libcpp-httplib-dev;
// this is the only file that includes it). GET /metrics answers with what
// `render` returns, in the text exposition format; any other path is 404.
// Two server threads: a scrape is cheap, and the load owns the cores.

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}

namespace rig::metrics {

struct ListenAddress {
  std::string host;  // without brackets for IPv6
  int port = 0;      // 0: any free port
};

// "host:port" or "[v6]:port", port 0..65535. The error names the flag and
// the value: `--metrics-listen "x": expected host:port (e.g. 0.0.0.0:9464;
// port 0 picks a free one)`, with `example` as the example.
absl::StatusOr<ListenAddress> ParseListenAddress(
    const std::string& flag, const std::string& text,
    const std::string& example = "0.0.0.0:9464");

class MetricsServer {
 public:
  // Binds `address` and serves from a thread of its own. The error says
  // the address could not be bound (in use, or not an address of this host).
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const ListenAddress& address, std::function<std::string()> render);
  ~MetricsServer();  // stops serving and joins the thread

  int port() const { return port_; }
  // "host:port" as bound (the chosen port when 0 was asked).
  std::string address() const;

 private:
  MetricsServer() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string host_;
  int port_ = 0;
};

}  // namespace rig::metrics
