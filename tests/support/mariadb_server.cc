#include "tests/support/mariadb_server.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>

#include "absl/memory/memory.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "tests/support/certs.h"

namespace rig::testing {
namespace {

// MariaDB's binaries live in /usr/sbin, which a non-root PATH may lack.
const std::vector<std::string>& ExtraBinDirs() {
  static const auto* dirs = new std::vector<std::string>{
      "/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin", "/usr/local/bin"};
  return *dirs;
}

constexpr int kMaxPortAttempts = 5;
constexpr int kLogTailLines = 20;
// sun_path holds 108 bytes including the NUL; keep a margin.
constexpr size_t kMaxSocketPath = 100;
constexpr char kDirPrefix[] = "rig-mariadb-";

absl::StatusOr<std::string> FindTool(const std::string& name,
                                     const std::string& package) {
  absl::StatusOr<std::string> path = FindExecutable(name, ExtraBinDirs());
  if (!path.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(path.status().message(), "; install ", package,
                     " (scripts/install-deps)"));
  }
  return path;
}

absl::StatusOr<std::string> CurrentUserName() {
  if (geteuid() == 0) return std::string("root");
  std::vector<char> buf(16384);
  passwd pw;
  passwd* result = nullptr;
  if (getpwuid_r(geteuid(), &pw, buf.data(), buf.size(), &result) == 0 &&
      result != nullptr && result->pw_name != nullptr) {
    return std::string(result->pw_name);
  }
  return absl::FailedPreconditionError(
      absl::StrCat("cannot find the user name of uid ", geteuid()));
}

// True if `path` can safely appear unquoted in a MariaDB option file and in
// mariadb-install-db's argument handling.
bool IsPlainPath(const std::string& path) {
  if (path.empty() || path[0] != '/') return false;
  return std::none_of(path.begin(), path.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\'' ||
           c == '"' || c == '\\' || c == '#' || c == ';';
  });
}

std::string TempBase() {
  const char* tmpdir = getenv("TMPDIR");
  std::string base = tmpdir != nullptr ? tmpdir : "";
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  const size_t socket_path_len =
      base.size() + 1 + strlen(kDirPrefix) + 6 + strlen("/mysql.sock");
  if (!IsPlainPath(base) || socket_path_len > kMaxSocketPath) return "/tmp";
  return base;
}

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  if (!urandom.read(raw.data(), static_cast<std::streamsize>(bytes))) {
    std::random_device rd;
    for (char& c : raw) c = static_cast<char>(rd());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

// True if something accepts connections on the Unix socket `path`.
bool SocketAccepts(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr;
  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    close(fd);
    return false;
  }
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

int64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

bool LooksLikeBindFailure(const std::string& log) {
  return absl::StrContains(log, "Bind on TCP/IP port") ||
         absl::StrContains(log, "Address already in use") ||
         absl::StrContains(log, "Do you already have another");
}

}  // namespace

absl::StatusOr<std::unique_ptr<MariaDbServer>> MariaDbServer::Start() {
  return Start(Options());
}

absl::StatusOr<std::unique_ptr<MariaDbServer>> MariaDbServer::Start(
    const Options& options) {
  auto server = absl::WrapUnique(new MariaDbServer());
  absl::Status status = server->Init(options);
  if (!status.ok()) return status;  // ~MariaDbServer cleans up.
  return server;
}

MariaDbServer::~MariaDbServer() {
  absl::Status status = Stop();
  if (!status.ok()) {
    fprintf(stderr, "MariaDbServer: %s\n", status.ToString().c_str());
  }
  process_.reset();  // Kills what Stop() could not.
  if (!dir_.empty()) RemoveTree(dir_);
}

absl::Status MariaDbServer::Init(const Options& options) {
  options_ = options;
  absl::StatusOr<std::string> tool = FindTool("mariadbd", "mariadb-server");
  if (!tool.ok()) return tool.status();
  mariadbd_ = *tool;
  tool = FindTool("mariadb-install-db", "mariadb-server");
  if (!tool.ok()) return tool.status();
  install_db_ = *tool;
  tool = FindTool("mariadb", "mariadb-client");
  if (!tool.ok()) return tool.status();
  client_ = *tool;
  tool = FindTool("mariadb-admin", "mariadb-client");
  if (!tool.ok()) return tool.status();
  admin_ = *tool;
  absl::StatusOr<std::string> admin_user = CurrentUserName();
  if (!admin_user.ok()) return admin_user.status();
  admin_user_ = *admin_user;

  absl::StatusOr<std::string> dir = MakeTempDirIn(TempBase(), kDirPrefix);
  if (!dir.ok()) return dir.status();
  dir_ = *dir;
  datadir_ = dir_ + "/db";
  socket_path_ = dir_ + "/mysql.sock";
  cnf_path_ = dir_ + "/my.cnf";
  pid_file_ = dir_ + "/mariadbd.pid";
  error_log_path_ = dir_ + "/mariadbd.err";
  password_ = options_.password.empty() ? RandomHex(16) : options_.password;
  if (!options_.os_user_if_root.empty() && geteuid() == 0) {
    passwd* pw = getpwnam(options_.os_user_if_root.c_str());
    if (pw == nullptr || chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot give ", dir_, " to OS user \"",
                       options_.os_user_if_root, "\""));
    }
  }
  if (!options_.tls_certificate.empty()) {
    cert_dir_ = dir_ + "/certs";
    if (mkdir(cert_dir_.c_str(), 0700) != 0) {
      return absl::InternalError(absl::StrCat("cannot create ", cert_dir_));
    }
    if (std::string e = GenerateCertificates(cert_dir_); !e.empty()) {
      return absl::InternalError(e);
    }
  }

  for (int attempt = 1;; ++attempt) {
    port_ = options_.port > 0 ? options_.port : PickFreePort();
    if (port_ <= 0) {
      return absl::UnavailableError("cannot get a free TCP port on 127.0.0.1");
    }
    absl::Status status = WriteConfig();
    if (!status.ok()) return status;
    if (attempt == 1) {
      status = InstallDb();
      if (!status.ok()) return status;
    }
    bool bind_failed = false;
    status = Launch(&bind_failed, options_.first_launch_args);
    if (status.ok()) break;
    // Someone took the port between PickFreePort() and mariadbd's bind().
    if (!bind_failed || options_.port > 0 || attempt >= kMaxPortAttempts) {
      return status;
    }
  }
  if (!options_.create_user_and_database) return absl::OkStatus();
  return CreateUserAndDatabase();
}

absl::Status MariaDbServer::WriteConfig() {
  std::string cnf = absl::StrCat(
      "# Generated by rig::testing::MariaDbServer.\n"
      "[client]\n"
      "port=",
      port_, "\nsocket=", socket_path_,
      "\n\n"
      "[mysqld]\n"
      "datadir=",
      datadir_, "\nport=", port_,
      "\n"
      "bind-address=127.0.0.1\n"
      "socket=",
      socket_path_, "\npid-file=", pid_file_, "\nlog-error=", error_log_path_,
      // A tmpdir of its own: servers (and mariadb-install-db runs) started
      // side by side collide on temporary table names in a shared /tmp.
      "\ntmpdir=", dir_, "\n",
      geteuid() != 0 ? ""
      : options_.os_user_if_root.empty()
          ? "user=root\n"
          : "user=" + options_.os_user_if_root + "\n",
      "skip-name-resolve\n"
      "innodb_buffer_pool_size=256M\n"
      "innodb_flush_log_at_trx_commit=2\n"
      "max_connections=1000\n");
  if (!cert_dir_.empty()) {
    const std::string& name = options_.tls_certificate;
    absl::StrAppend(&cnf, "ssl-ca=", cert_dir_, "/ca.pem\nssl-cert=", cert_dir_,
                    "/", name, ".pem\nssl-key=", cert_dir_, "/", name,
                    ".key\n");
  }
  for (const std::string& line : options_.extra_mysqld_options) {
    absl::StrAppend(&cnf, line, "\n");
  }
  std::ofstream out(cnf_path_, std::ios::trunc);
  out << cnf;
  out.close();
  if (!out) {
    return absl::InternalError(absl::StrCat("cannot write ", cnf_path_));
  }
  return absl::OkStatus();
}

absl::Status MariaDbServer::InstallDb() {
  absl::StatusOr<CommandResult> result =
      RunCommand({install_db_, "--defaults-file=" + cnf_path_, "--skip-test-db",
                  "--auth-root-authentication-method=socket",
                  "--auth-root-socket-user=" + admin_user_},
                 absl::Seconds(180));
  if (!result.ok()) {
    return absl::Status(
        result.status().code(),
        absl::StrCat("mariadb-install-db: ", result.status().message()));
  }
  const std::string output = result->stdout_text + result->stderr_text;
  {
    std::ofstream log(dir_ + "/install-db.log", std::ios::trunc);
    log << output;
  }
  if (result->exit_code != 0) {
    return absl::InternalError(absl::StrCat(
        "mariadb-install-db failed with exit code ", result->exit_code,
        "; last lines of its output:\n", TailFile(dir_ + "/install-db.log", 10),
        "last lines of ", error_log_path_, ":\n", ErrorLogTail(kLogTailLines)));
  }
  return absl::OkStatus();
}

absl::Status MariaDbServer::Launch(bool* bind_failed,
                                   const std::vector<std::string>& extra_args) {
  *bind_failed = false;
  const int64_t log_offset = FileSize(error_log_path_);
  std::vector<std::string> argv = {mariadbd_, "--defaults-file=" + cnf_path_};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  absl::StatusOr<std::unique_ptr<Subprocess>> process =
      Subprocess::Start(argv, {}, dir_ + "/mariadbd.out");
  if (!process.ok()) return process.status();
  process_ = *std::move(process);

  const absl::Time deadline = absl::Now() + options_.startup_timeout;
  for (;;) {
    if (!process_->Running()) {
      absl::StatusOr<int> code = process_->Wait(absl::ZeroDuration());
      process_.reset();
      std::string log = ReadFile(error_log_path_);
      log = log.substr(std::min<size_t>(log.size(), log_offset));
      *bind_failed = LooksLikeBindFailure(log);
      return absl::UnavailableError(absl::StrCat(
          "mariadbd exited with code ", code.ok() ? *code : -1,
          " during startup",
          *bind_failed ? absl::StrCat(" (port ", port_, " taken)") : "",
          "; last lines of ", error_log_path_, ":\n",
          ErrorLogTail(kLogTailLines)));
    }
    if (SocketAccepts(socket_path_)) {
      std::vector<std::string> ping = AdminArgs(admin_);
      ping.insert(ping.end(), {"--connect-timeout=5", "ping"});
      absl::StatusOr<CommandResult> result =
          RunCommand(ping, absl::Seconds(15));
      if (result.ok() && result->exit_code == 0) return absl::OkStatus();
    }
    if (absl::Now() >= deadline) {
      process_->Terminate(absl::Seconds(10));
      process_.reset();
      return absl::DeadlineExceededError(absl::StrCat(
          "mariadbd did not answer ping within ",
          absl::FormatDuration(options_.startup_timeout), "; last lines of ",
          error_log_path_, ":\n", ErrorLogTail(kLogTailLines)));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

absl::Status MariaDbServer::CreateUserAndDatabase() {
  std::string sql =
      absl::StrCat("CREATE DATABASE IF NOT EXISTS `", database_, "`;");
  for (const char* host : {"127.0.0.1", "localhost"}) {
    const std::string account = absl::StrCat("'", user_, "'@'", host, "'");
    absl::StrAppend(&sql, "CREATE USER ", account, " IDENTIFIED BY '",
                    password_, "';", "GRANT ALL PRIVILEGES ON `", database_,
                    "`.* TO ", account, ";", "GRANT PROCESS ON *.* TO ",
                    account, ";");
  }
  absl::StatusOr<std::string> result = Sql(sql);
  if (!result.ok()) {
    return absl::Status(result.status().code(),
                        absl::StrCat("creating database and user: ",
                                     result.status().message()));
  }
  return absl::OkStatus();
}

std::vector<std::string> MariaDbServer::AdminArgs(
    const std::string& tool) const {
  // --defaults-file must come first. Socket and protocol are explicit so
  // that MYSQL_HOST / MYSQL_UNIX_PORT in the environment cannot redirect us.
  return {tool, "--defaults-file=" + cnf_path_, "--protocol=socket",
          "--socket=" + socket_path_, "-u" + admin_user_};
}

pid_t MariaDbServer::pid() const { return process_ ? process_->pid() : -1; }

bool MariaDbServer::Running() { return process_ && process_->Running(); }

absl::StatusOr<std::string> MariaDbServer::Sql(const std::string& statement,
                                               absl::Duration timeout) {
  if (!Running()) {
    return absl::FailedPreconditionError("the MariaDB server is not running");
  }
  std::vector<std::string> args = AdminArgs(client_);
  args.insert(args.end(), {"-N", "-B", "-e", statement});
  absl::StatusOr<CommandResult> result = RunCommand(args, timeout);
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    std::string err = result->stderr_text;
    while (!err.empty() && err.back() == '\n') err.pop_back();
    return absl::InternalError(absl::StrCat("mariadb -e \"", statement,
                                            "\" failed with exit code ",
                                            result->exit_code, ": ", err));
  }
  return result->stdout_text;
}

absl::Status MariaDbServer::Stop() {
  if (!process_) return absl::OkStatus();
  if (process_->Running()) {
    // The SQL SHUTDOWN statement, not `mariadb-admin shutdown`: the latter
    // polls for the pid file once a second, adding ~1 s to every stop.
    std::vector<std::string> args = AdminArgs(client_);
    args.insert(args.end(), {"--connect-timeout=5", "-e", "SHUTDOWN"});
    absl::StatusOr<CommandResult> result = RunCommand(args, absl::Seconds(30));
    absl::StatusOr<int> code = process_->Wait(absl::Seconds(30));
    if (!code.ok()) {
      fprintf(stderr,
              "MariaDbServer: clean shutdown of pid %d failed (%s); "
              "terminating it\n",
              static_cast<int>(process_->pid()),
              result.ok() ? result->stderr_text.c_str()
                          : result.status().ToString().c_str());
      if (process_->Terminate(absl::Seconds(10)) < 0) {
        return absl::InternalError(
            absl::StrCat("cannot stop mariadbd pid ", process_->pid()));
      }
    }
  }
  process_.reset();
  return absl::OkStatus();
}

absl::Status MariaDbServer::Kill() {
  if (!process_) return absl::OkStatus();
  process_->Signal(SIGKILL);
  absl::StatusOr<int> code = process_->Wait(absl::Seconds(30));
  if (!code.ok()) return code.status();
  process_.reset();
  return absl::OkStatus();
}

absl::Status MariaDbServer::Restart() {
  absl::Status status = Stop();
  if (!status.ok()) return status;
  bool bind_failed = false;
  return Launch(&bind_failed);
}

std::string MariaDbServer::ErrorLogTail(int lines) const {
  return TailFile(error_log_path_, lines);
}

}  // namespace rig::testing
