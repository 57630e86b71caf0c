#include "common/base/atomic_file.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace rig {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  closedir(d);
  return out;
}

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = testing::MakeTempDir("rig-atomic-");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
  }
  void TearDown() override { testing::RemoveTree(dir_); }
  std::string dir_;
};

TEST_F(AtomicFileTest, ReplacesTheFileAndLeavesNothingElse) {
  const std::string path = dir_ + "/report.json";
  ASSERT_TRUE(WriteFileAtomically(path, "old", "JSON report").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "new contents", "JSON report").ok());
  EXPECT_EQ(Read(path), "new contents");
  EXPECT_EQ(Entries(dir_), std::vector<std::string>{"report.json"});
}

// The old writer used the fixed name PATH.tmp and followed a symlink there:
// whoever could write the folder could make it overwrite any file.
TEST_F(AtomicFileTest, ASymlinkAtTheOldTemporaryNameIsNotFollowed) {
  const std::string victim = dir_ + "/victim";
  { std::ofstream(victim) << "precious"; }
  const std::string path = dir_ + "/report.json";
  ASSERT_EQ(symlink(victim.c_str(), (path + ".tmp").c_str()), 0);
  ASSERT_TRUE(WriteFileAtomically(path, "report", "JSON report").ok());
  EXPECT_EQ(Read(victim), "precious");
  EXPECT_EQ(Read(path), "report");
}

// A write that fails part-way (a full disk; here the file-size limit) is an
// error naming the file, and the previous report is untouched.
TEST_F(AtomicFileTest, AFailedWriteKeepsThePreviousFileAndSaysWhy) {
  const std::string path = dir_ + "/report.html";
  ASSERT_TRUE(WriteFileAtomically(path, "previous", "HTML report").ok());
  rlimit old_limit;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto old_handler = signal(SIGXFSZ, SIG_IGN);
  rlimit small = old_limit;
  small.rlim_cur = 4096;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  const absl::Status s =
      WriteFileAtomically(path, std::string(100000, 'x'), "HTML report");
  setrlimit(RLIMIT_FSIZE, &old_limit);
  signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot write HTML report " + path + ": write"),
            std::string::npos)
      << s;
  EXPECT_EQ(Read(path), "previous");
  EXPECT_EQ(Entries(dir_), std::vector<std::string>{"report.html"});
}

TEST_F(AtomicFileTest, AMissingFolderIsNamed) {
  const absl::Status s =
      WriteFileAtomically(dir_ + "/no/such/report.json", "x", "JSON report");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot write JSON report " + dir_ +
                             "/no/such/report.json: No such file"),
            std::string::npos)
      << s;
}

}  // namespace
}  // namespace rig
