#include "coordinator/results/journal.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/base/atomic_file.h"
#include "common/base/logging.h"
#include "google/protobuf/util/json_util.h"

namespace rig::coordinator {
namespace {

// Only a regular file is emptied or cut back (not /dev/full, not a pipe).
bool IsRegularFile(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Journal>> Journal::Open(
    const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) {
    return absl::PermissionDeniedError(absl::StrCat(
        "cannot write the run journal ", path, ": ", std::strerror(errno)));
  }
  return std::unique_ptr<Journal>(new Journal(path, f));
}

Journal::~Journal() { std::fclose(file_); }

void Journal::Begin() {
  if (IsRegularFile(fileno(file_)) && ftruncate(fileno(file_), 0) != 0) {
    Fail(absl::StrCat("cannot empty it: ", std::strerror(errno)));
  }
  whole_bytes_ = 0;
}

void Journal::Fail(const std::string& why) {
  if (!error_.empty()) return;
  error_ = absl::StrCat("the run journal ", path_, " stopped: ", why);
  RIG_LOG(Error) << error_ << " (the run goes on)";
}

void Journal::Write(const rig::v1::JournalEntry& entry) {
  if (!error_.empty()) return;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;  // as the JSON report
  std::string line;
  (void)google::protobuf::util::MessageToJsonString(entry, &line, options);
  line += '\n';
  // write(2), not stdio: nothing stays in a buffer to come out later (at
  // fclose) after a failed write, and a torn line is cut off again.
  const int fd = fileno(file_);
  if (const int err = WriteAll(fd, line); err != 0) {
    if (IsRegularFile(fd)) (void)ftruncate(fd, whole_bytes_);
    Fail(std::strerror(err));
    return;
  }
  whole_bytes_ += static_cast<off_t>(line.size());
}

}  // namespace rig::coordinator
