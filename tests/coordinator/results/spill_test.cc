#include "coordinator/results/spill.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rig::coordinator {
namespace {

// What is put comes back byte for byte, from the file, with nothing of it
// held in memory; nothing of the file shows in its directory.
TEST(SpillStoreTest, WhatIsPutComesBackFromTheFile) {
  const std::string dir = ::testing::TempDir();
  SpillStore store(dir);
  std::vector<std::string> put;
  std::vector<SpillStore::Ref> refs;
  for (int i = 0; i < 200; ++i) {
    std::string s(static_cast<size_t>(i * 37 % 5000), '\0');
    for (size_t j = 0; j < s.size(); ++j) s[j] = static_cast<char>(i + j * 7);
    refs.push_back(store.Put(s));
    put.push_back(std::move(s));
  }
  EXPECT_TRUE(store.error().empty()) << store.error();
  EXPECT_EQ(store.memory_bytes(), 0u);
  int64_t total = 0;
  for (const auto& s : put) total += static_cast<int64_t>(s.size());
  EXPECT_EQ(store.file_bytes(), total);
  for (size_t i = put.size(); i-- > 0;) {
    ASSERT_FALSE(refs[i].in_memory);
    auto got = store.Get(refs[i]);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, put[i]) << i;
  }
}

// No file to be had: strings are kept in memory, come back the same, and
// the reason names the directory; Drop frees them.
TEST(SpillStoreTest, WithoutAFileStringsAreKeptInMemory) {
  SpillStore store("/nonexistent/rig-spill-test");
  const SpillStore::Ref a = store.Put("first");
  const SpillStore::Ref b = store.Put(std::string(1000, 'x'));
  EXPECT_TRUE(a.in_memory);
  EXPECT_NE(store.error().find("/nonexistent/rig-spill-test"),
            std::string::npos)
      << store.error();
  EXPECT_EQ(store.file_bytes(), 0);
  EXPECT_EQ(store.memory_bytes(), 1005u);
  EXPECT_EQ(*store.Get(a), "first");
  EXPECT_EQ(*store.Get(b), std::string(1000, 'x'));
  store.Drop(b);
  EXPECT_EQ(store.memory_bytes(), 5u);
}

}  // namespace
}  // namespace rig::coordinator
