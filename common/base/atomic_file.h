#pragma once

// Writing a whole file so that a reader sees the old contents or the new,
// never a part: a temporary file with a random name beside the target
// (O_EXCL: never a file or symlink that is already there; mode 0666 less the
// umask, as any file the user writes), every byte written and checked,
// fsync, close checked, rename over the target, fsync of the folder. On any
// failure the temporary file is removed and the target left as it was.

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace rig {

// Writes all of `data` to `fd` (retrying short writes and EINTR): 0, or the
// errno of the write that failed.
int WriteAll(int fd, absl::string_view data);

// `what` names the file in errors ("JSON report").
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents,
                                 absl::string_view what);

}  // namespace rig
