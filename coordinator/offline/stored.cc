#include "coordinator/offline/stored.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/base/version.h"
#include "coordinator/results/aggregate.h"
#include "google/protobuf/util/json_util.h"

namespace rig::coordinator {
namespace {

// Percentiles from the stored histogram, keeping the bytes.
absl::Status Rederive(rig::v1::Latency* latency, absl::string_view where) {
  if (latency->histogram().empty()) return absl::OkStatus();  // schema 1
  auto h = StoredHistogram(*latency, where);
  if (!h.ok()) return h.status();
  *latency = LatencyOf(*h, /*with_histogram=*/true);
  return absl::OkStatus();
}

absl::Status RederiveSummary(rig::v1::Summary* s, const std::string& where) {
  if (auto st = Rederive(s->mutable_latency(), where); !st.ok()) return st;
  return Rederive(s->mutable_service_latency(),
                  absl::StrCat(where, " service time"));
}

}  // namespace

absl::StatusOr<rig::v1::Report> ParseReport(absl::string_view json,
                                            absl::string_view name) {
  rig::v1::Report r;
  google::protobuf::util::JsonParseOptions options;
  // A field a newer coordinator added does not hide what this one knows;
  // the schema version below says whether the meaning changed.
  options.ignore_unknown_fields = true;
  const auto status = google::protobuf::util::JsonStringToMessage(
      std::string(json), &r, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": not a rig JSON report (", std::string(status.message()), ")"));
  }
  if (r.schema_version() <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        name,
        ": not a rig JSON report (no schema_version; rig-coordinator "
        "writes it with the plan's report.json)"));
  }
  if (r.schema_version() > kReportSchemaVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": report schema ", r.schema_version(),
                     " is newer than this rig-coordinator reads (up to ",
                     kReportSchemaVersion, "); use the version that wrote it (",
                     r.tool_version(), ")"));
  }
  return r;
}

absl::StatusOr<rig::v1::Report> ReadReport(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot read the report: ", std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseReport(text.str(), path);
}

absl::StatusOr<Histogram> StoredHistogram(const rig::v1::Latency& latency,
                                          absl::string_view where) {
  if (latency.histogram().empty()) {
    if (latency.count() == 0) return Histogram();
    return absl::FailedPreconditionError(absl::StrCat(
        where, ": ", latency.count(),
        " samples but no stored histogram (a report of schema 1 keeps none "
        "for intervals)"));
  }
  auto h = Histogram::Decode(latency.histogram());
  if (!h.ok()) {
    return absl::DataLossError(
        absl::StrCat(where, ": bad histogram: ", h.status().message()));
  }
  return h;
}

absl::Status RederiveLatencies(rig::v1::Report& r) {
  if (auto s = RederiveSummary(r.mutable_total(), "total"); !s.ok()) return s;
  for (auto& a : *r.mutable_agents()) {
    if (auto s = RederiveSummary(a.mutable_summary(),
                                 absl::StrCat("agent ", a.name()));
        !s.ok()) {
      return s;
    }
  }
  for (auto& iv : *r.mutable_intervals()) {
    if (auto s =
            Rederive(iv.mutable_latency(), absl::StrCat("interval ", iv.seq()));
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace rig::coordinator
