#include "coordinator/session/discovery.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace rig::coordinator {

absl::Status CheckAgentAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  const bool v6 = !address.empty() && address[0] == '[';
  if (colon == std::string::npos || colon == 0 ||
      (v6 && address[colon - 1] != ']') ||
      (!v6 && address.find(':') != colon) ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 1 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--agents \"", address,
        "\": an agent is host:port (e.g. 10.0.0.5:7070, [fd00::5]:7070); "
        "rig-agent listens on port 7070 unless told otherwise"));
  }
  return absl::OkStatus();
}

std::vector<std::string> AgentAddresses(const addrinfo* list, int port) {
  std::set<std::string> addresses;
  for (const addrinfo* a = list; a != nullptr; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    if (a->ai_family == AF_INET) {
      inet_ntop(AF_INET,
                &reinterpret_cast<const sockaddr_in*>(a->ai_addr)->sin_addr,
                text, sizeof(text));
      addresses.insert(absl::StrCat(text, ":", port));
    } else if (a->ai_family == AF_INET6) {
      inet_ntop(AF_INET6,
                &reinterpret_cast<const sockaddr_in6*>(a->ai_addr)->sin6_addr,
                text, sizeof(text));
      addresses.insert(absl::StrCat("[", text, "]:", port));
    }
  }
  return std::vector<std::string>(addresses.begin(), addresses.end());
}

absl::StatusOr<std::vector<std::string>> ResolveAgents(
    const std::string& spec) {
  const size_t colon = spec.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(spec.substr(colon + 1), &port) || port < 1 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--agents-dns \"", spec,
                     "\": use name:port, e.g. "
                     "rig-agents.rig.svc.cluster.local:7070"));
  }
  const std::string name = spec.substr(0, colon);
  addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  const int rc = getaddrinfo(name.c_str(), nullptr, &hints, &result);
  if (rc != 0) {
    return absl::UnavailableError(absl::StrCat("--agents-dns: cannot resolve ",
                                               name, ": ", gai_strerror(rc)));
  }
  std::vector<std::string> addresses = AgentAddresses(result, port);
  freeaddrinfo(result);
  if (addresses.empty()) {
    return absl::NotFoundError(
        absl::StrCat("--agents-dns: ", name, " has no addresses"));
  }
  return addresses;
}

}  // namespace rig::coordinator
