#include "coordinator/faults/exec.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/duration.h"

extern char** environ;

namespace rig::coordinator {
namespace {

// The child's environment: ours with `env` set over it.
std::vector<std::string> Environment(
    const std::map<std::string, std::string>& env) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq != nullptr && env.count(std::string(*e, eq - *e)) > 0) continue;
    out.emplace_back(*e);
  }
  for (const auto& [k, v] : env) out.push_back(absl::StrCat(k, "=", v));
  return out;
}

void Keep(std::string& output, const char* data, size_t n) {
  output.append(data, n);
  if (output.size() > 2 * kMaxExecOutput) {
    output.erase(0, output.size() - kMaxExecOutput);
  }
}

}  // namespace

ExecResult RunFaultCommand(const std::string& command,
                           const std::map<std::string, std::string>& env,
                           absl::Duration timeout) {
  ExecResult r;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    r.outcome = absl::StrCat("could not start: pipe: ", std::strerror(errno));
    return r;
  }
  // Everything the child needs is made before fork (no allocation after).
  const std::vector<std::string> env_strings = Environment(env);
  std::vector<char*> envp;
  for (const auto& e : env_strings)
    envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    r.outcome = absl::StrCat("could not start: fork: ", std::strerror(errno));
    return r;
  }
  if (pid == 0) {
    setpgid(0, 0);  // its own group, so a timeout kills what it started
    // The coordinator blocks SIGINT/SIGTERM for its waiter thread; the
    // command must not inherit that.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    execve("/bin/sh", const_cast<char* const*>(argv), envp.data());
    _exit(127);
  }
  setpgid(pid, pid);  // also here: no race with the child's own call
  close(fds[1]);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  const absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  bool exited = false;
  char buf[4096];
  int reads_after_exit = 0;
  for (;;) {
    if (!exited) {
      const pid_t w = waitpid(pid, &status, WNOHANG);
      exited = w == pid;
    }
    // After the shell exits, take what is already written and stop: a
    // background process it left may hold the pipe open for ever.
    pollfd p{fds[0], POLLIN, 0};
    const int wait_ms =
        exited ? 0
               : static_cast<int>(std::min<int64_t>(
                     50, std::max<int64_t>(0, absl::ToInt64Milliseconds(
                                                  deadline - absl::Now()))));
    const int ready = poll(&p, 1, wait_ms);
    bool eof = false;
    if (ready > 0) {
      for (;;) {
        const ssize_t n = read(fds[0], buf, sizeof(buf));
        if (n > 0) {
          Keep(r.output, buf, static_cast<size_t>(n));
          continue;
        }
        eof = n == 0;
        break;
      }
    }
    if (exited && (eof || ready <= 0 || ++reads_after_exit > 16)) break;
    if (!exited && absl::Now() >= deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      r.timed_out = true;
      break;
    }
  }
  close(fds[0]);
  if (r.output.size() > kMaxExecOutput) {
    r.output.erase(0, r.output.size() - kMaxExecOutput);
  }
  if (r.timed_out) {
    r.outcome = absl::StrCat("timed out after ", rig::FormatDuration(timeout),
                             " (killed)");
  } else if (WIFEXITED(status)) {
    r.exit_status = WEXITSTATUS(status);
    r.ok = r.exit_status == 0;
    r.outcome = absl::StrCat("exit ", r.exit_status);
  } else if (WIFSIGNALED(status)) {
    r.outcome = absl::StrCat("killed by signal ", WTERMSIG(status));
  }
  return r;
}

}  // namespace rig::coordinator
