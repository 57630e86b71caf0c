#include "tests/support/certs.h"

#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "tests/support/process.h"

namespace rig::testing {

std::string GenerateCertificates(const std::string& dir) {
  const std::string script = dir + "/gen.sh";
  std::ofstream(script) << R"(set -e
cat > ext.cnf <<'EOF'
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
[elsewhere]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:db.elsewhere.invalid
[client]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
EOF
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"; }
ca() {
  key "$1"
  openssl req -new -x509 -config ext.cnf -extensions ca -key "$1.key" \
    -subj "/CN=$2" -days 2 -out "$1.pem"
}
leaf() {  # name, CN, profile, issuer, serial
  key "$1"
  openssl req -new -config ext.cnf -key "$1.key" -subj "/CN=$2" -out "$1.csr"
  openssl x509 -req -in "$1.csr" -CA "$4.pem" -CAkey "$4.key" -set_serial "$5" \
    -days 2 -extfile ext.cnf -extensions "$3" -out "$1.pem"
}
ca ca "rig test CA"
ca other_ca "rig untrusted CA"
leaf server localhost server ca 2
leaf elsewhere db.elsewhere.invalid elsewhere ca 5
leaf client coordinator client ca 3
leaf other_client intruder client other_ca 4
echo "this is not a certificate" > junk.pem
)";
  const std::string command =
      absl::StrCat("cd '", dir, "' && sh gen.sh > gen.log 2>&1");
  if (std::system(command.c_str()) != 0) {
    return absl::StrCat("openssl failed: ", ReadFile(dir + "/gen.log"));
  }
  return "";
}

}  // namespace rig::testing
