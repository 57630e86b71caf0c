#include "plan/endpoints.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace rig::plan {

absl::StatusOr<Endpoint> ParseEndpoint(absl::string_view text,
                                       int default_port) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("endpoint \"", text, "\" ", why,
                     " (write host:port, host, or [IPv6]:port)"));
  };
  absl::string_view host = text;
  absl::string_view port;
  if (absl::ConsumePrefix(&host, "[")) {
    const size_t close = host.find(']');
    if (close == absl::string_view::npos) return bad("lacks its closing ]");
    absl::string_view rest = host.substr(close + 1);
    host = host.substr(0, close);
    if (!rest.empty()) {
      if (!absl::ConsumePrefix(&rest, ":")) return bad("has text after ]");
      port = rest;
      if (port.empty()) return bad("has an empty port");
    }
  } else if (const size_t colon = host.rfind(':');
             colon != absl::string_view::npos) {
    if (host.find(':') != colon) return bad("has an IPv6 address without []");
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
    if (port.empty()) return bad("has an empty port");
  }
  if (host.empty()) return bad("has no host");
  for (char c : host) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) || c == '/' ||
        c == '@' || c == ',') {
      return bad("has a character a host name cannot have");
    }
  }
  Endpoint e;
  e.host = std::string(host);
  e.port = default_port;
  if (!port.empty() &&
      (!absl::SimpleAtoi(port, &e.port) || e.port < 1 || e.port > 65535)) {
    return bad("has a port that is not a number from 1 to 65535");
  }
  const bool v6 = e.host.find(':') != std::string::npos;
  e.name = v6 ? absl::StrCat("[", e.host, "]:", e.port)
              : absl::StrCat(e.host, ":", e.port);
  return e;
}

absl::StatusOr<std::vector<Endpoint>> TargetEndpoints(
    const rig::v1::Target& target) {
  std::vector<Endpoint> out;
  if (target.endpoints().empty()) {
    Endpoint e;
    e.host = target.host();
    e.port = target.port();
    e.name = e.host.find(':') != std::string::npos
                 ? absl::StrCat("[", e.host, "]:", e.port)
                 : absl::StrCat(e.host, ":", e.port);
    out.push_back(std::move(e));
    return out;
  }
  std::set<std::string> seen;
  for (const std::string& text : target.endpoints()) {
    auto e = ParseEndpoint(text, target.port());
    if (!e.ok()) return e.status();
    if (!seen.insert(e->name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("endpoint \"", text, "\" is listed twice (as ", e->name,
                       "): each server once"));
    }
    out.push_back(*std::move(e));
  }
  return out;
}

}  // namespace rig::plan
