// Child processes and file-system helpers for tests.
//
// Everything here is independent of GoogleTest. Processes started by
// Subprocess live in their own process group and are killed (SIGKILL to the
// group) if the test process dies without cleaning up, so a crashing test
// does not leave servers behind.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace rig::testing {

using EnvVars = std::vector<std::pair<std::string, std::string>>;

// A child process running in its own process group, with stdin from
// /dev/null and stdout and stderr appended to a log file.
//
// If the test process exits or dies while the child is still unreaped, a
// small watchdog process kills the child's process group with SIGKILL.
// Not thread-safe: use one Subprocess from one thread at a time.
class Subprocess {
 public:
  // Starts argv (argv[0] is looked up in PATH unless it contains a '/') with
  // the current environment plus `extra_env` (which overrides same-named
  // variables). stdout and stderr are appended to `log_path` (created if
  // needed). Fails if argv is empty, argv[0] is not an executable, the log
  // cannot be opened, or exec fails.
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(
      std::vector<std::string> argv, EnvVars extra_env, std::string log_path);

  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Terminates the process (Terminate(absl::Seconds(10))) if still running.
  ~Subprocess();

  // The child's pid, which is also its process group id.
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  const std::vector<std::string>& argv() const { return argv_; }

  // True until the child has exited (reaps it when it has).
  bool Running();

  // Waits up to `timeout` for the child to exit and returns its exit code, or
  // 128 + signal number if a signal killed it. Returns DeadlineExceeded on
  // timeout without signalling the child. Once the child has exited, returns
  // the same code immediately on every call.
  absl::StatusOr<int> Wait(absl::Duration timeout);

  // Sends `sig` to the child's process group. No-op once it has exited.
  void Signal(int sig);

  // Sends SIGTERM to the process group, waits up to `grace`, then sends
  // SIGKILL; once the child has exited, also SIGKILLs anything left in its
  // process group. Returns the exit status as Wait() does (143 for a clean
  // SIGTERM death, 137 for SIGKILL), or -1 if the child could not be reaped.
  int Terminate(absl::Duration grace);

 private:
  Subprocess(pid_t pid, pid_t watchdog_pid, int watchdog_fd,
             std::vector<std::string> argv, std::string log_path);

  // Checks (without blocking) whether the child has exited; if so and
  // `kill_group` is set, SIGKILLs the rest of its process group before
  // reaping it. Returns true once the child has been reaped.
  bool PollExit(bool kill_group);
  absl::StatusOr<int> WaitImpl(absl::Duration timeout, bool kill_group);
  void DisarmWatchdog();

  pid_t pid_;
  pid_t watchdog_pid_;
  int watchdog_fd_;
  std::vector<std::string> argv_;
  std::string log_path_;
  bool reaped_ = false;
  int exit_code_ = -1;
};

// Output of a command run to completion by RunCommand().
struct CommandResult {
  int exit_code = -1;  // As Subprocess::Wait(): 128 + signal if signalled.
  std::string stdout_text;
  std::string stderr_text;
};

// Runs argv (looked up in PATH like Subprocess::Start) with stdin from
// /dev/null, capturing stdout and stderr separately, and waits up to
// `timeout`. A non-zero exit code is not an error here: check
// CommandResult::exit_code. On timeout, kills the command's process group and
// returns DeadlineExceeded (message includes the output so far).
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         absl::Duration timeout,
                                         const EnvVars& extra_env = {});

// Finds an executable: `name` itself if it contains a '/', else the first
// match in PATH followed by `extra_dirs`. NotFound if there is none.
absl::StatusOr<std::string> FindExecutable(
    const std::string& name, const std::vector<std::string>& extra_dirs = {});

// Asks the kernel for a free TCP port on 127.0.0.1 (binds port 0, reads the
// port, closes the socket). Returns -1 on failure. Another process may take
// the port before it is used: callers that bind it should retry on EADDRINUSE.
int PickFreePort();

// The whole content of `path`, or "" if it cannot be read.
std::string ReadFile(const std::string& path);

// The last `max_lines` lines of `path` ("" if unreadable).
std::string TailFile(const std::string& path, int max_lines);

// True if a process with this pid exists and is not a zombie.
bool ProcessExists(pid_t pid);

// Creates a fresh directory "<base>/<prefix>XXXXXX" (mode 0700) and returns
// its path. MakeTempDir uses $TMPDIR as base, or /tmp if unset or empty.
absl::StatusOr<std::string> MakeTempDir(std::string prefix);
absl::StatusOr<std::string> MakeTempDirIn(const std::string& base,
                                          const std::string& prefix);

// Deletes `path` and everything below it; ignores errors. Refuses "" and "/".
void RemoveTree(const std::string& path);

}  // namespace rig::testing
