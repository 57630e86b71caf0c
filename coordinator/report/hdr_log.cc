#include "coordinator/report/hdr_log.h"

#include <zlib.h>

#include <cstring>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"

namespace rig::coordinator {
namespace {

constexpr uint32_t kV2EncodingCookie = 0x1c849303 | 0x10;    // word size 1
constexpr uint32_t kV2CompressedCookie = 0x1c849304 | 0x10;  // word size 1
constexpr int kHeaderBytes = 40;

// HdrHistogram's counts index for (lowest 1, highest 3.6e9, 3 digits):
// unit magnitude 0, sub-bucket half count magnitude 10.
int HdrIndex(int64_t v) {
  constexpr int kHalfMagnitude = Histogram::kSubBucketHalfCountMagnitude;
  constexpr int64_t kMask = Histogram::kSubBucketMask;
  const int bucket = 64 - __builtin_clzll(static_cast<uint64_t>(v) | kMask) -
                     (kHalfMagnitude + 1);
  const int64_t sub = v >> bucket;
  return static_cast<int>(((bucket + 1) << kHalfMagnitude) +
                          (sub - Histogram::kSubBucketHalfCount));
}

void PutBigEndian(uint64_t v, int bytes, std::string* out) {
  for (int i = bytes - 1; i >= 0; --i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

// ZigZag, then LEB128 as HdrHistogram writes it: at most 9 bytes, the
// ninth holding 8 bits whole.
void PutZigZag(int64_t value, std::string* out) {
  uint64_t v =
      (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
  for (int i = 0; i < 8; ++i) {
    if (v < 0x80) {
      out->push_back(static_cast<char>(v));
      return;
    }
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v & 0xff));
}

std::string Seconds(int64_t us) { return absl::StrFormat("%.3f", us / 1e6); }

}  // namespace

std::string HdrCompressedV2(const Histogram& h) {
  std::string payload;
  int next = 0;  // the next counts index to write
  for (const auto& [value, count] : h.Buckets()) {
    const int index = HdrIndex(value);
    if (index > next) PutZigZag(-static_cast<int64_t>(index - next), &payload);
    PutZigZag(count, &payload);
    next = index + 1;
  }
  std::string encoded;
  encoded.reserve(kHeaderBytes + payload.size());
  PutBigEndian(kV2EncodingCookie, 4, &encoded);
  PutBigEndian(payload.size(), 4, &encoded);
  PutBigEndian(0, 4, &encoded);  // normalizing index offset
  PutBigEndian(Histogram::kSignificantDigits, 4, &encoded);
  PutBigEndian(Histogram::kLowestDiscernible, 8, &encoded);
  PutBigEndian(Histogram::kHighestTrackable, 8, &encoded);
  const double ratio = 1.0;
  uint64_t ratio_bits = 0;
  std::memcpy(&ratio_bits, &ratio, sizeof ratio);
  PutBigEndian(ratio_bits, 8, &encoded);
  encoded += payload;

  uLongf compressed_len = compressBound(encoded.size());
  std::string compressed(compressed_len, '\0');
  // compress() cannot fail with a buffer of compressBound() bytes.
  compress(reinterpret_cast<Bytef*>(compressed.data()), &compressed_len,
           reinterpret_cast<const Bytef*>(encoded.data()), encoded.size());
  compressed.resize(compressed_len);
  std::string out;
  PutBigEndian(kV2CompressedCookie, 4, &out);
  PutBigEndian(compressed_len, 4, &out);
  return out + compressed;
}

std::string HdrLogWriter::Render(const rig::v1::Report& r) const {
  const int64_t start_us =
      google::protobuf::util::TimeUtil::TimestampToMicroseconds(r.started_at());
  const std::string start = Seconds(start_us);
  std::string out = absl::StrCat(
      "#[Histogram log format version 1.3]\n", "#[StartTime: ", start,
      " (seconds since epoch), ",
      absl::FormatTime("%a %b %d %H:%M:%S UTC %Y",
                       absl::FromUnixMicros(start_us), absl::UTCTimeZone()),
      "]\n", "#[BaseTime: ", start, " (seconds since epoch)]\n",
      "#[rig-coordinator: response time in us; Interval_Max in ms]\n");
  std::string lines;
  for (const auto& iv : r.intervals()) {
    const rig::v1::Latency& l = iv.latency();
    Histogram h;
    if (!l.histogram().empty()) {
      auto decoded = Histogram::Decode(l.histogram());
      if (!decoded.ok()) {
        absl::StrAppend(&out, "#[interval ", iv.seq(),
                        ": bad histogram, left out]\n");
        continue;
      }
      h = *std::move(decoded);
    } else if (l.count() > 0) {
      absl::StrAppend(&out, "#[interval ", iv.seq(),
                      ": no stored histogram (schema 1), left out]\n");
      continue;
    }
    absl::StrAppend(&lines, Seconds(iv.start_offset_us()), ",",
                    Seconds(iv.end_offset_us() - iv.start_offset_us()), ",",
                    absl::StrFormat("%.3f", h.max() / 1e3), ",",
                    absl::Base64Escape(HdrCompressedV2(h)), "\n");
  }
  return absl::StrCat(out,
                      "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
                      "\"Interval_Compressed_Histogram\"\n",
                      lines);
}

}  // namespace rig::coordinator
