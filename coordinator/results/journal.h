#pragma once

// The run journal (plan report.journal): one JSON line per
// rig.v1.JournalEntry, flushed to the kernel after each, so what the
// coordinator merged survives the coordinator being killed (SIGKILL, OOM,
// an evicted pod). Not thread-safe: the coordinator writes under its lock.
// The first write error stops it (no torn or missing lines after it); the
// report says so.

#include <sys/types.h>

#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

class Journal {
 public:
  // Opens `path` for writing, creating it if missing, without truncating:
  // the previous run's journal stays until Begin(). The error names the path.
  static absl::StatusOr<std::unique_ptr<Journal>> Open(const std::string& path);
  ~Journal();

  // Empties the file: the run has started (its agents answered).
  void Begin();
  // Appends one line, unless an earlier write failed. A write error is
  // logged once and kept (error()); the run goes on.
  void Write(const rig::v1::JournalEntry& entry);
  // Why the journal stopped; empty while it is whole.
  const std::string& error() const { return error_; }

 private:
  void Fail(const std::string& why);
  Journal(std::string path, std::FILE* file)
      : path_(std::move(path)), file_(file) {}
  const std::string path_;
  std::FILE* const file_;
  std::string error_;
  off_t whole_bytes_ = 0;  // the file's length up to its last whole line
};

}  // namespace rig::coordinator
