#include "plan/target.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace rig::plan {
namespace {

bool Verifies(rig::v1::TlsMode mode) {
  return mode == rig::v1::TLS_MODE_VERIFY_CA ||
         mode == rig::v1::TLS_MODE_VERIFY_IDENTITY;
}

absl::Status Problem(const char* where, std::string* key,
                     const std::string& message) {
  if (key != nullptr) *key = where;
  return absl::InvalidArgumentError(message);
}

absl::Status Unreadable(const char* key, const std::string& path,
                        const char* why) {
  return absl::FailedPreconditionError(
      absl::StrCat("\"", key, "\": cannot read \"", path, "\": ", why));
}

}  // namespace

std::string TlsModeName(rig::v1::TlsMode mode) {
  std::string name = rig::v1::TlsMode_Name(mode);
  if (absl::StartsWith(name, "TLS_MODE_")) name = name.substr(9);
  return absl::StrReplaceAll(absl::AsciiStrToLower(name), {{"_", "-"}});
}

absl::Status CheckTargetTls(const rig::v1::Target& t, std::string* key) {
  const rig::v1::TlsMode mode = t.tls_mode();
  const std::string name = TlsModeName(mode);
  if (t.tls() && (mode == rig::v1::TLS_MODE_DISABLED ||
                  mode == rig::v1::TLS_MODE_PREFERRED)) {
    return Problem("target.tls", key,
                   absl::StrCat("\"target.tls\" is true (TLS required) but "
                                "\"target.tls_mode\" is ",
                                name, ": keep one of them"));
  }
  if (!t.tls_ca().empty() && !Verifies(mode)) {
    return Problem(
        "target.tls_ca", key,
        absl::StrCat("\"target.tls_ca\" is set but \"target.tls_mode\" is ",
                     name,
                     ", which does not check the server's certificate: use "
                     "verify-ca or verify-identity"));
  }
  if (mode == rig::v1::TLS_MODE_VERIFY_CA && t.tls_ca().empty()) {
    return Problem("target.tls_mode", key,
                   "\"target.tls_mode\" verify-ca needs \"target.tls_ca\" "
                   "(the CA that signed the server's certificate)");
  }
  if (t.tls_cert().empty() != t.tls_key().empty()) {
    return Problem(
        t.tls_cert().empty() ? "target.tls_key" : "target.tls_cert", key,
        "\"target.tls_cert\" and \"target.tls_key\" go together (a client "
        "certificate and its key)");
  }
  if (!t.tls_cert().empty() && (mode == rig::v1::TLS_MODE_DISABLED ||
                                mode == rig::v1::TLS_MODE_UNSPECIFIED)) {
    return Problem("target.tls_cert", key,
                   "\"target.tls_cert\" is set but \"target.tls_mode\" is "
                   "disabled: a client certificate needs TLS");
  }
  return absl::OkStatus();
}

absl::Status CheckTargetTlsFiles(const rig::v1::Target& t) {
  const std::pair<const char*, const std::string*> files[] = {
      {"target.tls_ca", &t.tls_ca()},
      {"target.tls_cert", &t.tls_cert()},
      {"target.tls_key", &t.tls_key()}};
  for (const auto& [key, path] : files) {
    if (path->empty()) continue;
    errno = 0;
    std::ifstream in(*path);
    const int open_error = errno;
    char byte = 0;
    if (!in) {
      return Unreadable(
          key, *path,
          open_error != 0 ? std::strerror(open_error) : "cannot open it");
    }
    errno = 0;
    if (!in.get(byte)) {
      return Unreadable(key, *path,
                        errno != 0 ? std::strerror(errno) : "it is empty");
    }
  }
  return absl::OkStatus();
}

}  // namespace rig::plan
