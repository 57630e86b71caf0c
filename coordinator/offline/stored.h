#pragma once

// Reports read back from the JSON the coordinator wrote (report.json), for
// `rig-coordinator report show | compare | merge`: parsing with errors that
// name the file, and the stored histograms decoded, so percentiles shown
// again come from the histograms, not from the numbers printed beside them.
//
// Reads report schema 1 (intervals without histograms) and 2 (intervals
// with them; common/base/version.h); a newer schema is refused. Pure;
// thread-safe.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/stats/histogram.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

// The report in `path`. Errors name the path: NotFound (cannot be read),
// InvalidArgument (not JSON, not a rig report, a newer schema).
absl::StatusOr<rig::v1::Report> ReadReport(const std::string& path);
// The same from the text of a file called `name`.
absl::StatusOr<rig::v1::Report> ParseReport(absl::string_view json,
                                            absl::string_view name);

// The histogram stored in `latency`. An empty latency without bytes is an
// empty histogram; samples without bytes (an interval of schema 1) are
// FailedPrecondition, bytes that do not decode DataLoss, naming `where`.
absl::StatusOr<Histogram> StoredHistogram(const rig::v1::Latency& latency,
                                          absl::string_view where);

// Every latency of the report that stores a histogram (total, agents,
// intervals of schema 2) gets its count, min, mean, percentiles and max
// from that histogram again. Errors name the part.
absl::Status RederiveLatencies(rig::v1::Report& report);

}  // namespace rig::coordinator
