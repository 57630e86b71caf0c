#include "coordinator/journal.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "google/protobuf/util/json_util.h"

namespace rig::coordinator {

absl::StatusOr<std::unique_ptr<Journal>> Journal::Open(
    const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    return absl::PermissionDeniedError(absl::StrCat(
        "cannot write the run journal ", path, ": ", std::strerror(errno)));
  }
  return std::unique_ptr<Journal>(new Journal(path, f));
}

Journal::~Journal() { std::fclose(file_); }

void Journal::Write(const rig::v1::JournalEntry& entry) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;  // as the JSON report
  std::string line;
  (void)google::protobuf::util::MessageToJsonString(entry, &line, options);
  line += '\n';
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() ||
      std::fflush(file_) != 0) {
    if (!failed_) {
      RIG_LOG(Error) << "cannot write the run journal " << path_ << ": "
                     << std::strerror(errno) << " (the run goes on)";
    }
    failed_ = true;
  }
}

}  // namespace rig::coordinator
