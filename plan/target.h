#pragma once

// What a plan's target asks of the connection, checked the same way by the
// coordinator (plan validate, before a run; with the key's line) and the
// agent (Initializing, before it connects; the files too, since the paths
// name files on the agents' machines).

#include <string>

#include "absl/status/status.h"
#include "rig/v1/plan.pb.h"

namespace rig::plan {

// The TLS keys agree with each other (after ApplyPlanDefaults, which turns
// `tls: true` into `tls_mode: required`): `tls: true` with a weaker
// tls_mode, tls_ca outside verify-ca / verify-identity, verify-ca without
// tls_ca, tls_cert without tls_key (or the reverse), a client certificate
// with TLS disabled. InvalidArgument naming the key; *key is set to its
// dotted path ("target.tls_ca") for the caller to find its line.
absl::Status CheckTargetTls(const rig::v1::Target& target, std::string* key);

// Each of tls_ca, tls_cert and tls_key that is set names a file this
// process can read: FailedPrecondition naming the key, the path and why.
absl::Status CheckTargetTlsFiles(const rig::v1::Target& target);

// "verify-identity" for TLS_MODE_VERIFY_IDENTITY, as a plan writes it.
std::string TlsModeName(rig::v1::TlsMode mode);

}  // namespace rig::plan
