#pragma once

// gmock's HasSubstr without linking gmock:
//   EXPECT_TRUE(HasSubstr(status.message(), "unknown error class"));
// prints both strings when it fails.

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace rig::testing {

inline ::testing::AssertionResult HasSubstr(absl::string_view text,
                                            absl::string_view part) {
  if (absl::StrContains(text, part)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "\"" << text << "\" does not contain \"" << part << "\"";
}

}  // namespace rig::testing
