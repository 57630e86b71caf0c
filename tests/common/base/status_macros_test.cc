#include "common/base/status_macros.h"

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace rig {
namespace {

absl::Status Fail(const std::string& msg) {
  return absl::InvalidArgumentError(msg);
}

absl::StatusOr<int> Number(bool ok, int value = 7) {
  if (!ok) return absl::NotFoundError("no number");
  return value;
}

absl::StatusOr<std::unique_ptr<int>> Pointer(bool ok) {
  if (!ok) return absl::UnavailableError("no pointer");
  return std::make_unique<int>(42);
}

absl::StatusOr<std::pair<int, std::string>> Pair(bool ok) {
  if (!ok) return absl::InternalError("no pair");
  return std::make_pair(3, std::string("three"));
}

template <typename K, typename V>
absl::StatusOr<std::map<K, V>> MakeMap(K k, V v) {
  return std::map<K, V>{{k, v}};
}

TEST(StatusMacrosTest, ReturnIfErrorPassesOkThrough) {
  int reached = 0;
  auto f = [&]() -> absl::Status {
    RETURN_IF_ERROR(absl::OkStatus());
    RETURN_IF_ERROR(Number(true));  // StatusOr is accepted too.
    ++reached;
    return absl::OkStatus();
  };
  EXPECT_TRUE(f().ok());
  EXPECT_EQ(reached, 1);
}

TEST(StatusMacrosTest, ReturnIfErrorReturnsTheErrorUnchanged) {
  int reached = 0;
  auto f = [&]() -> absl::Status {
    RETURN_IF_ERROR(Fail("boom"));
    ++reached;
    return absl::OkStatus();
  };
  EXPECT_EQ(f(), absl::InvalidArgumentError("boom"));
  EXPECT_EQ(reached, 0);

  auto g = []() -> absl::Status {
    RETURN_IF_ERROR(Number(false));
    return absl::OkStatus();
  };
  EXPECT_EQ(g(), absl::NotFoundError("no number"));
}

TEST(StatusMacrosTest, ReturnIfErrorEvaluatesOnceAndWorksInIfElse) {
  int calls = 0;
  auto counted = [&]() {
    ++calls;
    return absl::OkStatus();
  };
  auto f = [&](bool branch) -> absl::StatusOr<int> {
    // Unbraced if/else must bind correctly (the macro is one statement).
    if (branch)
      RETURN_IF_ERROR(counted());
    else
      RETURN_IF_ERROR(Fail("else"));
    return 1;
  };
  EXPECT_EQ(*f(true), 1);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(f(false).status(), absl::InvalidArgumentError("else"));
}

TEST(StatusMacrosTest, AssignOrReturnDeclarations) {
  auto f = []() -> absl::StatusOr<std::string> {
    ASSIGN_OR_RETURN(auto n, Number(true));
    ASSIGN_OR_RETURN(std::unique_ptr<int> p, Pointer(true));  // Move-only.
    ASSIGN_OR_RETURN(const int m, Number(true, 5));
    return std::to_string(n + *p + m);
  };
  absl::StatusOr<std::string> got = f();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "54");
}

TEST(StatusMacrosTest, AssignOrReturnToExistingVariableAndCommas) {
  auto f = []() -> absl::Status {
    int existing = 0;
    ASSIGN_OR_RETURN(existing, Number(true, 9));
    EXPECT_EQ(existing, 9);
    ASSIGN_OR_RETURN((std::pair<int, std::string> pr), Pair(true));
    EXPECT_EQ(pr.second, "three");
    ASSIGN_OR_RETURN((auto [num, name]), Pair(true));
    EXPECT_EQ(num, 3);
    EXPECT_EQ(name, "three");
    ASSIGN_OR_RETURN(auto map, MakeMap<int, std::string>(1, "one"));
    EXPECT_EQ(map.at(1), "one");
    return absl::OkStatus();
  };
  EXPECT_TRUE(f().ok());
}

TEST(StatusMacrosTest, AssignOrReturnPropagatesErrors) {
  int reached = 0;
  auto f = [&](bool first_ok) -> absl::StatusOr<int> {
    ASSIGN_OR_RETURN(auto n, Number(first_ok));
    ASSIGN_OR_RETURN(auto p, Pointer(false));
    ++reached;
    return n + *p;
  };
  EXPECT_EQ(f(false).status(), absl::NotFoundError("no number"));
  EXPECT_EQ(f(true).status(), absl::UnavailableError("no pointer"));
  EXPECT_EQ(reached, 0);

  // Into a function returning plain absl::Status.
  auto g = []() -> absl::Status {
    ASSIGN_OR_RETURN(auto pr, Pair(false));
    (void)pr;
    return absl::OkStatus();
  };
  EXPECT_EQ(g(), absl::InternalError("no pair"));
}

TEST(StatusMacrosTest, AssignOrReturnEvaluatesRhsOnce) {
  int calls = 0;
  auto rhs = [&]() -> absl::StatusOr<int> { return ++calls; };
  auto f = [&]() -> absl::StatusOr<int> {
    ASSIGN_OR_RETURN(int v, rhs());
    return v;
  };
  EXPECT_EQ(*f(), 1);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace rig
