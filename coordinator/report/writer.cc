#include "coordinator/report/writer.h"

#include "common/base/atomic_file.h"

namespace rig::coordinator {

absl::Status WriteReport(const ReportWriter& writer,
                         const rig::v1::Report& report,
                         const std::string& path) {
  return WriteFileAtomically(path, writer.Render(report), writer.Title());
}

}  // namespace rig::coordinator
