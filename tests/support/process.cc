// Child processes for the tests (spawn, pipes, logs, signals, waits) and free
// ports. Long (~600 lines) because the POSIX plumbing is written out once
// here, with the error handling each step needs, so that no test repeats it.

#include "tests/support/process.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"

extern char** environ;

namespace rig::testing {
namespace {

// Highest fd that the fallback paths touch when close_range() is missing.
constexpr long kMaxFdFallback = 65536;

std::string ErrnoString(int err) {
  char buf[256];
  // GNU strerror_r: returns a pointer to the message (maybe not to buf).
  return strerror_r(err, buf, sizeof(buf));
}

absl::Status ErrnoError(absl::string_view what, int err) {
  return absl::ErrnoToStatus(err, absl::StrCat(what, ": ", ErrnoString(err)));
}

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

long MaxFd() {
  long max_fd = sysconf(_SC_OPEN_MAX);
  if (max_fd <= 0) max_fd = 1024;
  return std::min(max_fd, kMaxFdFallback);
}

// Everything the child needs, built before fork(): after fork() in a
// multithreaded parent the child may only make async-signal-safe calls.
struct ExecPlan {
  std::string path;
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::vector<char*> argv_ptrs;
  std::vector<char*> env_ptrs;
  long max_fd = 0;
  pid_t parent_pid = 0;
  bool die_with_parent = false;
};

absl::StatusOr<ExecPlan> MakeExecPlan(const std::vector<std::string>& argv,
                                      const EnvVars& extra_env) {
  if (argv.empty() || argv[0].empty()) {
    return absl::InvalidArgumentError("empty argv");
  }
  absl::StatusOr<std::string> path = FindExecutable(argv[0]);
  if (!path.ok()) return path.status();
  ExecPlan plan;
  plan.path = *std::move(path);
  plan.argv = argv;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    absl::string_view entry(*e);
    absl::string_view key = entry.substr(0, entry.find('='));
    bool overridden = std::any_of(
        extra_env.begin(), extra_env.end(),
        [key](const auto& kv) { return absl::string_view(kv.first) == key; });
    if (!overridden) plan.env.emplace_back(entry);
  }
  for (const auto& [key, value] : extra_env) {
    plan.env.push_back(absl::StrCat(key, "=", value));
  }
  for (std::string& s : plan.argv) plan.argv_ptrs.push_back(s.data());
  plan.argv_ptrs.push_back(nullptr);
  for (std::string& s : plan.env) plan.env_ptrs.push_back(s.data());
  plan.env_ptrs.push_back(nullptr);
  plan.max_fd = MaxFd();
  plan.parent_pid = getpid();
  return plan;
}

// Child side (async-signal-safe only): sets FD_CLOEXEC on every fd >= first.
void CloexecFromInChild(int first, long max_fd) {
  if (close_range(first, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
  for (int fd = first; fd < max_fd; ++fd) {
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
}

// Child side: closes every fd except `keep`.
void CloseAllButInChild(int keep, long max_fd) {
  if ((keep == 0 || close_range(0, keep - 1, 0) == 0) &&
      close_range(keep + 1, ~0U, 0) == 0) {
    return;
  }
  for (int fd = 0; fd < max_fd; ++fd) {
    if (fd != keep) close(fd);
  }
}

// Child side: default dispositions and an empty signal mask, since ignored
// signals and the mask survive exec.
void ResetSignalsInChild() {
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, nullptr);
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &sa, nullptr);
  }
}

// Forks and execs `plan` in a new process group with the given fds as
// stdin/stdout/stderr. Reports exec failures through a CLOEXEC pipe.
absl::StatusOr<pid_t> Spawn(const ExecPlan& plan, int in_fd, int out_fd,
                            int err_fd) {
  int errpipe[2];
  if (pipe2(errpipe, O_CLOEXEC) != 0) return ErrnoError("pipe2", errno);
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(errpipe[0]);
    close(errpipe[1]);
    return ErrnoError("fork", err);
  }
  if (pid == 0) {
    // Child. Move every fd we need above 2 first, so that dup2() onto 0-2
    // cannot clobber one of them (the parent's stdio may be closed).
    int report_fd = fcntl(errpipe[1], F_DUPFD_CLOEXEC, 10);
    if (report_fd < 0) report_fd = errpipe[1];
    int err = 0;
    setpgid(0, 0);
    if (plan.die_with_parent) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != plan.parent_pid) _exit(127);
    }
    ResetSignalsInChild();
    const int std_fds[3] = {in_fd, out_fd, err_fd};
    int high[3];
    for (int i = 0; i < 3; ++i) {
      high[i] = fcntl(std_fds[i], F_DUPFD_CLOEXEC, 10);
      if (high[i] < 0) {
        err = errno;
        goto fail;
      }
    }
    for (int i = 0; i < 3; ++i) {
      if (dup2(high[i], i) < 0) {  // dup2 clears FD_CLOEXEC on the target.
        err = errno;
        goto fail;
      }
    }
    CloexecFromInChild(3, plan.max_fd);
    execve(plan.path.c_str(), plan.argv_ptrs.data(), plan.env_ptrs.data());
    err = errno;
  fail:
    while (write(report_fd, &err, sizeof(err)) < 0 && errno == EINTR) {
    }
    _exit(127);
  }
  // Parent. Set the group here too, so it is in place before we return.
  setpgid(pid, pid);
  close(errpipe[1]);
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(errpipe[0], &child_errno, sizeof(child_errno));
  } while (n < 0 && errno == EINTR);
  close(errpipe[0]);
  if (n == static_cast<ssize_t>(sizeof(child_errno))) {
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return ErrnoError(absl::StrCat("exec ", plan.path), child_errno);
  }
  return pid;
}

// Forks a watchdog that SIGKILLs process group `pgid` when the socket it
// reads reaches EOF without having received a byte first, which happens when
// every copy of the other end is closed: when this process dies.
absl::Status StartWatchdog(pid_t pgid, pid_t* watchdog_pid, int* watchdog_fd) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return ErrnoError("socketpair", errno);
  }
  const long max_fd = MaxFd();
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(sv[0]);
    close(sv[1]);
    return ErrnoError("fork (watchdog)", err);
  }
  if (pid == 0) {
    // Own process group and all signals blocked: a Ctrl-C or a kill of the
    // test's process group must not take the watchdog down with the test.
    setpgid(0, 0);
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    CloseAllButInChild(sv[0], max_fd);
    char c;
    for (;;) {
      ssize_t n = read(sv[0], &c, 1);
      if (n == 1) _exit(0);  // Disarmed: the parent reaped the child.
      if (n == 0) break;     // EOF: every copy of the other end is closed.
      if (errno != EINTR) _exit(1);  // Cannot watch; never kill by mistake.
    }
    kill(-pgid, SIGKILL);
    _exit(0);
  }
  close(sv[0]);
  *watchdog_pid = pid;
  *watchdog_fd = sv[1];
  return absl::OkStatus();
}

void SetNonBlocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// Reads what is available from a non-blocking fd. Returns false on EOF or a
// hard error (the fd is then closed and set to -1).
bool DrainFd(int& fd, std::string& out) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    close(fd);
    fd = -1;
    return false;
  }
}

}  // namespace

// ------------------------------------------------------------ Subprocess ---

Subprocess::Subprocess(pid_t pid, pid_t watchdog_pid, int watchdog_fd,
                       std::vector<std::string> argv, std::string log_path)
    : pid_(pid),
      watchdog_pid_(watchdog_pid),
      watchdog_fd_(watchdog_fd),
      argv_(std::move(argv)),
      log_path_(std::move(log_path)) {}

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(
    std::vector<std::string> argv, EnvVars extra_env, std::string log_path) {
  absl::StatusOr<ExecPlan> plan = MakeExecPlan(argv, extra_env);
  if (!plan.ok()) return plan.status();
  int log_fd =
      open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return ErrnoError(absl::StrCat("open ", log_path), errno);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    int err = errno;
    close(log_fd);
    return ErrnoError("open /dev/null", err);
  }
  absl::StatusOr<pid_t> pid = Spawn(*plan, null_fd, log_fd, log_fd);
  close(null_fd);
  close(log_fd);
  if (!pid.ok()) return pid.status();
  pid_t watchdog_pid = -1;
  int watchdog_fd = -1;
  absl::Status watchdog = StartWatchdog(*pid, &watchdog_pid, &watchdog_fd);
  if (!watchdog.ok()) {
    kill(-*pid, SIGKILL);
    while (waitpid(*pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return watchdog;
  }
  return std::unique_ptr<Subprocess>(new Subprocess(
      *pid, watchdog_pid, watchdog_fd, std::move(argv), std::move(log_path)));
}

Subprocess::~Subprocess() {
  if (!reaped_) Terminate(absl::Seconds(10));
  if (watchdog_fd_ >= 0) {
    // Could not reap the child: closing our end makes the watchdog kill its
    // group. Do not wait for the watchdog; init will reap it.
    close(watchdog_fd_);
    watchdog_fd_ = -1;
  }
}

void Subprocess::DisarmWatchdog() {
  if (watchdog_fd_ < 0) return;
  const char byte = 'x';
  while (send(watchdog_fd_, &byte, 1, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
  close(watchdog_fd_);
  watchdog_fd_ = -1;
  while (waitpid(watchdog_pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  watchdog_pid_ = -1;
}

bool Subprocess::PollExit(bool kill_group) {
  if (reaped_) return true;
  siginfo_t info;
  memset(&info, 0, sizeof(info));
  // WNOWAIT leaves the child a zombie, which keeps its pid (and so its
  // process group id) reserved while we kill the rest of the group.
  int flags = WEXITED | WNOHANG | (kill_group ? WNOWAIT : 0);
  int r;
  do {
    r = waitid(P_PID, pid_, &info, flags);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    // ECHILD: somebody else reaped it. Its status is lost.
    reaped_ = true;
    exit_code_ = -1;
    DisarmWatchdog();
    return true;
  }
  if (info.si_pid == 0) return false;  // Still running.
  if (kill_group) {
    kill(-pid_, SIGKILL);
    memset(&info, 0, sizeof(info));
    do {
      r = waitid(P_PID, pid_, &info, WEXITED);
    } while (r < 0 && errno == EINTR);
  }
  if (r < 0) {
    exit_code_ = -1;
  } else if (info.si_code == CLD_EXITED) {
    exit_code_ = info.si_status;
  } else {
    exit_code_ = 128 + info.si_status;  // CLD_KILLED or CLD_DUMPED.
  }
  reaped_ = true;
  DisarmWatchdog();
  return true;
}

absl::StatusOr<int> Subprocess::WaitImpl(absl::Duration timeout,
                                         bool kill_group) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::Duration nap = absl::Milliseconds(1);
  while (!PollExit(kill_group)) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          absl::StrCat("pid ", pid_, " (", argv_[0], ") still running after ",
                       absl::FormatDuration(timeout)));
    }
    absl::SleepFor(std::min(nap, left));
    nap = std::min(nap * 2, absl::Milliseconds(20));
  }
  return exit_code_;
}

bool Subprocess::Running() { return !PollExit(false); }

absl::StatusOr<int> Subprocess::Wait(absl::Duration timeout) {
  return WaitImpl(timeout, false);
}

void Subprocess::Signal(int sig) {
  if (reaped_) return;  // The pid may belong to someone else by now.
  if (kill(-pid_, sig) != 0 && errno == ESRCH) kill(pid_, sig);
}

int Subprocess::Terminate(absl::Duration grace) {
  if (reaped_) return exit_code_;
  Signal(SIGTERM);
  absl::StatusOr<int> code = WaitImpl(grace, true);
  if (code.ok()) return *code;
  Signal(SIGKILL);
  code = WaitImpl(absl::Seconds(30), true);
  return code.ok() ? *code : -1;
}

// ------------------------------------------------------------ RunCommand ---

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         absl::Duration timeout,
                                         const EnvVars& extra_env) {
  absl::StatusOr<ExecPlan> plan = MakeExecPlan(argv, extra_env);
  if (!plan.ok()) return plan.status();
  // We block until it ends, so tying it to this thread's life is safe.
  plan->die_with_parent = true;
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return ErrnoError("pipe2", errno);
  if (pipe2(err, O_CLOEXEC) != 0) {
    int e = errno;
    close(out[0]);
    close(out[1]);
    return ErrnoError("pipe2", e);
  }
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  absl::StatusOr<pid_t> pid =
      null_fd < 0 ? absl::StatusOr<pid_t>(ErrnoError("open /dev/null", errno))
                  : Spawn(*plan, null_fd, out[1], err[1]);
  if (null_fd >= 0) close(null_fd);
  close(out[1]);
  close(err[1]);
  if (!pid.ok()) {
    close(out[0]);
    close(err[0]);
    return pid.status();
  }
  SetNonBlocking(out[0]);
  SetNonBlocking(err[0]);

  CommandResult result;
  int fds[2] = {out[0], err[0]};
  std::string* bufs[2] = {&result.stdout_text, &result.stderr_text};
  const absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  bool reaped = false;
  for (;;) {
    pollfd pfds[2];
    int npfds = 0;
    int which[2];
    for (int i = 0; i < 2; ++i) {
      if (fds[i] >= 0) {
        pfds[npfds] = {fds[i], POLLIN, 0};
        which[npfds++] = i;
      }
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) break;
    // Wake up now and then to notice a child that exited while something it
    // started keeps the pipes open.
    const int ms = static_cast<int>(std::min<int64_t>(
        absl::ToInt64Milliseconds(left) + 1, npfds > 0 ? 50 : 5));
    if (npfds > 0) {
      if (poll(pfds, npfds, ms) > 0) {
        for (int k = 0; k < npfds; ++k) {
          if (pfds[k].revents != 0) DrainFd(fds[which[k]], *bufs[which[k]]);
        }
      }
    } else {
      absl::SleepFor(absl::Milliseconds(ms));
    }
    pid_t r = waitpid(*pid, &status, WNOHANG);
    if (r == *pid || (r < 0 && errno == ECHILD)) {
      reaped = r == *pid;
      for (int i = 0; i < 2; ++i) {
        if (fds[i] >= 0) DrainFd(fds[i], *bufs[i]);
      }
      break;
    }
  }
  for (int fd : fds) {
    if (fd >= 0) close(fd);
  }
  if (!reaped && absl::Now() >= deadline) {
    kill(-*pid, SIGKILL);
    while (waitpid(*pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return absl::DeadlineExceededError(absl::StrCat(
        absl::StrJoin(argv, " "), ": still running after ",
        absl::FormatDuration(timeout), "; stdout: ", result.stdout_text,
        "; stderr: ", result.stderr_text));
  }
  result.exit_code = reaped ? DecodeWaitStatus(status) : -1;
  return result;
}

// --------------------------------------------------------------- helpers ---

absl::StatusOr<std::string> FindExecutable(
    const std::string& name, const std::vector<std::string>& extra_dirs) {
  auto is_executable = [](const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           access(path.c_str(), X_OK) == 0;
  };
  if (name.empty()) return absl::InvalidArgumentError("empty program name");
  if (name.find('/') != std::string::npos) {
    if (is_executable(name)) return name;
    return absl::NotFoundError(absl::StrCat(name, ": not an executable file"));
  }
  const char* path_env = getenv("PATH");
  std::vector<std::string> dirs = absl::StrSplit(
      path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin", ':');
  dirs.insert(dirs.end(), extra_dirs.begin(), extra_dirs.end());
  for (const std::string& dir : dirs) {
    std::string candidate = absl::StrCat(dir.empty() ? "." : dir, "/", name);
    if (is_executable(candidate)) return candidate;
  }
  return absl::NotFoundError(
      absl::StrCat("'", name, "' not found in PATH or ",
                   extra_dirs.empty() ? "-" : absl::StrJoin(extra_dirs, ":")));
}

int PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr;
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string TailFile(const std::string& path, int max_lines) {
  std::string text = ReadFile(path);
  if (max_lines <= 0 || text.empty()) return "";
  if (text.back() != '\n') text.push_back('\n');
  size_t pos = text.size() - 1;  // The final newline.
  int lines = 0;
  while (pos > 0) {
    size_t nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) {
      pos = 0;
      break;
    }
    if (++lines == max_lines) {
      pos = nl + 1;
      break;
    }
    pos = nl;
  }
  return text.substr(pos);
}

bool ProcessExists(pid_t pid) {
  if (pid <= 0) return false;
  std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  if (stat.empty()) {
    // No procfs entry: gone (or no /proc at all, then ask the kernel).
    if (access("/proc/self/stat", R_OK) == 0) return false;
    return kill(pid, 0) == 0 || errno == EPERM;
  }
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return true;
  const char state = stat[paren + 2];
  return state != 'Z' && state != 'X';
}

absl::StatusOr<std::string> MakeTempDirIn(const std::string& base,
                                          const std::string& prefix) {
  std::string dir = base.empty() ? "/tmp" : base;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  std::string templ = absl::StrCat(dir, "/", prefix, "XXXXXX");
  if (mkdtemp(templ.data()) == nullptr) {
    return ErrnoError(absl::StrCat("mkdtemp ", templ), errno);
  }
  return templ;
}

absl::StatusOr<std::string> MakeTempDir(std::string prefix) {
  const char* tmpdir = getenv("TMPDIR");
  return MakeTempDirIn(tmpdir != nullptr ? tmpdir : "", prefix);
}

void RemoveTree(const std::string& path) {
  if (path.empty() || path == "/") return;
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

}  // namespace rig::testing
