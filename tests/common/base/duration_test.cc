#include "common/base/duration.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace rig {
namespace {

TEST(DurationTest, ParsesCommonForms) {
  struct Case {
    const char* text;
    absl::Duration want;
  };
  const Case cases[] = {
      {"250ms", absl::Milliseconds(250)},
      {"1m30s", absl::Seconds(90)},
      {"1h", absl::Hours(1)},
      {"2.5s", absl::Milliseconds(2500)},
      {"500us", absl::Microseconds(500)},
      {"0", absl::ZeroDuration()},
      {"0s", absl::ZeroDuration()},
      {"1h2m3s", absl::Seconds(3723)},
      {"+5s", absl::Seconds(5)},
      {".5s", absl::Milliseconds(500)},
      {"10ns", absl::Nanoseconds(10)},
      {" 30s\n", absl::Seconds(30)},
  };
  for (const Case& c : cases) {
    absl::StatusOr<absl::Duration> got = ParseDuration(c.text);
    ASSERT_TRUE(got.ok()) << c.text << ": " << got.status();
    EXPECT_EQ(*got, c.want) << c.text;
  }
}

TEST(DurationTest, RejectsBadInputWithHelpfulMessage) {
  const char* bad[] = {"",
                       "   ",
                       "5",
                       "5x",
                       "1.5",
                       "0.0",
                       "-1s",
                       "-0s",
                       "-inf",
                       "inf",
                       "+inf",
                       "s",
                       "1 s",
                       "1s 2s",
                       "ms5",
                       "1e3ms",
                       "1,5s",
                       "9223372036854775807h",  // Saturates to inf.
                       "99999999999999999999h"};
  for (const char* text : bad) {
    absl::StatusOr<absl::Duration> got = ParseDuration(text);
    ASSERT_FALSE(got.ok()) << '"' << text << "\" parsed as " << *got;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string msg(got.status().message());
    EXPECT_NE(msg.find(std::string("\"") + text + "\""), std::string::npos)
        << msg;
    EXPECT_NE(msg.find("use a number with a unit, e.g. 250ms"),
              std::string::npos)
        << msg;
  }
}

TEST(DurationTest, MessagesExplainTheProblem) {
  EXPECT_EQ(ParseDuration("5x").status().message(),
            "invalid duration \"5x\": use a number with a unit, e.g. 250ms, "
            "30s, 1m30s (units: ns, us, ms, s, m, h)");
  EXPECT_NE(std::string(ParseDuration("-1s").status().message())
                .find("must not be negative"),
            std::string::npos);
  EXPECT_NE(std::string(ParseDuration("inf").status().message())
                .find("must be finite"),
            std::string::npos);
  EXPECT_NE(std::string(ParseDuration("").status().message()).find("empty"),
            std::string::npos);
  // Control bytes are escaped, not copied into the message.
  EXPECT_NE(std::string(ParseDuration("5\x01s").status().message())
                .find("\"5\\x01s\""),
            std::string::npos);
}

TEST(DurationTest, FormatsShortForms) {
  EXPECT_EQ(rig::FormatDuration(absl::Milliseconds(250)), "250ms");
  EXPECT_EQ(rig::FormatDuration(absl::Seconds(90)), "1m30s");
  EXPECT_EQ(rig::FormatDuration(absl::Milliseconds(1500)), "1.5s");
  EXPECT_EQ(rig::FormatDuration(absl::ZeroDuration()), "0s");
  EXPECT_EQ(rig::FormatDuration(absl::Hours(2)), "2h");
  EXPECT_EQ(rig::FormatDuration(absl::Minutes(90)), "1h30m");
  EXPECT_EQ(rig::FormatDuration(absl::Microseconds(500)), "500us");
  EXPECT_EQ(rig::FormatDuration(absl::Microseconds(1500)), "1.5ms");
  EXPECT_EQ(rig::FormatDuration(absl::InfiniteDuration()), "inf");
}

TEST(DurationTest, FormatThenParseRoundTrips) {
  const absl::Duration cases[] = {absl::ZeroDuration(),
                                  absl::Nanoseconds(1),
                                  absl::Microseconds(1),
                                  absl::Milliseconds(250),
                                  absl::Milliseconds(1500),
                                  absl::Seconds(90),
                                  absl::Hours(49) + absl::Nanoseconds(7),
                                  absl::Seconds(1) + absl::Microseconds(3)};
  for (absl::Duration d : cases) {
    absl::StatusOr<absl::Duration> back = ParseDuration(rig::FormatDuration(d));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, d) << rig::FormatDuration(d);
  }
}

}  // namespace
}  // namespace rig
