#pragma once

// Byte strings kept in a temporary file instead of in memory. What a run
// keeps for its report grows with its length: every closed interval with
// its encoded histograms, 1-3 KiB each (~4-10 MiB an hour at 1 s
// intervals, more with operation types). In the spill file, the
// coordinator's memory stays flat over a night-long run; the report reads
// the intervals back at its end.
//
// The file has no name (O_TMPFILE, or unlinked right after mkstemp), so a
// crash leaves nothing behind, and it is opened at the first Put. If it
// cannot be made, or a write fails (a full disk), strings are kept in memory
// from then on: nothing is lost, memory grows as it would without the file.
// Not thread-safe.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace rig::coordinator {

class SpillStore {
 public:
  // Where a string was put.
  struct Ref {
    int64_t offset = 0;  // in the file; the index in memory if in_memory
    int64_t size = 0;
    bool in_memory = false;
  };

  // `dir`: where the file goes; empty: $TMPDIR, else /tmp.
  explicit SpillStore(std::string dir = "");
  ~SpillStore();
  SpillStore(SpillStore&& other) noexcept { *this = std::move(other); }
  SpillStore& operator=(SpillStore&& other) noexcept;

  Ref Put(std::string_view bytes);
  // What was put; an error only if the file cannot be read back.
  absl::StatusOr<std::string> Get(const Ref& ref) const;
  // Frees a string kept in memory (space in the file is not reused).
  void Drop(const Ref& ref);

  // Bytes in the file, and held in memory.
  int64_t file_bytes() const { return end_; }
  size_t memory_bytes() const { return held_bytes_; }
  // Why strings are kept in memory, if they are; empty otherwise.
  const std::string& error() const { return error_; }

 private:
  void Open();

  std::string dir_;
  int fd_ = -1;
  bool tried_ = false;   // Open() ran
  bool failed_ = false;  // no file, or a write failed: memory from now on
  int64_t end_ = 0;
  std::vector<std::string> held_;
  size_t held_bytes_ = 0;
  std::string error_;
};

}  // namespace rig::coordinator
