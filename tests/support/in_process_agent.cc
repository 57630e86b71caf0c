#include "tests/support/in_process_agent.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "agent/db/mariadb_driver.h"
#include "agent/engine/catalogue.h"
#include "agent/engine/state_machine.h"
#include "plan/plan.h"

namespace rig::testing {
namespace {

class DropEvents : public agent::RunEvents {
 public:
  void Send(const rig::v1::AgentMessage&) override {}
};

}  // namespace

MariaDbServer* MariaDbTest::server_ = nullptr;
std::string* MariaDbTest::start_error_ = nullptr;
db::Driver* MariaDbTest::driver_ = nullptr;

void MariaDbTest::SetUpTestSuite() {
  auto server = MariaDbServer::Start();
  if (!server.ok()) {
    start_error_ = new std::string(server.status().ToString());
    return;
  }
  server_ = server->release();
  driver_ = db::NewMariaDbDriver().release();
}

void MariaDbTest::TearDownTestSuite() {
  delete server_;
  server_ = nullptr;
  delete driver_;
  driver_ = nullptr;
}

void MariaDbTest::SetUp() {
  ASSERT_NE(server_, nullptr) << "private MariaDB did not start: "
                              << (start_error_ ? *start_error_ : "");
}

rig::v1::RunResult MariaDbTest::RunInProcess(const std::string& body,
                                             int connections,
                                             const std::string& target_extra,
                                             agent::RunEvents* events) {
  auto plan = rig::plan::ParsePlan(
      absl::StrCat("target: {host: 127.0.0.1, port: ", server_->port(),
                   ", user: ", server_->user(), ", database: ",
                   server_->database(), target_extra, "}\n", body),
      "test.yaml");
  EXPECT_TRUE(plan.ok()) << plan.status();
  if (!plan.ok()) return rig::v1::RunResult();
  plan->mutable_target()->set_password(server_->password());
  rig::v1::Assignment a;
  a.set_agent_name("it");
  a.set_agent_count(1);
  a.set_connections(connections);
  a.set_rate(plan->load().rate());
  a.mutable_prepare_range()->set_begin(1);
  a.mutable_prepare_range()->set_end(plan->workload().table_size() + 1);
  a.set_run_verify(true);
  *a.mutable_plan() = *plan;
  DropEvents dropped;
  agent::RunContext ctx("run", a, driver_, &agent::Catalogue::Default(),
                        events != nullptr ? events : &dropped);
  agent::StateRegistry states = agent::StateRegistry::Standard();
  agent::StateMachine(states).Run(ctx);
  return ctx.result;
}

std::string MariaDbTest::Sql(const std::string& sql) {
  auto out = server_->Sql(sql);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? std::string(absl::StripAsciiWhitespace(*out)) : "";
}

}  // namespace rig::testing
