#include "tests/support/mariadb_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace rig::testing {
namespace {

bool PathExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// Polls `pred` until true or `timeout` passes.
template <typename Pred>
bool Eventually(Pred pred, absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!pred()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> dir = MakeTempDir("rig-support-test-");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
  }
  void TearDown() override { RemoveTree(dir_); }
  std::string Log(const std::string& name) const { return dir_ + "/" + name; }

  std::string dir_;
};

// ------------------------------------------------------------ Subprocess ---

using SubprocessTest = TempDirTest;

TEST_F(SubprocessTest, ReturnsExitCode) {
  auto p = Subprocess::Start({"sh", "-c", "exit 3"}, {}, Log("exit.log"));
  ASSERT_TRUE(p.ok()) << p.status();
  absl::StatusOr<int> code = (*p)->Wait(absl::Seconds(10));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 3);
  EXPECT_FALSE((*p)->Running());
  EXPECT_EQ(*(*p)->Wait(absl::ZeroDuration()), 3);  // Stable after reaping.
}

TEST_F(SubprocessTest, SignalDeathIs128PlusSignal) {
  auto p = Subprocess::Start({"sh", "-c", "kill -9 $$"}, {}, Log("sig.log"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(*(*p)->Wait(absl::Seconds(10)), 128 + SIGKILL);
}

TEST_F(SubprocessTest, WritesStdoutAndStderrToLogWithExtraEnv) {
  auto p = Subprocess::Start(
      {"sh", "-c", "echo out=$RIG_TEST_VAR; echo err >&2; read x; echo r=$?"},
      {{"RIG_TEST_VAR", "hello"}}, Log("out.log"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(*(*p)->Wait(absl::Seconds(10)), 0);
  // stdin is /dev/null, so `read` hits EOF at once (status 1).
  EXPECT_EQ(ReadFile(Log("out.log")), "out=hello\nerr\nr=1\n");
}

TEST_F(SubprocessTest, ExtraEnvOverridesInheritedVariable) {
  auto p = Subprocess::Start({"sh", "-c", "echo $HOME"}, {{"HOME", "/nowhere"}},
                             Log("env.log"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(*(*p)->Wait(absl::Seconds(10)), 0);
  EXPECT_EQ(ReadFile(Log("env.log")), "/nowhere\n");
}

TEST_F(SubprocessTest, StartFailsForMissingProgram) {
  auto p = Subprocess::Start({"rig-no-such-program-xyz"}, {}, Log("x.log"));
  EXPECT_EQ(p.status().code(), absl::StatusCode::kNotFound) << p.status();
  p = Subprocess::Start({"/nonexistent/prog"}, {}, Log("x.log"));
  EXPECT_FALSE(p.ok());
  p = Subprocess::Start({}, {}, Log("x.log"));
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  p = Subprocess::Start({"true"}, {}, dir_ + "/no/such/dir/x.log");
  EXPECT_FALSE(p.ok());
}

TEST_F(SubprocessTest, StartReportsExecFailure) {
  // Executable bit but not a valid executable or script: execve fails.
  const std::string bogus = dir_ + "/bogus";
  {
    std::FILE* f = std::fopen(bogus.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(
        "\x7f"
        "ELF garbage",
        f);
    std::fclose(f);
  }
  ASSERT_EQ(chmod(bogus.c_str(), 0755), 0);
  auto p = Subprocess::Start({bogus}, {}, Log("bogus.log"));
  EXPECT_FALSE(p.ok());
  EXPECT_TRUE(absl::StrContains(p.status().message(), "exec")) << p.status();
}

TEST_F(SubprocessTest, WaitTimesOutWithoutKilling) {
  auto p = Subprocess::Start({"sleep", "100"}, {}, Log("sleep.log"));
  ASSERT_TRUE(p.ok()) << p.status();
  const absl::Time start = absl::Now();
  absl::StatusOr<int> code = (*p)->Wait(absl::Milliseconds(200));
  EXPECT_EQ(code.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(200));
  EXPECT_TRUE((*p)->Running());
  EXPECT_TRUE(ProcessExists((*p)->pid()));

  const pid_t pid = (*p)->pid();
  const absl::Time before_terminate = absl::Now();
  EXPECT_EQ((*p)->Terminate(absl::Seconds(5)), 128 + SIGTERM);
  EXPECT_LT(absl::Now() - before_terminate, absl::Seconds(2));
  EXPECT_FALSE((*p)->Running());
  EXPECT_FALSE(ProcessExists(pid));
  EXPECT_EQ((*p)->Terminate(absl::Seconds(5)), 128 + SIGTERM);  // Idempotent.
}

TEST_F(SubprocessTest, TerminateEscalatesToSigkill) {
  auto p = Subprocess::Start(
      {"sh", "-c", "trap '' TERM; echo ready; exec sleep 100"}, {},
      Log("stubborn.log"));
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_TRUE(
      Eventually([&] { return ReadFile(Log("stubborn.log")) == "ready\n"; }));
  const absl::Time start = absl::Now();
  EXPECT_EQ((*p)->Terminate(absl::Milliseconds(300)), 128 + SIGKILL);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
  EXPECT_FALSE(ProcessExists((*p)->pid()));
}

TEST_F(SubprocessTest, TerminateKillsTheWholeProcessGroup) {
  auto p = Subprocess::Start({"sh", "-c", "sleep 100 & echo $!; wait"}, {},
                             Log("group.log"));
  ASSERT_TRUE(p.ok()) << p.status();
  int child = 0;
  ASSERT_TRUE(Eventually([&] {
    std::string text = ReadFile(Log("group.log"));
    return absl::EndsWith(text, "\n") &&
           absl::SimpleAtoi(text.substr(0, text.size() - 1), &child);
  }));
  ASSERT_TRUE(ProcessExists(child));
  EXPECT_EQ(getpgid(child), (*p)->pid());
  (*p)->Terminate(absl::Seconds(5));
  // The orphaned sleep is reaped by init, so allow a moment.
  EXPECT_TRUE(Eventually([&] { return !ProcessExists(child); }));
}

TEST_F(SubprocessTest, SignalReachesProcess) {
  auto p = Subprocess::Start({"sleep", "100"}, {}, Log("sig2.log"));
  ASSERT_TRUE(p.ok()) << p.status();
  (*p)->Signal(SIGINT);
  EXPECT_EQ(*(*p)->Wait(absl::Seconds(10)), 128 + SIGINT);
  (*p)->Signal(SIGKILL);  // After exit: a no-op.
}

TEST_F(SubprocessTest, DestructorTerminatesRunningProcess) {
  pid_t pid;
  {
    auto p = Subprocess::Start({"sleep", "100"}, {}, Log("dtor.log"));
    ASSERT_TRUE(p.ok()) << p.status();
    pid = (*p)->pid();
    ASSERT_TRUE(ProcessExists(pid));
  }
  EXPECT_FALSE(ProcessExists(pid));
}

TEST_F(SubprocessTest, ChildIsKilledWhenTheTestProcessDies) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t parent = fork();
  ASSERT_GE(parent, 0);
  if (parent == 0) {
    // A stand-in test process that starts a child and then dies abruptly,
    // without running any destructor.
    close(fds[0]);
    auto p = Subprocess::Start({"sleep", "100"}, {}, Log("orphan.log"));
    pid_t pid = p.ok() ? (*p)->pid() : -1;
    (void)!write(fds[1], &pid, sizeof(pid));
    _exit(0);
  }
  close(fds[1]);
  pid_t child = -1;
  ASSERT_EQ(read(fds[0], &child, sizeof(child)),
            static_cast<ssize_t>(sizeof(child)));
  close(fds[0]);
  ASSERT_EQ(waitpid(parent, nullptr, 0), parent);
  ASSERT_GT(child, 0);
  EXPECT_TRUE(Eventually([&] { return !ProcessExists(child); }))
      << "orphaned child " << child << " still alive";
  if (ProcessExists(child)) kill(child, SIGKILL);
}

// ------------------------------------------------------------ RunCommand ---

TEST(RunCommandTest, CapturesStdoutStderrAndExitCode) {
  absl::StatusOr<CommandResult> r = RunCommand(
      {"sh", "-c", "echo out; echo err >&2; exit 5"}, absl::Seconds(10));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 5);
  EXPECT_EQ(r->stdout_text, "out\n");
  EXPECT_EQ(r->stderr_text, "err\n");
}

TEST(RunCommandTest, LargeOutput) {
  absl::StatusOr<CommandResult> r =
      RunCommand({"sh", "-c", "seq 1 200000"}, absl::Seconds(30));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_TRUE(absl::EndsWith(r->stdout_text, "\n199999\n200000\n"));
}

TEST(RunCommandTest, TimesOutAndKills) {
  const absl::Time start = absl::Now();
  absl::StatusOr<CommandResult> r =
      RunCommand({"sleep", "100"}, absl::Milliseconds(200));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(RunCommandTest, ReturnsWhenBackgroundChildKeepsPipesOpen) {
  const absl::Time start = absl::Now();
  absl::StatusOr<CommandResult> r =
      RunCommand({"sh", "-c", "sleep 3 & echo started"}, absl::Seconds(10));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->stdout_text, "started\n");
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

// --------------------------------------------------------------- helpers ---

TEST(HelpersTest, PickFreePortIsBindable) {
  int port = PickFreePort();
  ASSERT_GT(port, 0);
  ASSERT_LT(port, 65536);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  close(fd);
}

TEST(HelpersTest, TempDirReadFileTailFileRemoveTree) {
  absl::StatusOr<std::string> dir = MakeTempDir("rig-helpers-");
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_TRUE(PathExists(*dir));
  EXPECT_EQ(ReadFile(*dir + "/missing"), "");
  ASSERT_EQ(mkdir((*dir + "/a").c_str(), 0700), 0);
  const std::string file = *dir + "/a/f.txt";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("one\ntwo\nthree\n", f);
    std::fclose(f);
  }
  EXPECT_EQ(ReadFile(file), "one\ntwo\nthree\n");
  EXPECT_EQ(TailFile(file, 2), "two\nthree\n");
  EXPECT_EQ(TailFile(file, 10), "one\ntwo\nthree\n");
  EXPECT_EQ(TailFile(file, 0), "");
  RemoveTree(*dir);
  EXPECT_FALSE(PathExists(*dir));
}

TEST(HelpersTest, ProcessExists) {
  EXPECT_TRUE(ProcessExists(getpid()));
  EXPECT_FALSE(ProcessExists(0));
  EXPECT_FALSE(ProcessExists(-1));
}

TEST(HelpersTest, FindExecutable) {
  absl::StatusOr<std::string> sh = FindExecutable("sh");
  ASSERT_TRUE(sh.ok()) << sh.status();
  EXPECT_EQ(sh->front(), '/');
  EXPECT_FALSE(FindExecutable("rig-no-such-program-xyz").ok());
}

// --------------------------------------------------------- MariaDbServer ---

// Runs `sql` as the rig user with the mariadb client; `over_tcp` picks
// 127.0.0.1:port, else the socket.
absl::StatusOr<CommandResult> RigQuery(const MariaDbServer& db,
                                       const std::string& sql, bool over_tcp) {
  std::vector<std::string> argv = {"mariadb", "--no-defaults"};
  if (over_tcp) {
    argv.insert(argv.end(), {"--protocol=tcp", "-h" + db.host(),
                             "-P" + std::to_string(db.port())});
  } else {
    argv.insert(argv.end(), {"--protocol=socket", "-S" + db.socket_path()});
  }
  argv.insert(argv.end(), {"-u" + db.user(), "-p" + db.password(), "-N", "-B",
                           db.database(), "-e", sql});
  // The client lives in /usr/bin; PATH is fine.
  return RunCommand(argv, absl::Seconds(30));
}

TEST(MariaDbServerTest, StartQueryLoginStopRestartAndCleanUp) {
  absl::StatusOr<std::unique_ptr<MariaDbServer>> started =
      MariaDbServer::Start();
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<MariaDbServer> db = *std::move(started);

  EXPECT_EQ(db->host(), "127.0.0.1");
  EXPECT_GT(db->port(), 0);
  EXPECT_EQ(db->user(), "rig");
  EXPECT_EQ(db->database(), "rig");
  EXPECT_EQ(db->password().size(), 32u);
  EXPECT_TRUE(absl::StartsWith(db->datadir(), db->dir()));
  EXPECT_TRUE(PathExists(db->socket_path()));
  const std::string dir = db->dir();
  const pid_t pid = db->pid();
  EXPECT_TRUE(ProcessExists(pid));
  EXPECT_TRUE(db->Running());

  absl::StatusOr<std::string> one = db->Sql("SELECT 1");
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(*one, "1\n");
  absl::StatusOr<std::string> port = db->Sql("SELECT @@port, @@bind_address");
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_EQ(*port, absl::StrCat(db->port(), "\t127.0.0.1\n"));
  EXPECT_EQ(db->Sql("SELEKT nonsense").status().code(),
            absl::StatusCode::kInternal);

  // The rig user logs in over TCP and over the socket, and can see the
  // processlist (PROCESS privilege) and create tables in rig.
  absl::StatusOr<CommandResult> tcp =
      RigQuery(*db, "SELECT CURRENT_USER(), DATABASE()", true);
  ASSERT_TRUE(tcp.ok()) << tcp.status();
  EXPECT_EQ(tcp->exit_code, 0) << tcp->stderr_text;
  EXPECT_EQ(tcp->stdout_text, "rig@127.0.0.1\trig\n");
  absl::StatusOr<CommandResult> sock =
      RigQuery(*db, "SELECT CURRENT_USER()", false);
  ASSERT_TRUE(sock.ok()) << sock.status();
  EXPECT_EQ(sock->exit_code, 0) << sock->stderr_text;
  EXPECT_EQ(sock->stdout_text, "rig@localhost\n");
  absl::StatusOr<CommandResult> ddl =
      RigQuery(*db,
               "CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (42);"
               "SELECT COUNT(*) > 0 FROM information_schema.PROCESSLIST "
               "WHERE USER = 'root' OR USER = 'rig'",
               true);
  ASSERT_TRUE(ddl.ok()) << ddl.status();
  EXPECT_EQ(ddl->exit_code, 0) << ddl->stderr_text;
  EXPECT_EQ(ddl->stdout_text, "1\n");

  // Stop: the process is gone, queries fail, the data stays.
  ASSERT_TRUE(db->Stop().ok());
  EXPECT_FALSE(ProcessExists(pid));
  EXPECT_TRUE(
      absl::StrContains(ReadFile(db->error_log_path()), "Shutdown complete"))
      << db->ErrorLogTail();
  EXPECT_FALSE(db->Running());
  EXPECT_EQ(db->pid(), -1);
  EXPECT_EQ(db->Sql("SELECT 1").status().code(),
            absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<CommandResult> refused = RigQuery(*db, "SELECT 1", true);
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_NE(refused->exit_code, 0);
  EXPECT_TRUE(db->Stop().ok());  // Stopping twice is fine.

  // Restart on the same port and datadir.
  const int old_port = db->port();
  ASSERT_TRUE(db->Restart().ok());
  EXPECT_EQ(db->port(), old_port);
  EXPECT_NE(db->pid(), pid);
  absl::StatusOr<CommandResult> again = RigQuery(*db, "SELECT id FROM t", true);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->stdout_text, "42\n") << again->stderr_text;

  // Crash and recover.
  const pid_t pid2 = db->pid();
  ASSERT_TRUE(db->Kill().ok());
  EXPECT_FALSE(ProcessExists(pid2));
  ASSERT_TRUE(db->Restart().ok()) << db->ErrorLogTail();
  EXPECT_EQ(*db->Sql("SELECT id FROM rig.t"), "42\n");

  const pid_t pid3 = db->pid();
  db.reset();
  EXPECT_FALSE(ProcessExists(pid3));
  EXPECT_FALSE(PathExists(dir));
}

TEST(MariaDbServerTest, RestartFailsWhenPortTakenAndReportsLog) {
  absl::StatusOr<std::unique_ptr<MariaDbServer>> db = MariaDbServer::Start();
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->Stop().ok());
  // Squat on the port.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>((*db)->port()));
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  absl::Status restart = (*db)->Restart();
  EXPECT_EQ(restart.code(), absl::StatusCode::kUnavailable) << restart;
  EXPECT_TRUE(absl::StrContains(restart.message(), "Bind on TCP/IP port"))
      << restart;
  EXPECT_FALSE((*db)->Running());
  close(fd);
  absl::Status retry = (*db)->Restart();
  ASSERT_TRUE(retry.ok()) << retry;
  EXPECT_EQ(*(*db)->Sql("SELECT 2"), "2\n");
}

TEST(MariaDbServerTest, TwoServersSideBySideWithExtraOptions) {
  MariaDbServer::Options options;
  options.extra_mysqld_options = {"max_connections=77"};
  absl::StatusOr<std::unique_ptr<MariaDbServer>> a =
      MariaDbServer::Start(options);
  ASSERT_TRUE(a.ok()) << a.status();
  absl::StatusOr<std::unique_ptr<MariaDbServer>> b = MariaDbServer::Start();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_NE((*a)->port(), (*b)->port());
  EXPECT_NE((*a)->dir(), (*b)->dir());
  EXPECT_NE((*a)->password(), (*b)->password());
  EXPECT_EQ(*(*a)->Sql("SELECT @@max_connections"), "77\n");
  EXPECT_EQ(*(*b)->Sql("SELECT @@max_connections"), "1000\n");
}

// The options GaleraCluster starts its nodes with: a chosen port, a given
// password, no rig user (a joiner gets it by replication), another OS user
// when run as root, and arguments for the first start only.
TEST(MariaDbServerTest, ChosenPortPasswordOsUserAndNoUser) {
  MariaDbServer::Options options;
  options.port = PickFreePort();
  options.password = "given";
  options.create_user_and_database = false;
  options.os_user_if_root = "mysql";
  options.first_launch_args = {"--max-connections=55"};
  absl::StatusOr<std::unique_ptr<MariaDbServer>> db =
      MariaDbServer::Start(options);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ((*db)->port(), options.port);
  EXPECT_EQ((*db)->password(), "given");
  EXPECT_EQ(*(*db)->Sql("SELECT COUNT(*) FROM mysql.user WHERE User='rig'"),
            "0\n");
  EXPECT_EQ(*(*db)->Sql("SELECT @@max_connections"), "55\n");
  if (geteuid() == 0 && getpwnam("mysql") != nullptr) {
    struct stat st;  // mariadbd (as mysql) made its files
    ASSERT_EQ(stat(absl::StrCat((*db)->datadir(), "/ibdata1").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, getpwnam("mysql")->pw_uid);
  }
  ASSERT_TRUE((*db)->Restart().ok()) << (*db)->ErrorLogTail();
  EXPECT_EQ(*(*db)->Sql("SELECT @@max_connections"), "1000\n");
}

TEST(MariaDbServerTest, BadOptionFailsWithErrorLogInStatus) {
  // Rejected already by mariadb-install-db's bootstrap run.
  MariaDbServer::Options options;
  options.extra_mysqld_options = {"rig-no-such-option=1"};
  absl::StatusOr<std::unique_ptr<MariaDbServer>> db =
      MariaDbServer::Start(options);
  ASSERT_FALSE(db.ok());
  EXPECT_TRUE(absl::StrContains(db.status().message(),
                                "unknown variable 'rig-no-such-option=1'"))
      << db.status();
}

TEST(MariaDbServerTest, StartupFailureReportsErrorLogTail) {
  // init-file is ignored by the bootstrap, so mariadbd itself fails.
  absl::StatusOr<std::string> tmp = MakeTempDir("rig-initfile-");
  ASSERT_TRUE(tmp.ok()) << tmp.status();
  MariaDbServer::Options options;
  options.extra_mysqld_options = {"init-file=" + *tmp + "/missing.sql"};
  options.startup_timeout = absl::Seconds(30);
  absl::StatusOr<std::unique_ptr<MariaDbServer>> db =
      MariaDbServer::Start(options);
  RemoveTree(*tmp);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kUnavailable) << db.status();
  EXPECT_TRUE(absl::StrContains(db.status().message(), "mariadbd exited"))
      << db.status();
  EXPECT_TRUE(absl::StrContains(db.status().message(), "missing.sql"))
      << db.status();
}

}  // namespace
}  // namespace rig::testing
