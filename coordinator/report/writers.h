#pragma once

// The report files a plan can ask for (its `report` block), one line each
// in writers.cc: a new file format is a ReportWriter and a line there. (The
// journal, written as the run goes, is not a report writer.)

#include <memory>
#include <string>
#include <vector>

#include "coordinator/report/writer.h"
#include "rig/v1/plan.pb.h"

namespace rig::coordinator {

struct ReportFile {
  std::unique_ptr<ReportWriter> writer;
  std::string path;
};

// The files `outputs` names, in the order they are to be written (JSON,
// HTML, CSV, HdrHistogram log); formats without a path are left out.
std::vector<ReportFile> ReportFiles(const rig::v1::ReportOutputs& outputs);

}  // namespace rig::coordinator
