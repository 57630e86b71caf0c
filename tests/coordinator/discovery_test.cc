#include "coordinator/discovery.h"

#include <gtest/gtest.h>

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
