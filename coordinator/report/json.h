#pragma once

// The JSON report: the Report message in protobuf's JSON form, snake_case
// field names, every field present (plan included, without the password).
// Pure; thread-safe.

#include <string>

#include "coordinator/report/writer.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

class JsonWriter final : public ReportWriter {
 public:
  absl::string_view Name() const override { return "json"; }
  absl::string_view Title() const override { return "JSON report"; }
  std::string Render(const rig::v1::Report& report) const override;
};

// JsonWriter().Render(report).
std::string ReportToJson(const rig::v1::Report& report);

}  // namespace rig::coordinator
