#include "common/base/atomic_file.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

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

absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents,
                                 absl::string_view what) {
  std::vector<char> tmp(path.begin(), path.end());
  const char suffix[] = ".tmp-XXXXXX";
  tmp.insert(tmp.end(), suffix, suffix + sizeof(suffix));  // with the NUL
  // mkstemp opens with O_CREAT | O_EXCL and mode 0600.
  const int fd = mkstemp(tmp.data());
  if (fd < 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        "cannot write ", what, " ", path, ": ", std::strerror(errno)));
  }
  const std::string tmp_path(tmp.data());
  auto fail = [&](absl::string_view step, int err) {
    std::remove(tmp_path.c_str());
    return absl::DataLossError(absl::StrCat("cannot write ", what, " ", path,
                                            ": ", step,
                                            " failed: ", std::strerror(err)));
  };
  // The report is for the user who ran the coordinator and those they
  // share the folder with, as any file they write: 0644 less the umask.
  const mode_t mask = umask(0);
  umask(mask);
  (void)fchmod(fd, 0666 & ~mask);
  size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      close(fd);
      return fail("write", err);
    }
    done += static_cast<size_t>(n);
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
