#include "plan/dsn.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/base/duration.h"
#include "common/base/proto_duration.h"
#include "plan/endpoints.h"
#include "plan/schema.h"

namespace rig::plan {
namespace {

// %XX decoded; false on a bad escape.
bool Unescape(absl::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size() || !absl::ascii_isxdigit(in[i + 1]) ||
        !absl::ascii_isxdigit(in[i + 2])) {
      return false;
    }
    out->push_back(static_cast<char>(
        std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
    i += 2;
  }
  return true;
}

}  // namespace

absl::Status ExpandDsn(rig::v1::Target& target) {
  if (target.dsn().empty()) return absl::OkStatus();
  const std::string dsn = target.dsn();
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"target.dsn\" ", why,
        " (write mysql://user@host:port[,host:port...]/database?key=value)"));
  };
  for (const char* key : kDsnKeys) {
    const auto* f = rig::v1::Target::descriptor()->FindFieldByName(key);
    const auto* r = target.GetReflection();
    if (f->is_repeated() ? r->FieldSize(target, f) > 0
                         : r->HasField(target, f)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"target.dsn\" and \"target.", key,
          "\" are both given: the DSN sets ", key, "; give one or the other"));
    }
  }
  absl::string_view rest = dsn;
  if (!absl::ConsumePrefix(&rest, "mysql://")) {
    return bad("does not start with mysql://");
  }
  rig::v1::Target out = target;
  out.clear_dsn();
  absl::string_view query;
  if (const size_t q = rest.find('?'); q != absl::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  absl::string_view path;
  if (const size_t slash = rest.find('/'); slash != absl::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (const size_t at = rest.rfind('@'); at != absl::string_view::npos) {
    absl::string_view user = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (user.find(':') != absl::string_view::npos) {
      return bad(
          "carries a password: give it in the environment variable that "
          "target.password_env names (default RIG_DB_PASSWORD), never in a "
          "plan or on a command line");
    }
    std::string decoded;
    if (user.empty() || !Unescape(user, &decoded)) return bad("has a bad user");
    out.set_user(decoded);
  }
  if (rest.empty()) return bad("has no host");
  const int default_port =
      target.port() > 0 ? target.port() : PlanDefaults().target().port();
  std::vector<std::string> hosts = absl::StrSplit(rest, ',');
  std::vector<Endpoint> endpoints;
  for (const std::string& h : hosts) {
    auto e = ParseEndpoint(h, default_port);
    if (!e.ok()) return bad(absl::StrCat("has an ", e.status().message()));
    endpoints.push_back(*std::move(e));
  }
  if (endpoints.size() == 1) {
    out.set_host(endpoints[0].host);
    out.set_port(endpoints[0].port);
  } else {
    for (const Endpoint& e : endpoints) out.add_endpoints(e.name);
  }
  if (!path.empty()) {
    std::string db;
    if (!Unescape(path, &db) || db.find('/') != std::string::npos) {
      return bad("has a bad database name");
    }
    out.set_database(db);
  }
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(pair, '=');
    std::string value;
    if (!Unescape(kv.second, &value)) {
      return bad(absl::StrCat("has a bad value for ", kv.first));
    }
    auto duration = [&](google::protobuf::Duration* d) -> absl::Status {
      auto parsed = ParseDuration(value);
      if (!parsed.ok() || *parsed <= absl::ZeroDuration()) {
        return bad(absl::StrCat("parameter ", kv.first, "=", value,
                                " is not a duration such as 5s"));
      }
      *d = ToProto(*parsed);
      return absl::OkStatus();
    };
    if (kv.first == "balance") {
      rig::v1::Balance b;
      if (!rig::v1::Balance_Parse(
              absl::StrCat("BALANCE_", absl::AsciiStrToUpper(value)), &b) ||
          b == rig::v1::BALANCE_UNSPECIFIED) {
        return bad(absl::StrCat("parameter balance=", value,
                                " is not round_robin or least_connections"));
      }
      out.set_balance(b);
    } else if (kv.first == "connection_lifetime") {
      if (auto s = duration(out.mutable_connection_lifetime()); !s.ok()) {
        return s;
      }
    } else if (kv.first == "connect_timeout") {
      if (auto s = duration(out.mutable_connect_timeout()); !s.ok()) return s;
    } else if (kv.first == "read_timeout") {
      if (auto s = duration(out.mutable_read_timeout()); !s.ok()) return s;
    } else if (kv.first == "write_timeout") {
      if (auto s = duration(out.mutable_write_timeout()); !s.ok()) return s;
    } else if (kv.first == "tls" || kv.first == "tls_mode" ||
               kv.first == "ssl-mode") {
      static const std::pair<const char*, rig::v1::TlsMode> kModes[] = {
          {"disabled", rig::v1::TLS_MODE_DISABLED},
          {"false", rig::v1::TLS_MODE_DISABLED},
          {"preferred", rig::v1::TLS_MODE_PREFERRED},
          {"required", rig::v1::TLS_MODE_REQUIRED},
          {"true", rig::v1::TLS_MODE_REQUIRED},
          {"verify-ca", rig::v1::TLS_MODE_VERIFY_CA},
          {"verify-identity", rig::v1::TLS_MODE_VERIFY_IDENTITY}};
      bool found = false;
      for (const auto& [name, mode] : kModes) {
        if (absl::EqualsIgnoreCase(value, name)) {
          out.set_tls_mode(mode);
          found = true;
        }
      }
      if (!found) {
        return bad(
            absl::StrCat("parameter ", kv.first, "=", value,
                         " is not disabled, preferred, required, verify-ca or "
                         "verify-identity"));
      }
    } else if (kv.first == "tls_ca") {
      out.set_tls_ca(value);
    } else if (kv.first == "protocol") {
      if (value == "text") {
        out.set_protocol(rig::v1::STATEMENT_PROTOCOL_TEXT);
      } else if (value == "prepared") {
        out.set_protocol(rig::v1::STATEMENT_PROTOCOL_PREPARED);
      } else {
        return bad(absl::StrCat("parameter protocol=", value,
                                " is not prepared or text"));
      }
    } else {
      return bad(absl::StrCat(
          "has an unknown parameter \"", kv.first,
          "\" (balance, connection_lifetime, connect_timeout, read_timeout, "
          "write_timeout, tls, tls_ca, protocol)"));
    }
  }
  target = std::move(out);
  return absl::OkStatus();
}

}  // namespace rig::plan
