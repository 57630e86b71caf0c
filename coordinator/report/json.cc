#include "coordinator/report/json.h"

#include "google/protobuf/util/json_util.h"

namespace rig::coordinator {

std::string JsonWriter::Render(const rig::v1::Report& report) const {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(report, &json, options);
  return json;
}

std::string ReportToJson(const rig::v1::Report& report) {
  return JsonWriter().Render(report);
}

}  // namespace rig::coordinator
