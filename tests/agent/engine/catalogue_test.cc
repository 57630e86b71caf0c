// The catalogue (agent/engine/catalogue.h) over the two registries
// (agent/engine/registry.h): a kind builds a workload or a scenario, an
// unknown kind is named with every kind offered, the list is what GetInfo
// and `plan init` show.

#include "agent/engine/catalogue.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rig::agent {
namespace {

class NoLoad : public Workload {
 public:
  absl::Status CreateSchema(db::Connection&, bool) override {
    return absl::OkStatus();
  }
  absl::Status Load(db::Connection&, const LoadTask&) override {
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<Transaction>> Bind(db::Connection&,
                                                    int) const override {
    return absl::UnimplementedError("no load");
  }
  absl::Status Cleanup(db::Connection&) override { return absl::OkStatus(); }
};

class OneStep : public Scenario {
 public:
  explicit OneStep(std::string state) : state_(std::move(state)) {}
  std::vector<ScenarioStep> Steps() const override {
    return {{state_, [](RunContext&) { return absl::OkStatus(); }}};
  }

 private:
  std::string state_;
};

class CatalogueTest : public ::testing::Test {
 protected:
  CatalogueTest() {
    workloads_.Register(WorkloadDef{
        "noload",
        "does nothing",
        {},
        [](const rig::v1::Workload&,
           const Options&) -> absl::StatusOr<std::unique_ptr<Workload>> {
          return std::make_unique<NoLoad>();
        }});
    scenarios_.Register(ScenarioDef{
        "probe",
        "one step",
        {Option("state", "string", "Probing", "the step's state")},
        [](const rig::v1::Workload&,
           const Options& o) -> absl::StatusOr<std::unique_ptr<Scenario>> {
          return std::make_unique<OneStep>(o.String("state"));
        }});
  }
  static rig::v1::Workload Kind(const std::string& kind) {
    rig::v1::Workload w;
    w.set_kind(kind);
    return w;
  }

  WorkloadRegistry workloads_;
  ScenarioRegistry scenarios_;
  Catalogue catalogue_{workloads_, scenarios_};
};

TEST_F(CatalogueTest, AScenarioKindBuildsTheRegisteredScenario) {
  rig::v1::Workload config = Kind("scenario/probe");
  (*config.mutable_options()->mutable_fields())["state"].set_string_value(
      "Checking");
  auto built = catalogue_.Make(config);
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(built->workload, nullptr);
  ASSERT_NE(built->scenario, nullptr);
  const auto steps = built->scenario->Steps();
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].state, "Checking");
}

TEST_F(CatalogueTest, AWorkloadKindBuildsTheWorkload) {
  auto built = catalogue_.Make(Kind("noload"));
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_NE(built->workload, nullptr);
  EXPECT_EQ(built->scenario, nullptr);
  // A scenario's name alone is not a kind, nor is a workload's with the
  // scenario prefix.
  EXPECT_FALSE(catalogue_.Make(Kind("probe")).ok());
  EXPECT_FALSE(catalogue_.Make(Kind("scenario/noload")).ok());
}

TEST_F(CatalogueTest, AnUnknownKindIsNamedWithEveryKindOffered) {
  auto built = catalogue_.Make(Kind("scenario/nope"));
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(built.status().message(),
            "unknown workload \"scenario/nope\"; this agent offers: noload, "
            "scenario/probe");
}

TEST_F(CatalogueTest, OptionErrorsNameTheKind) {
  rig::v1::Workload config = Kind("scenario/probe");
  (*config.mutable_options()->mutable_fields())["nope"].set_number_value(1);
  auto built = catalogue_.Make(config);
  ASSERT_FALSE(built.ok());
  EXPECT_NE(built.status().message().find("scenario/probe"), std::string::npos)
      << built.status().message();
  EXPECT_NE(built.status().message().find("nope"), std::string::npos)
      << built.status().message();
  // The same from the check `plan validate` makes; an unknown kind is left
  // to the caller when only the options are checked.
  EXPECT_EQ(catalogue_.Check(config, false), built.status());
  EXPECT_EQ(catalogue_.Check(config, true), built.status());
  EXPECT_TRUE(catalogue_.Check(Kind("scenario/nope"), false).ok());
  EXPECT_FALSE(catalogue_.Check(Kind("scenario/nope"), true).ok());
}

TEST_F(CatalogueTest, ListsWorkloadsThenScenariosByKind) {
  const auto list = catalogue_.List();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name(), "noload");
  EXPECT_EQ(list[0].description(), "does nothing");
  EXPECT_EQ(list[1].name(), "scenario/probe");
  EXPECT_EQ(list[1].description(), "one step");
  ASSERT_EQ(list[1].options_size(), 1);
  EXPECT_EQ(list[1].options(0).name(), "state");
  EXPECT_EQ(list[1].options(0).default_value(), "Probing");
}

TEST(RegistryTest, FindsByNameAndListsInOrder) {
  ScenarioRegistry registry;
  for (const char* name : {"b", "a"}) {
    registry.Register(ScenarioDef{name, "", {}, nullptr});
  }
  ASSERT_NE(registry.Find("a"), nullptr);
  EXPECT_EQ(registry.Find("a")->name, "a");
  EXPECT_EQ(registry.Find("scenario/a"), nullptr);
  const auto list = registry.List();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]->name, "b");
  EXPECT_EQ(list[1]->name, "a");
}

// What GetInfo offers: the same kinds, in the same order, as when scenarios
// were workloads named scenario/<name>.
TEST(DefaultCatalogueTest, OffersEveryBuiltInKind) {
  std::vector<std::string> names;
  for (const auto& w : Catalogue::Default().List()) names.push_back(w.name());
  EXPECT_EQ(names, (std::vector<std::string>{
                       "oltp_point_select", "oltp_read_only", "oltp_read_write",
                       "oltp_write_only", "oltp_insert", "oltp_update_index",
                       "oltp_update_non_index", "oltp_delete", "bank", "sql",
                       "tpcc", "ycsb", "scenario/connectivity",
                       "scenario/isolation", "scenario/isolation_levels",
                       "scenario/deadlock", "scenario/savepoints",
                       "scenario/multi_connection", "scenario/import_jobs"}));
}

}  // namespace
}  // namespace rig::agent
