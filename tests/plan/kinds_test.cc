// plan/kinds.h: which kinds name scenarios, and their names in the agent's
// scenario registry.

#include "plan/kinds.h"

#include <gtest/gtest.h>

namespace rig::plan {
namespace {

TEST(KindsTest, AScenarioKindIsItsNameAfterTheScenarioPrefix) {
  EXPECT_EQ(ScenarioName("scenario/isolation"), "isolation");
  EXPECT_EQ(ScenarioName("scenario/import_jobs"), "import_jobs");
  EXPECT_TRUE(IsScenario("scenario/deadlock"));
  EXPECT_EQ(ScenarioKind("deadlock"), "scenario/deadlock");
  EXPECT_EQ(ScenarioName(ScenarioKind("savepoints")), "savepoints");
}

TEST(KindsTest, AnyOtherKindIsALoadWorkload) {
  for (const char* kind : {"oltp_read_write", "bank", "sql", "", "scenario",
                           "scenarios/isolation", "Scenario/isolation"}) {
    SCOPED_TRACE(kind);
    EXPECT_EQ(ScenarioName(kind), std::nullopt);
    EXPECT_FALSE(IsScenario(kind));
  }
}

}  // namespace
}  // namespace rig::plan
