#pragma once

// A fault's `exec` step: a command run by the coordinator with /bin/sh -c,
// in a process group of its own, with a time limit, extra environment and
// its output (stdout and stderr together) captured.
//
// A command past its time limit is killed with its whole process group
// (SIGKILL) and reported as timed out. Once the shell has exited, output
// still held open by a process it left in the background (`mariadbd &`) is
// not waited for: the step ends with the shell. Thread-safe (no shared
// state); blocks the calling thread for at most about timeout + 1 s.

#include <map>
#include <string>

#include "absl/time/time.h"

namespace rig::coordinator {

struct ExecResult {
  bool ok = false;  // exited with status 0
  bool timed_out = false;
  int exit_status = -1;  // the exit code; -1 when killed or never started
  // "exit 0", "exit 3", "killed by signal 9", "timed out after 2s (killed)",
  // "could not start: ...".
  std::string outcome;
  std::string output;  // the last kMaxExecOutput bytes of stdout and stderr
};

inline constexpr size_t kMaxExecOutput = 4096;

ExecResult RunFaultCommand(const std::string& command,
                           const std::map<std::string, std::string>& env,
                           absl::Duration timeout);

}  // namespace rig::coordinator
