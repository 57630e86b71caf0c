// A private, throw-away MariaDB server for tests (what scripts/dev-db start
// does, in C++). Independent of GoogleTest.
//
//   absl::StatusOr<std::unique_ptr<MariaDbServer>> db = MariaDbServer::Start();
//   ASSERT_TRUE(db.ok()) << db.status();
//   // Connect to (*db)->host():(*db)->port() as user()/password(), database().
//
// Needs the mariadb-server and mariadb-client packages (scripts/install-deps).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/support/process.h"

namespace rig::testing {

class MariaDbServer {
 public:
  struct Options {
    // Extra lines for the [mysqld] section of my.cnf, e.g. "wait_timeout=5".
    std::vector<std::string> extra_mysqld_options;
    // How long mariadbd may take to answer a ping, per start.
    absl::Duration startup_timeout = absl::Seconds(60);
    // Serve TLS with this certificate of the set GenerateCertificates()
    // (certs.h) makes in cert_dir(): "server" (for localhost and
    // 127.0.0.1) or "elsewhere" (for another host name, same CA). Empty:
    // no TLS (have_ssl DISABLED, as Debian's mariadbd starts).
    std::string tls_certificate;
    // The SQL port on 127.0.0.1. 0: a free one (picked again if taken
    // before mariadbd binds it); otherwise this one or fail.
    int port = 0;
    // The rig user's password. Empty: 32 random hex chars.
    std::string password;
    // Create database `rig` and user `rig` after the first start. False for
    // a server that gets them otherwise (a Galera joiner, by replication).
    bool create_user_and_database = true;
    // The OS user mariadbd runs as when the tests run as root ("user=" in
    // my.cnf; the temp dir is given to it). Empty: root. Galera's rsync
    // state transfer needs a non-root user (GaleraCluster uses "mysql").
    std::string os_user_if_root;
    // mariadbd arguments for the first start only (not Restart()), e.g.
    // --wsrep-new-cluster to bootstrap a Galera cluster.
    std::vector<std::string> first_launch_args;
  };

  // Creates a temp dir (under $TMPDIR, or /tmp if $TMPDIR is unusable for a
  // socket path or an option file), writes my.cnf for a free port on
  // 127.0.0.1, initialises a datadir with mariadb-install-db, starts
  // mariadbd and waits until it answers a ping, then creates database `rig`
  // and user `rig` ('rig'@'127.0.0.1' and 'rig'@'localhost', random
  // password) with ALL on rig.* and PROCESS. On failure everything is
  // cleaned up and the message includes the tail of the error log.
  static absl::StatusOr<std::unique_ptr<MariaDbServer>> Start();
  static absl::StatusOr<std::unique_ptr<MariaDbServer>> Start(
      const Options& options);

  MariaDbServer(const MariaDbServer&) = delete;
  MariaDbServer& operator=(const MariaDbServer&) = delete;

  // Stops the server and removes its directory.
  ~MariaDbServer();

  const std::string& host() const { return host_; }  // "127.0.0.1"
  int port() const { return port_; }
  const std::string& user() const { return user_; }          // "rig"
  const std::string& password() const { return password_; }  // 32 hex chars
  const std::string& database() const { return database_; }  // "rig"
  const std::string& socket_path() const { return socket_path_; }
  const std::string& dir() const { return dir_; }  // Everything lives here.
  // DIR/certs with tls_certificate (ca.pem, other_ca.pem, client.pem, ...);
  // "" without.
  const std::string& cert_dir() const { return cert_dir_; }
  const std::string& datadir() const { return datadir_; }
  const std::string& defaults_file() const { return cnf_path_; }
  const std::string& error_log_path() const { return error_log_path_; }
  // The OS/MariaDB user that Sql() logs in as over the socket (root if run
  // as root, else the invoking user).
  const std::string& admin_user() const { return admin_user_; }

  // mariadbd's pid, or -1 while stopped.
  pid_t pid() const;
  bool Running();

  // Runs `statement` (one or more statements separated by ';') as the admin
  // user over the socket with the `mariadb` client in batch mode without
  // column names (-N -B) and returns its stdout: one line per row, columns
  // separated by tabs. FailedPrecondition if stopped; Internal with the
  // client's stderr if the statement fails.
  absl::StatusOr<std::string> Sql(const std::string& statement,
                                  absl::Duration timeout = absl::Seconds(60));

  // Clean shutdown (mariadb-admin shutdown), falling back to SIGTERM and then
  // SIGKILL. OK if already stopped.
  absl::Status Stop();

  // SIGKILL, to simulate a crash. OK if already stopped.
  absl::Status Kill();

  // Starts mariadbd again on the same datadir and port (stopping it first if
  // running), e.g. after Stop() or Kill() to end a simulated outage. Fails
  // (with the error log tail) if the port has been taken meanwhile.
  absl::Status Restart();

  // The last `lines` lines of the error log.
  std::string ErrorLogTail(int lines = 20) const;

 private:
  MariaDbServer() = default;

  absl::Status Init(const Options& options);
  absl::Status WriteConfig();
  absl::Status InstallDb();
  // Starts mariadbd and waits for it. *bind_failed is set if it exited
  // because the port was taken.
  absl::Status Launch(bool* bind_failed,
                      const std::vector<std::string>& extra_args = {});
  absl::Status CreateUserAndDatabase();
  std::vector<std::string> AdminArgs(const std::string& tool) const;

  std::string host_ = "127.0.0.1";
  int port_ = -1;
  std::string user_ = "rig";
  std::string password_;
  std::string database_ = "rig";
  std::string admin_user_;
  std::string dir_;
  std::string cert_dir_;
  std::string datadir_;
  std::string socket_path_;
  std::string cnf_path_;
  std::string pid_file_;
  std::string error_log_path_;
  std::string mariadbd_;
  std::string install_db_;
  std::string client_;
  std::string admin_;
  Options options_;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace rig::testing
