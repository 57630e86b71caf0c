#pragma once

// The run journal (plan report.journal): one JSON line per
// rig.v1.JournalEntry, flushed to the kernel after each, so what the
// coordinator merged survives the coordinator being killed (SIGKILL, OOM,
// an evicted pod). Not thread-safe: the coordinator writes under its lock.

#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

class Journal {
 public:
  // Creates (truncates) `path`. The error names the path.
  static absl::StatusOr<std::unique_ptr<Journal>> Open(const std::string& path);
  ~Journal();

  // Appends one line. A write error is logged once; the run goes on.
  void Write(const rig::v1::JournalEntry& entry);

 private:
  Journal(std::string path, std::FILE* file)
      : path_(std::move(path)), file_(file) {}
  const std::string path_;
  std::FILE* const file_;
  bool failed_ = false;
};

}  // namespace rig::coordinator
