#include "coordinator/results/spill.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace rig::coordinator {

SpillStore::SpillStore(std::string dir) : dir_(std::move(dir)) {
  if (dir_.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    dir_ = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
}

SpillStore::~SpillStore() {
  if (fd_ >= 0) close(fd_);
}

SpillStore& SpillStore::operator=(SpillStore&& other) noexcept {
  if (this == &other) return *this;
  if (fd_ >= 0) close(fd_);
  dir_ = std::move(other.dir_);
  fd_ = std::exchange(other.fd_, -1);
  tried_ = other.tried_;
  failed_ = other.failed_;
  end_ = other.end_;
  held_ = std::move(other.held_);
  held_bytes_ = std::exchange(other.held_bytes_, 0);
  error_ = std::move(other.error_);
  return *this;
}

void SpillStore::Open() {
  tried_ = true;
#ifdef O_TMPFILE
  fd_ = open(dir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#endif
  if (fd_ < 0) {
    // Filesystems without O_TMPFILE: a named file, unlinked at once.
    std::string path = absl::StrCat(dir_, "/rig-spill.XXXXXX");
    fd_ = mkostemp(path.data(), O_CLOEXEC);
    if (fd_ >= 0) unlink(path.c_str());
  }
  if (fd_ < 0) {
    failed_ = true;
    error_ = absl::StrCat("cannot make a temporary file in ", dir_, ": ",
                          std::strerror(errno));
  }
}

SpillStore::Ref SpillStore::Put(std::string_view bytes) {
  if (!tried_) Open();
  if (!failed_) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = pwrite(fd_, bytes.data() + done, bytes.size() - done,
                               end_ + static_cast<int64_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        failed_ = true;
        error_ = absl::StrCat("cannot write a temporary file in ", dir_, ": ",
                              n < 0 ? std::strerror(errno) : "no space");
        break;
      }
      done += static_cast<size_t>(n);
    }
    if (!failed_) {
      Ref ref{end_, static_cast<int64_t>(bytes.size()), false};
      end_ += static_cast<int64_t>(bytes.size());
      return ref;
    }
  }
  held_.emplace_back(bytes);
  held_bytes_ += bytes.size();
  return Ref{static_cast<int64_t>(held_.size() - 1),
             static_cast<int64_t>(bytes.size()), true};
}

absl::StatusOr<std::string> SpillStore::Get(const Ref& ref) const {
  if (ref.in_memory) return held_[ref.offset];
  std::string out(static_cast<size_t>(ref.size), '\0');
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = pread(fd_, out.data() + done, out.size() - done,
                            ref.offset + static_cast<int64_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::DataLossError(absl::StrCat(
          "cannot read back the temporary file in ", dir_, ": ",
          n < 0 ? std::strerror(errno) : "it is shorter than written"));
    }
    done += static_cast<size_t>(n);
  }
  return out;
}

void SpillStore::Drop(const Ref& ref) {
  if (!ref.in_memory) return;
  std::string& s = held_[ref.offset];
  held_bytes_ -= s.size();
  std::string().swap(s);
}

}  // namespace rig::coordinator
