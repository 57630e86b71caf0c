// The HdrHistogram interval log read back by a decoder written here from
// the published format (HdrHistogram_c hdr_histogram_log.c, Java
// HistogramLogReader / AbstractHistogram V2 decoding), not by our encoder's
// code: base64, the compressed header, zlib inflate, the V2 header, ZigZag
// LEB128 counts with negative zero runs, and HdrHistogram's index to value.

#include "coordinator/report/hdr_log.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "tests/coordinator/offline/report_fixture.h"

namespace rig::coordinator {
namespace {

uint64_t BigEndian(const std::string& b, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  }
  return v;
}

struct Decoded {
  uint32_t cookie = 0;
  int32_t significant_digits = 0;
  int64_t lowest = 0;
  int64_t highest = 0;
  double ratio = 0;
  std::map<int64_t, int64_t> counts;  // lowest value of a bucket -> count
  int64_t total = 0;
};

// HdrHistogram's value of counts index `index` for (lowest 1, 3 digits):
// sub_bucket_count 2048 (magnitude 11), half 1024, unit magnitude 0.
int64_t ValueFromIndex(int64_t index) {
  const int64_t half_count = 1024;
  int64_t bucket = (index >> 10) - 1;
  int64_t sub = (index & (half_count - 1)) + half_count;
  if (bucket < 0) {
    sub -= half_count;
    bucket = 0;
  }
  return sub << bucket;
}

// Decodes one base64 histogram of a log line.
bool DecodeHistogram(const std::string& base64, Decoded* out) {
  std::string compressed;
  if (!absl::Base64Unescape(base64, &compressed)) return false;
  if (compressed.size() < 8) return false;
  const uint32_t compressed_cookie = BigEndian(compressed, 0, 4);
  EXPECT_EQ(compressed_cookie, 0x1c849314u);  // V2 compressed, word size 1
  const uint64_t length = BigEndian(compressed, 4, 4);
  EXPECT_EQ(length, compressed.size() - 8);
  std::string encoded(1 << 20, '\0');
  uLongf encoded_len = encoded.size();
  if (uncompress(reinterpret_cast<Bytef*>(encoded.data()), &encoded_len,
                 reinterpret_cast<const Bytef*>(compressed.data() + 8),
                 length) != Z_OK) {
    return false;
  }
  encoded.resize(encoded_len);
  if (encoded.size() < 40) return false;
  out->cookie = BigEndian(encoded, 0, 4);
  const uint64_t payload = BigEndian(encoded, 4, 4);
  EXPECT_EQ(BigEndian(encoded, 8, 4), 0u);  // normalizing index offset
  out->significant_digits = static_cast<int32_t>(BigEndian(encoded, 12, 4));
  out->lowest = static_cast<int64_t>(BigEndian(encoded, 16, 8));
  out->highest = static_cast<int64_t>(BigEndian(encoded, 24, 8));
  const uint64_t ratio_bits = BigEndian(encoded, 32, 8);
  std::memcpy(&out->ratio, &ratio_bits, 8);
  EXPECT_EQ(payload, encoded.size() - 40);
  size_t at = 40;
  int64_t index = 0;
  while (at < encoded.size()) {
    // LEB128 of up to 9 bytes (the ninth whole), then ZigZag.
    uint64_t raw = 0;
    for (int shift = 0, i = 0;; ++i, shift += 7) {
      if (at >= encoded.size()) return false;
      const uint8_t byte = static_cast<uint8_t>(encoded[at++]);
      if (i == 8) {
        raw |= static_cast<uint64_t>(byte) << 56;
        break;
      }
      raw |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) break;
    }
    const int64_t value =
        static_cast<int64_t>(raw >> 1) ^ -static_cast<int64_t>(raw & 1);
    if (value < 0) {
      index += -value;  // a run of empty buckets
    } else {
      if (value > 0) out->counts[ValueFromIndex(index)] += value;
      out->total += value;
      ++index;
    }
  }
  return true;
}

struct Line {
  double start = 0, length = 0, max = 0;
  Decoded histogram;
};

std::vector<Line> ParseLog(const std::string& log, std::string* header) {
  std::vector<Line> lines;
  bool legend = false;
  for (absl::string_view l : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
    if (l[0] == '#') {
      EXPECT_FALSE(legend) << "comment after the legend: " << l;
      absl::StrAppend(header, l, "\n");
      continue;
    }
    if (l[0] == '"') {
      EXPECT_EQ(l,
                "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
                "\"Interval_Compressed_Histogram\"");
      legend = true;
      continue;
    }
    EXPECT_TRUE(legend);
    std::vector<std::string> f = absl::StrSplit(l, ',');
    EXPECT_EQ(f.size(), 4u) << l;
    if (f.size() != 4) continue;
    Line line;
    EXPECT_TRUE(absl::SimpleAtod(f[0], &line.start));
    EXPECT_TRUE(absl::SimpleAtod(f[1], &line.length));
    EXPECT_TRUE(absl::SimpleAtod(f[2], &line.max));
    EXPECT_TRUE(DecodeHistogram(f[3], &line.histogram)) << l;
    lines.push_back(std::move(line));
  }
  return lines;
}

TEST(HdrLogTest, AnIndependentDecoderReadsTheCountsAndValuesBack) {
  // Values in every precision band: exact below 2048 us, then buckets of
  // 2, 4, ... us; and one near the top of the range.
  const std::vector<int64_t> first = {
      1, 5, 5, 5, 1500, 2047, 2048, 2049, 123456, 123456, 3000000, 3500000000};
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> dist(7.0, 1.5);
  std::vector<int64_t> second;
  for (int i = 0; i < 5000; ++i) {
    second.push_back(static_cast<int64_t>(dist(rng)) + 1);
  }
  const rig::v1::Report r =
      testing::MakeReport("r", "p", 1700000000123000, {{first, second, {}}});
  const std::string log = HdrLogWriter().Render(r);
  std::string header;
  const std::vector<Line> lines = ParseLog(log, &header);
  EXPECT_TRUE(absl::StrContains(header, "#[Histogram log format version 1.3]"))
      << header;
  EXPECT_TRUE(absl::StrContains(
      header, "#[StartTime: 1700000000.123 (seconds since epoch), "))
      << header;
  EXPECT_TRUE(absl::StrContains(
      header, "#[BaseTime: 1700000000.123 (seconds since epoch)]"));
  ASSERT_EQ(lines.size(), 3u);

  for (size_t i = 0; i < 3; ++i) {
    const std::vector<int64_t>& values = i == 0   ? first
                                         : i == 1 ? second
                                                  : std::vector<int64_t>{};
    const Line& line = lines[i];
    EXPECT_DOUBLE_EQ(line.start, 2.0 + i);
    EXPECT_DOUBLE_EQ(line.length, 1.0);
    const Decoded& d = line.histogram;
    EXPECT_EQ(d.cookie, 0x1c849313u);  // V2 encoding, word size 1
    EXPECT_EQ(d.significant_digits, 3);
    EXPECT_EQ(d.lowest, 1);
    EXPECT_EQ(d.highest, 3600000000);
    EXPECT_EQ(d.ratio, 1.0);
    EXPECT_EQ(d.total, static_cast<int64_t>(values.size()));
    // Every value lies in a decoded bucket [lowest, next bucket's lowest),
    // and each bucket holds exactly the values that fall in it.
    std::map<int64_t, int64_t> expected;
    int64_t max = 0;
    for (int64_t v : values) {
      auto it = d.counts.upper_bound(v);
      ASSERT_NE(it, d.counts.begin()) << v;
      --it;
      ++expected[it->first];
      // The bucket is at most v / 1024 wide (3 significant digits).
      EXPECT_GE(v, it->first);
      EXPECT_LE(v - it->first, std::max<int64_t>(0, v / 1024)) << v;
      max = std::max(max, v);
    }
    EXPECT_EQ(expected, d.counts);
    EXPECT_DOUBLE_EQ(line.max, max / 1e3);
  }
  // Exact below 2048 us.
  EXPECT_EQ(lines[0].histogram.counts.at(5), 3);
  EXPECT_EQ(lines[0].histogram.counts.at(2047), 1);
  EXPECT_EQ(lines[0].histogram.counts.at(2048), 2);  // 2048, 2049: width 2
}

TEST(HdrLogTest, AnIntervalWithoutAHistogramIsNotedInTheHeader) {
  rig::v1::Report r =
      testing::MakeReport("r", "p", 1700000000000000, {{{100}, {200}}});
  r.mutable_intervals(0)->mutable_latency()->clear_histogram();
  const std::string log = HdrLogWriter().Render(r);
  std::string header;
  EXPECT_EQ(ParseLog(log, &header).size(), 1u);
  EXPECT_TRUE(absl::StrContains(header, "#[interval 0: no stored histogram"));
}

}  // namespace
}  // namespace rig::coordinator
