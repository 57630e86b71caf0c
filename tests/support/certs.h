#pragma once

// Test certificates made with the openssl CLI: a CA ("ca"), a server cert
// for localhost and 127.0.0.1 ("server"), a server cert for another host
// name, db.elsewhere.invalid ("elsewhere"), a client cert ("client") signed
// by it, and an untrusted CA with its own client cert ("other_ca",
// "other_client"). Files DIR/NAME.pem and DIR/NAME.key; also DIR/junk.pem.

#include <string>

namespace rig::testing {

// Returns "" on success, else why it failed (with openssl's output).
std::string GenerateCertificates(const std::string& dir);

}  // namespace rig::testing
