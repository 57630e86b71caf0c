#pragma once

// The response-time histogram of every interval as an HdrHistogram interval
// log (report.hdr_log), the format of HdrHistogram's HistogramLogWriter
// (log format 1.3, V2 histogram encoding), which HistogramLogProcessor,
// HistogramLogAnalyzer and the HdrHistogram libraries read:
//
//   #[Histogram log format version 1.3]
//   #[StartTime: <started_at, s since the epoch> (seconds since epoch), <date>]
//   #[BaseTime: <the same> (seconds since epoch)]
//   "StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
//   <start s>,<length s>,<max ms>,<base64 of the compressed histogram>
//
// Timestamps are seconds since StartTime (the coordinator's timeline).
// Values are microseconds (Interval_Max is in milliseconds: the unit ratio
// is 1000; give HistogramLogProcessor -outputValueUnitRatio 1000).
//
// Layout: our histogram (common/stats/histogram.h) is HdrHistogram's with
// lowest discernible value 1, highest trackable 3,600,000,000 and 3
// significant digits; the encoding states exactly those, so every bucket
// maps one to one (no precision is lost). Encoding, as published
// (HdrHistogram_c hdr_encode_compressed, Java encodeIntoCompressedByteBuffer):
// a 40-byte big-endian header (cookie 0x1c849313 = V2 encoding | word size
// 1, payload length, normalizing index offset 0, significant digits,
// lowest, highest, integer-to-double ratio 1.0), then the counts up to the
// max value's index as ZigZag LEB128 varints, a run of zero counts as one
// negative number; that deflated with zlib behind an 8-byte header
// (cookie 0x1c849314 = V2 compressed | word size 1, compressed length),
// then base64.
//
// Intervals without a stored histogram (report schema 1) are left out,
// with a comment line saying so. Pure; thread-safe.

#include <string>

#include "absl/status/statusor.h"
#include "common/stats/histogram.h"
#include "coordinator/report/writer.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

class HdrLogWriter final : public ReportWriter {
 public:
  absl::string_view Name() const override { return "hdr_log"; }
  absl::string_view Title() const override {
    return "HdrHistogram interval log";
  }
  std::string Render(const rig::v1::Report& report) const override;
};

// One histogram in HdrHistogram's compressed V2 form (before base64).
std::string HdrCompressedV2(const Histogram& histogram);

}  // namespace rig::coordinator
