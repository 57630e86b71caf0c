#include "common/base/cores.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/process.h"

namespace rig {
namespace {

TEST(CoresTest, ParsesCgroupFiles) {
  EXPECT_EQ(ParseCpuMax("200000 100000\n"), 2.0);
  EXPECT_EQ(ParseCpuMax("150000 100000"), 1.5);
  EXPECT_EQ(ParseCpuMax("max 100000\n"), std::nullopt);
  EXPECT_EQ(ParseCpuMax(""), std::nullopt);
  EXPECT_EQ(ParseCfsQuota("50000\n", "100000\n"), 0.5);
  EXPECT_EQ(ParseCfsQuota("-1\n", "100000\n"), std::nullopt);
  EXPECT_EQ(ParseCfsQuota("junk", "100000"), std::nullopt);
  const char* v1 =
      "12:memory:/kubepods/pod1\n4:cpu,cpuacct:/kubepods/pod1/c1\n";
  EXPECT_EQ(CgroupPath(v1, "cpu"), "/kubepods/pod1/c1");
  EXPECT_EQ(CgroupPath(v1, "cpuacct"), "/kubepods/pod1/c1");
  EXPECT_EQ(CgroupPath(v1, ""), std::nullopt);
  EXPECT_EQ(CgroupPath("0::/kubepods.slice/pod2\n", ""),
            "/kubepods.slice/pod2");
}

class CoresTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = testing::MakeTempDir("rig-cores-");
    ASSERT_TRUE(dir.ok()) << dir.status();
    root_ = *dir;
  }
  void TearDown() override { testing::RemoveTree(root_); }
  void Write(const std::string& path, const std::string& text) {
    const std::filesystem::path p = std::filesystem::path(root_) / path;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  std::string root_;
};

TEST_F(CoresTreeTest, CgroupV2QuotaCapsTheCpus) {
  Write("proc/self/cgroup", "0::/kubepods.slice/pod\n");
  Write("sys/fs/cgroup/kubepods.slice/pod/cpu.max", "150000 100000\n");
  EXPECT_EQ(UsableCores(root_, 8), 2);  // 1.5 CPUs round up to two
  EXPECT_EQ(UsableCores(root_, 1), 1);  // the affinity mask caps too
  Write("sys/fs/cgroup/kubepods.slice/pod/cpu.max", "50000 100000\n");
  EXPECT_EQ(UsableCores(root_, 8), 1);  // half a CPU rounds up to one
}

TEST_F(CoresTreeTest, CgroupV2InsideAContainerReadsTheMountRoot) {
  // The container sees its own cgroup at the mount root.
  Write("proc/self/cgroup", "0::/\n");
  Write("sys/fs/cgroup/cpu.max", "300000 100000\n");
  EXPECT_EQ(UsableCores(root_, 8), 3);
}

TEST_F(CoresTreeTest, CgroupV1QuotaCapsTheCpus) {
  Write("proc/self/cgroup", "4:cpu,cpuacct:/kubepods/pod/c\n");
  Write("sys/fs/cgroup/cpu/kubepods/pod/c/cpu.cfs_quota_us", "400000\n");
  Write("sys/fs/cgroup/cpu/kubepods/pod/c/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(UsableCores(root_, 8), 4);
}

TEST_F(CoresTreeTest, NoLimitMeansEveryCpu) {
  Write("proc/self/cgroup", "0::/\n");
  Write("sys/fs/cgroup/cpu.max", "max 100000\n");
  EXPECT_EQ(UsableCores(root_, 8), 8);
  // No cgroup files at all (another OS layout): the CPUs as given.
  EXPECT_EQ(UsableCores(root_ + "/nothing-here", 5), 5);
}

}  // namespace
}  // namespace rig
