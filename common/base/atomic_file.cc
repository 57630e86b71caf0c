#include "common/base/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"

namespace rig {
namespace {

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

int WriteAll(int fd, absl::string_view data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : EIO;
    done += static_cast<size_t>(n);
  }
  return 0;
}

absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents,
                                 absl::string_view what) {
  // A new file beside the target: O_EXCL never opens a file or symlink that
  // is already there; the kernel applies the umask to 0666, as for any file
  // the user writes; O_CLOEXEC keeps it from children forked meanwhile.
  std::string tmp_path;
  int fd = -1;
  std::random_device random;
  for (int attempt = 0; fd < 0 && attempt < 100; ++attempt) {
    tmp_path =
        absl::StrCat(path, ".tmp-", absl::Hex(random(), absl::kZeroPad8));
    fd = open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        "cannot write ", what, " ", path, ": ", std::strerror(errno)));
  }
  auto fail = [&](absl::string_view step, int err) {
    std::remove(tmp_path.c_str());
    return absl::DataLossError(absl::StrCat("cannot write ", what, " ", path,
                                            ": ", step,
                                            " failed: ", std::strerror(err)));
  };
  if (const int err = WriteAll(fd, contents); err != 0) {
    close(fd);
    return fail("write", err);
  }
  if (fsync(fd) != 0) {
    const int err = errno;
    close(fd);
    return fail("fsync", err);
  }
  if (close(fd) != 0) return fail("close", errno);
  if (std::rename(tmp_path.c_str(), path.c_str()) != 0) {
    return fail(absl::StrCat("rename from ", tmp_path), errno);
  }
  // The rename itself is durable once the folder is synced.
  const int dir = open(DirOf(path).c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    (void)fsync(dir);
    close(dir);
  }
  return absl::OkStatus();
}

}  // namespace rig
