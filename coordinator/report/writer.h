#pragma once

// One interface for every output of a run's report: the terminal summary,
// the JSON file, the HTML page (and the formats later issues add). A writer
// renders the whole output as a string; WriteReport puts it in a file. To
// add a file format: a ReportWriter in this folder and a line in
// writers.cc.

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

// Stateless; implementations are thread-safe.
class ReportWriter {
 public:
  virtual ~ReportWriter() = default;
  // Short and stable: "terminal", "json", "html".
  virtual absl::string_view Name() const = 0;
  // How people and error messages name the output: "JSON report".
  virtual absl::string_view Title() const = 0;
  // The whole output; the same report gives the same bytes.
  virtual std::string Render(const rig::v1::Report& report) const = 0;
};

// Writes writer.Render(report) to `path` through WriteFileAtomically
// (common/base/atomic_file.h), so a reader never sees half a file. Errors
// name the writer's Title and the path.
absl::Status WriteReport(const ReportWriter& writer,
                         const rig::v1::Report& report,
                         const std::string& path);

}  // namespace rig::coordinator
