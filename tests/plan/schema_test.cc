// The table of plan keys (plan/schema.h) against the Plan message, the
// loader and the README.

#include "plan/schema.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/base/proto_duration.h"
#include "google/protobuf/descriptor.h"
#include "plan/plan.h"

namespace rig::plan {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// Every key a user can write: each value, and each list of sections
// (load.stages); a plain section (target, resilience.retry) is no key of
// its own. Duration and Struct are values.
void Keys(const Descriptor* d, const std::string& prefix,
          std::set<std::string>& out) {
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const std::string path = prefix + f->name();
    if (path == "target.password") continue;  // never written in a plan
    const bool value =
        f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f->is_map() ||
        f->message_type()->full_name() == "google.protobuf.Duration" ||
        f->message_type()->full_name() == "google.protobuf.Struct";
    if (value || f->is_repeated()) out.insert(path);
    if (!value) {
      Keys(f->message_type(), path + (f->is_repeated() ? ".*." : "."), out);
    }
  }
}

TEST(SchemaTest, TheTableHasEveryKeyOfThePlanAndNoOther) {
  std::set<std::string> fields;
  Keys(rig::v1::Plan::descriptor(), "", fields);
  std::set<std::string> table;
  for (const PlanKey& k : PlanKeys()) {
    EXPECT_TRUE(table.insert(k.path).second) << k.path << " listed twice";
    EXPECT_NE(*k.help, '\0') << k.path << " has no help";
  }
  for (const std::string& f : fields) {
    EXPECT_TRUE(table.count(f)) << f << " is in plan.proto, not in the table";
  }
  for (const std::string& t : table) {
    EXPECT_TRUE(fields.count(t)) << t << " is in the table, not in plan.proto";
  }
}

TEST(SchemaTest, DefaultsReachEveryListEntry) {
  auto plan = ParsePlan(
      "workload: {kind: oltp_read_write}\n"
      "alongside:\n"
      "  - {kind: scenario/isolation}\n"
      "  - {kind: scenario/deadlock, every: 30s}\n",
      "p.yaml");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(FromProto(plan->alongside(0).every()), absl::Seconds(10));
  EXPECT_EQ(FromProto(plan->alongside(1).every()), absl::Seconds(30));
}

TEST(SchemaTest, DefaultsLeaveWhatThePlanSetsAndFillEveryDefaultedKey) {
  auto plan = ParsePlan(
      "workload: {kind: oltp_read_write, tables: 3}\n"
      "load: {duration: 2s}\n"
      "resilience: {circuit_breaker: {window: 1s}}\n",
      "p.yaml");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->workload().tables(), 3);
  EXPECT_EQ(FromProto(plan->load().duration()), absl::Seconds(2));
  EXPECT_EQ(FromProto(plan->resilience().circuit_breaker().window()),
            absl::Seconds(1));
  // The rest is the defaults plan's: the same plan applied to the defaults
  // with its own three keys cleared is the defaults (lists aside).
  rig::v1::Plan rest = *plan;
  rest.clear_alongside();
  rest.mutable_workload()->clear_kind();
  rest.mutable_workload()->set_tables(1);
  *rest.mutable_load()->mutable_duration() = ToProto(absl::Seconds(10));
  *rest.mutable_resilience()->mutable_circuit_breaker()->mutable_window() =
      ToProto(absl::Seconds(10));
  EXPECT_EQ(rest.DebugString(), PlanDefaults().DebugString());
  EXPECT_EQ(PlanDefaults().alongside_size(), 0);
  EXPECT_EQ(PlanDefaults().load().stages_size(), 0);
}

TEST(SchemaTest, RangesComeFromTheTable) {
  const PlanKey* port = FindPlanKey("target.port");
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(port->max, 65535);
  EXPECT_EQ(FindPlanKey("load.stages.0.rate"), FindPlanKey("load.stages.rate"));
  EXPECT_EQ(FindPlanKey("load.nope"), nullptr);
  auto plan = ParsePlan("workload: {kind: x}\ntarget: {port: 65536}\n", "p");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().message(),
            "p:2: \"target.port\" is 65536, out of range [1, 65535]");
}

// The README's plan reference is the table, word for word; after changing
// the table, paste `rig-coordinator plan reference` between the markers.
TEST(SchemaTest, TheReadmePlanReferenceIsTheTable) {
  std::ifstream in(std::string(RIG_SOURCE_DIR) + "/README.md");
  ASSERT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str();
  const std::string begin = "<!-- plan reference: begin -->\n";
  const std::string end = "<!-- plan reference: end -->";
  const size_t from = readme.find(begin);
  const size_t to = readme.find(end);
  ASSERT_NE(from, std::string::npos) << "README.md lacks " << begin;
  ASSERT_NE(to, std::string::npos) << "README.md lacks " << end;
  EXPECT_EQ(readme.substr(from + begin.size(), to - from - begin.size()),
            PlanReferenceMarkdown())
      << "README.md's plan reference differs from plan/schema.cc: paste the "
         "output of `rig-coordinator plan reference` between the markers";
}

}  // namespace
}  // namespace rig::plan
