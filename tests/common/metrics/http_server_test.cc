#include "common/metrics/http_server.h"

#include <gtest/gtest.h>

#include <atomic>

#include "tests/support/has_substr.h"
#include "tests/support/http_get.h"

namespace rig::metrics {
namespace {

using rig::testing::HasSubstr;

// The whole answer, status line and headers included.
std::string Get(int port, const std::string& path) {
  auto a = rig::testing::HttpGet(port, path);
  if (!a.ok()) return a.status().ToString();
  return a->headers + "\r\n\r\n" + a->body;
}

TEST(MetricsServerTest, ServesTheRenderedTextOnAPortItPicked) {
  std::atomic<int> scrapes{0};
  auto server = MetricsServer::Start({"127.0.0.1", 0}, [&scrapes] {
    return "rig_x_total " + std::to_string(++scrapes) + "\n";
  });
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_GT((*server)->port(), 0);
  EXPECT_EQ((*server)->address(),
            "127.0.0.1:" + std::to_string((*server)->port()));
  std::string answer = Get((*server)->port(), "/metrics");
  EXPECT_TRUE(HasSubstr(answer, "200 OK"));
  EXPECT_TRUE(HasSubstr(answer, "text/plain; version=0.0.4"));
  EXPECT_TRUE(HasSubstr(answer, "\r\n\r\nrig_x_total 1\n"));
  EXPECT_TRUE(HasSubstr(Get((*server)->port(), "/metrics"), "rig_x_total 2\n"));
  EXPECT_TRUE(HasSubstr(Get((*server)->port(), "/other"), "404"));
}

TEST(MetricsServerTest, APortInUseIsNamed) {
  auto first = MetricsServer::Start({"127.0.0.1", 0}, [] { return ""; });
  ASSERT_TRUE(first.ok());
  auto second =
      MetricsServer::Start({"127.0.0.1", (*first)->port()}, [] { return ""; });
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(HasSubstr(
      std::string(second.status().message()),
      "cannot listen on 127.0.0.1:" + std::to_string((*first)->port())));
}

TEST(ListenAddressTest, ParsesHostPortAndV6) {
  auto a = ParseListenAddress("--metrics-listen", "0.0.0.0:9090");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "0.0.0.0");
  EXPECT_EQ(a->port, 9090);
  auto b = ParseListenAddress("--metrics-listen", "[::1]:0");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 0);
}

TEST(ListenAddressTest, BadValuesAreNamedInOneLine) {
  for (const char* bad : {"9090", ":9090", "host:", "host:http", "host:70000",
                          "::1:9090", "[::1:9090", "host:-1"}) {
    auto a = ParseListenAddress("--metrics-listen", bad);
    ASSERT_FALSE(a.ok()) << bad;
    const std::string m(a.status().message());
    EXPECT_TRUE(HasSubstr(m, std::string("--metrics-listen \"") + bad + "\""));
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace rig::metrics
