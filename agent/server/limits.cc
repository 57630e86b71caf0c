#include "agent/server/limits.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/base/duration.h"
#include "common/base/proto_duration.h"
#include "plan/schema.h"

namespace rig::agent {
namespace {

// The shortest report and heartbeat interval a run may ask for: the plan
// loader's own bound (plan/schema.cc), so the two cannot drift apart.
absl::Duration MinInterval() {
  return absl::Seconds(
      std::max(plan::FindPlanKey("load.report_interval")->min,
               plan::FindPlanKey("agents.heartbeat_interval")->min));
}

// An IP literal into `rule` (family, address); false if `text` is not one.
bool ParseAddress(const std::string& text, TargetRule& rule) {
  if (inet_pton(AF_INET, text.c_str(), rule.address) == 1) {
    rule.family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), rule.address) == 1) {
    rule.family = AF_INET6;
    return true;
  }
  return false;
}

bool InBlock(const TargetRule& block, int family, const unsigned char* addr) {
  if (block.family != family) return false;
  int bits = block.prefix_bits;
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    const unsigned char mask =
        bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
    if ((addr[i] & mask) != (block.address[i] & mask)) return false;
  }
  return true;
}

// Every address `host` stands for: itself if a literal, else what it
// resolves to (empty if it does not resolve).
std::vector<TargetRule> Addresses(const std::string& host) {
  std::vector<TargetRule> out;
  TargetRule literal;
  if (ParseAddress(host, literal)) {
    out.push_back(literal);
    return out;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return out;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    TargetRule r;
    if (a->ai_family == AF_INET) {
      r.family = AF_INET;
      std::memcpy(r.address,
                  &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr, 4);
    } else if (a->ai_family == AF_INET6) {
      r.family = AF_INET6;
      std::memcpy(r.address,
                  &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr, 16);
    } else {
      continue;
    }
    out.push_back(r);
  }
  freeaddrinfo(found);
  return out;
}

bool Allowed(const std::vector<TargetRule>& rules, const std::string& host,
             int port) {
  const std::string name = absl::AsciiStrToLower(host);
  for (const TargetRule& r : rules) {
    if (!r.host.empty() && r.host == name && (r.port == 0 || r.port == port)) {
      return true;
    }
  }
  const std::vector<TargetRule> addresses = Addresses(host);
  if (addresses.empty()) return false;
  for (const TargetRule& a : addresses) {
    bool inside = false;
    for (const TargetRule& r : rules) {
      inside = inside || (r.host.empty() && InBlock(r, a.family, a.address));
    }
    if (!inside) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::vector<TargetRule>> ParseAllowedTargets(
    const std::string& list) {
  std::vector<TargetRule> rules;
  for (absl::string_view raw : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    const std::string entry(absl::StripAsciiWhitespace(raw));
    if (entry.empty()) continue;
    auto bad = [&entry](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("--allowed-targets: \"", entry, "\": ", why));
    };
    TargetRule rule;
    if (const size_t slash = entry.find('/'); slash != std::string::npos) {
      if (!ParseAddress(entry.substr(0, slash), rule)) {
        return bad("a CIDR block starts with an IP address");
      }
      const int max = rule.family == AF_INET ? 32 : 128;
      if (!absl::SimpleAtoi(entry.substr(slash + 1), &rule.prefix_bits) ||
          rule.prefix_bits < 0 || rule.prefix_bits > max) {
        return bad(absl::StrCat("the prefix length is 0 to ", max));
      }
      rules.push_back(rule);
      continue;
    }
    std::string host = entry;
    const size_t colon = entry.rfind(':');
    const bool bracketed = !entry.empty() && entry[0] == '[';
    if (colon != std::string::npos && (bracketed || entry.find(':') == colon)) {
      host = entry.substr(0, colon);
      if (!absl::SimpleAtoi(entry.substr(colon + 1), &rule.port) ||
          rule.port < 1 || rule.port > 65535) {
        return bad("the port is 1 to 65535");
      }
    }
    if (bracketed) {
      if (host.size() < 2 || host.back() != ']') return bad("unclosed [");
      host = host.substr(1, host.size() - 2);
    }
    if (host.empty()) return bad("no host");
    rule.host = absl::AsciiStrToLower(host);
    rules.push_back(rule);
  }
  return rules;
}

absl::Status CheckAssignment(const rig::v1::Assignment& a,
                             const AgentLimits& limits) {
  if (a.connections() > limits.max_connections || a.connections() < 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the run asks this agent for ", a.connections(),
                     " database connections; it allows at most ",
                     limits.max_connections, " (rig-agent --max-connections)"));
  }
  const rig::v1::Load& load = a.plan().load();
  // A coordinator's plan is checked by its loader; one that is not (or an
  // older one) must not make this agent's loops spin.
  if (const absl::Duration least = MinInterval();
      FromProto(load.report_interval()) < least ||
      FromProto(a.plan().agents().heartbeat_interval()) < least) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the run asks for load.report_interval ",
        rig::FormatDuration(FromProto(load.report_interval())),
        " and agents.heartbeat_interval ",
        rig::FormatDuration(FromProto(a.plan().agents().heartbeat_interval())),
        "; each must be at least ", rig::FormatDuration(MinInterval())));
  }
  absl::Duration length = FromProto(load.warmup());
  if (load.stages_size() == 0) {
    length += FromProto(load.duration());
  }
  for (const auto& stage : load.stages()) length += FromProto(stage.duration());
  if (length > limits.max_duration) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the run would last ", absl::FormatDuration(length),
                     " (warm-up and measured time); this agent allows at most ",
                     absl::FormatDuration(limits.max_duration),
                     " (rig-agent --max-duration)"));
  }
  if (!limits.allowed_targets.empty()) {
    const rig::v1::Target& t = a.plan().target();
    if (!Allowed(limits.allowed_targets, t.host(), t.port())) {
      return absl::PermissionDeniedError(
          absl::StrCat("target ", t.host(), ":", t.port(),
                       " is not one this agent may connect to (rig-agent "
                       "--allowed-targets ",
                       limits.allowed_targets_text, ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace rig::agent
