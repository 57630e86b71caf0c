#include "coordinator/report/writers.h"

#include "coordinator/report/csv.h"
#include "coordinator/report/hdr_log.h"
#include "coordinator/report/html.h"
#include "coordinator/report/json.h"

namespace rig::coordinator {
namespace {

template <typename W>
std::unique_ptr<ReportWriter> Make() {
  return std::make_unique<W>();
}

struct Output {
  std::unique_ptr<ReportWriter> (*make)();
  const std::string& (*path)(const rig::v1::ReportOutputs&);
};

constexpr Output kOutputs[] = {
    {Make<JsonWriter>,
     [](const rig::v1::ReportOutputs& o) -> const std::string& {
       return o.json();
     }},
    {Make<HtmlWriter>,
     [](const rig::v1::ReportOutputs& o) -> const std::string& {
       return o.html();
     }},
    {Make<CsvWriter>,
     [](const rig::v1::ReportOutputs& o) -> const std::string& {
       return o.csv();
     }},
    {Make<HdrLogWriter>,
     [](const rig::v1::ReportOutputs& o) -> const std::string& {
       return o.hdr_log();
     }},
};

}  // namespace

std::vector<ReportFile> ReportFiles(const rig::v1::ReportOutputs& outputs) {
  std::vector<ReportFile> files;
  for (const Output& out : kOutputs) {
    const std::string& path = out.path(outputs);
    if (!path.empty()) files.push_back({out.make(), path});
  }
  return files;
}

}  // namespace rig::coordinator
