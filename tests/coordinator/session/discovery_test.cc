#include "coordinator/session/discovery.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netdb.h>

#include "absl/strings/str_cat.h"

namespace rig::coordinator {
namespace {

TEST(DiscoveryTest, ResolvesEveryAddressOfAName) {
  auto agents = ResolveAgents("localhost:7070");
  ASSERT_TRUE(agents.ok()) << agents.status();
  ASSERT_FALSE(agents->empty());
  EXPECT_NE(std::find(agents->begin(), agents->end(), "127.0.0.1:7070"),
            agents->end());
  auto ip = ResolveAgents("127.0.0.1:9");
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ(*ip, std::vector<std::string>{"127.0.0.1:9"});
}

// What a headless Service's name resolves to: one record per pod. Built by
// hand, as no name on the test machine is sure to have several addresses.
TEST(DiscoveryTest, EveryAddressOfAnAnswerIsKept) {
  sockaddr_in a = {}, b = {};
  a.sin_family = b.sin_family = AF_INET;
  ASSERT_EQ(inet_pton(AF_INET, "10.0.0.7", &a.sin_addr), 1);
  ASSERT_EQ(inet_pton(AF_INET, "10.0.0.5", &b.sin_addr), 1);
  sockaddr_in6 c = {};
  c.sin6_family = AF_INET6;
  ASSERT_EQ(inet_pton(AF_INET6, "fd00::5", &c.sin6_addr), 1);
  addrinfo ai[4] = {};
  ai[0].ai_family = AF_INET;
  ai[0].ai_addr = reinterpret_cast<sockaddr*>(&a);
  ai[1].ai_family = AF_INET6;
  ai[1].ai_addr = reinterpret_cast<sockaddr*>(&c);
  ai[2].ai_family = AF_INET;
  ai[2].ai_addr = reinterpret_cast<sockaddr*>(&b);
  ai[3] = ai[0];  // the same address again (another socket type)
  for (int i = 0; i < 3; ++i) ai[i].ai_next = &ai[i + 1];
  EXPECT_EQ(AgentAddresses(ai, 7070),
            (std::vector<std::string>{"10.0.0.5:7070", "10.0.0.7:7070",
                                      "[fd00::5]:7070"}));
  EXPECT_TRUE(AgentAddresses(nullptr, 7070).empty());
}

TEST(DiscoveryTest, AgentAddressesNeedAPort) {
  EXPECT_TRUE(CheckAgentAddress("10.0.0.5:7070").ok());
  EXPECT_TRUE(CheckAgentAddress("localhost:7070").ok());
  EXPECT_TRUE(CheckAgentAddress("[fd00::5]:7070").ok());
  for (const char* bad : {"localhost", "localhost:", ":7070", "h:0", "h:65536",
                          "h:70x", "fd00::5", "[fd00::5]"}) {
    const absl::Status s = CheckAgentAddress(bad);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.message().find(absl::StrCat("--agents \"", bad, "\"")),
              std::string::npos)
        << s;
  }
}

TEST(DiscoveryTest, BadSpecsAndNamesAreNamed) {
  EXPECT_NE(ResolveAgents("localhost").status().message().find("name:port"),
            std::string::npos);
  EXPECT_NE(ResolveAgents("localhost:0").status().message().find("name:port"),
            std::string::npos);
  auto missing = ResolveAgents("no-such-host.invalid:7070");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(
      missing.status().message().find("cannot resolve no-such-host.invalid"),
      std::string::npos)
      << missing.status();
}

}  // namespace
}  // namespace rig::coordinator
