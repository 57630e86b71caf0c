// What a user's mistakes give, through the real binaries: an unknown plan
// key, an unreachable agent, a port that does not speak gRPC, an agent
// without a port, a wrong database password, each one line naming the
// cause; and the command line's help and log file. One job: the command
// line and its errors end to end; split out of skeleton_test.cc.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "agent/flags.h"
#include "coordinator/flags.h"
#include "google/protobuf/util/json_util.h"
#include "rig/v1/report.pb.h"
#include "tests/integration/real_rig.h"
#include "tests/support/mariadb_server.h"
#include "tests/support/process.h"

namespace rig {
namespace {

class CliTest : public RealRigTest {};

TEST_F(CliTest, UnknownPlanKeyIsOneLineNamingKeyAndLine) {
  const std::string plan = WritePlan(
      "bad.yaml",
      "workload: {kind: oltp_point_select}\nload:\n  conections: 4\n");
  auto run = Coordinator({plan, "--agents", "127.0.0.1:1"}, "");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 2);
  EXPECT_EQ(std::count(run->stderr_text.begin(), run->stderr_text.end(), '\n'),
            1)
      << run->stderr_text;
  EXPECT_NE(run->stderr_text.find(plan + ":3: unknown key \"load.conections\""),
            std::string::npos)
      << run->stderr_text;
}

TEST_F(CliTest, UnreachableAgentIsNamedInOneLine) {
  const int dead_port = testing::PickFreePort();
  const std::string plan = WritePlan(
      "ok.yaml",
      absl::StrCat(TargetYaml(), "workload: {kind: oltp_point_select}\n"));
  auto run =
      Coordinator({plan, "--agents", absl::StrCat("127.0.0.1:", dead_port),
                   "--connect-timeout", "1s"},
                  "");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 4);
  EXPECT_NE(run->stderr_text.find(
                absl::StrCat("rig-coordinator: agent 127.0.0.1:", dead_port,
                             ": no answer within 1s: connection refused")),
            std::string::npos)
      << run->stderr_text;
}

// The agents' address points at something that is not an agent (here the
// database): named as such at once, not after the connect timeout.
TEST_F(CliTest, APortThatDoesNotSpeakGrpcIsNamedAtOnce) {
  const std::string plan = WritePlan(
      "not-grpc.yaml",
      absl::StrCat(TargetYaml(), "workload: {kind: oltp_point_select}\n"));
  const absl::Time start = absl::Now();
  auto run = Coordinator(
      {plan, "--agents", absl::StrCat("127.0.0.1:", server_->port()),
       "--connect-timeout", "20s"},
      "");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 4);
  EXPECT_NE(run->stderr_text.find("does not speak plaintext gRPC"),
            std::string::npos)
      << run->stderr_text;
  EXPECT_LT(absl::Now() - start, absl::Seconds(15)) << "waited out 20 s";
}

TEST_F(CliTest, AnAgentWithoutAPortIsAUsageError) {
  const std::string plan = WritePlan(
      "no-port.yaml",
      absl::StrCat(TargetYaml(), "workload: {kind: oltp_point_select}\n"));
  auto run = Coordinator({plan, "--agents", "localhost"}, "");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 2);
  EXPECT_NE(run->stderr_text.find("--agents \"localhost\": an agent is "
                                  "host:port"),
            std::string::npos)
      << run->stderr_text;
}

// rig-agent's addresses are checked before gRPC tries them: a value
// without a port is named with the flag, and one that cannot be bound says
// why in words.
TEST_F(CliTest, AnAgentAddressItCannotServeOnIsNamed) {
  struct Case {
    std::vector<std::string> flags;
    std::string says;
  } cases[] = {
      {{"--listen", "nowhere"},
       "rig-agent: --listen \"nowhere\": expected host:port (e.g. "
       "0.0.0.0:7070"},
      {{"--listen", "127.0.0.1:0", "--health-listen", "127.0.0.1"},
       "rig-agent: --health-listen \"127.0.0.1\": expected host:port"},
      {{"--listen", "192.0.2.1:0"},
       "rig-agent: --listen: cannot listen on 192.0.2.1:0: the port is in "
       "use, or the host is not an address of this machine"},
  };
  int i = 0;
  for (const Case& c : cases) {
    std::vector<std::string> argv = {RIG_AGENT_BIN};
    argv.insert(argv.end(), c.flags.begin(), c.flags.end());
    const std::string log = absl::StrCat(*dir_, "/bad-listen-", i++, ".log");
    auto agent = Subprocess::Start(argv, {}, log);
    ASSERT_TRUE(agent.ok()) << agent.status();
    auto code = (*agent)->Wait(absl::Seconds(30));
    ASSERT_TRUE(code.ok()) << code.status();
    EXPECT_EQ(*code, 2) << testing::ReadFile(log);
    EXPECT_NE(testing::ReadFile(log).find(c.says), std::string::npos)
        << testing::ReadFile(log);
  }
}

TEST_F(CliTest, RunIsNotASubcommandAndSaysSo) {
  const std::string plan = WritePlan(
      "run.yaml",
      absl::StrCat(TargetYaml(), "workload: {kind: oltp_point_select}\n"));
  auto run = Coordinator({"run", plan, "--agents", "127.0.0.1:1"}, "");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 2);
  EXPECT_NE(run->stderr_text.find("\"run\" is not a subcommand: a run is "
                                  "rig-coordinator PLAN.yaml"),
            std::string::npos)
      << run->stderr_text;
}

TEST_F(CliTest, WrongPasswordFailsWithServerCodeAndNoPassword) {
  int port = 0;
  auto agent = StartAgent("a-wrong-pw", &port);
  ASSERT_TRUE(agent);
  const std::string plan = WritePlan(
      "pw.yaml", absl::StrCat(TargetYaml(),
                              "workload: {kind: oltp_point_select}\n"
                              "load: {connections: 1, duration: 1s}\n"));
  auto run = Coordinator({plan, "--agents", absl::StrCat("127.0.0.1:", port)},
                         "not-the-password");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 4);
  EXPECT_NE(run->stdout_text.find("state=Connecting op=connect conn=0"),
            std::string::npos)
      << run->stdout_text;
  EXPECT_NE(run->stdout_text.find("server code 1045, SQLSTATE 28000"),
            std::string::npos)
      << run->stdout_text;
  EXPECT_EQ(run->stdout_text.find("not-the-password"), std::string::npos);
  EXPECT_EQ(testing::ReadFile(agent->log_path()).find("not-the-password"),
            std::string::npos);
}

// Every flag of each binary's table, with its default and variable, as
// --help prints it: a flag added to the table and not to the help, or the
// other way round, fails here.
void ExpectHelpListsEveryFlag(const std::string& binary,
                              const std::vector<SettingSpec>& flags) {
  auto help = testing::RunCommand({binary, "--help"}, absl::Seconds(10));
  ASSERT_TRUE(help.ok()) << help.status();
  EXPECT_EQ(help->exit_code, 0);
  const std::string& out = help->stdout_text;
  ASSERT_GT(flags.size(), 10u);
  for (const SettingSpec& f : flags) {
    const size_t at =
        out.find(absl::StrCat("  --", f.name, f.is_bool ? "" : " VALUE"));
    ASSERT_NE(at, std::string::npos) << binary << ": --" << f.name;
    // The rest of this flag's entry: up to the next flag.
    const std::string entry = out.substr(at, out.find("\n  --", at + 1) - at);
    const std::string def = f.secret                  ? "(none)"
                            : f.default_value.empty() ? "(empty)"
                                                      : f.default_value;
    EXPECT_NE(entry.find("default: " + def), std::string::npos)
        << binary << ": --" << f.name << "\n"
        << entry;
    if (!f.env.empty()) {
      EXPECT_NE(entry.find("env: " + f.env), std::string::npos)
          << binary << ": --" << f.name << "\n"
          << entry;
    }
    if (f.alias != 0) {
      EXPECT_NE(entry.find(absl::StrCat(", -", std::string(1, f.alias))),
                std::string::npos)
          << entry;
    }
  }
}

TEST_F(CliTest, HelpListsEveryFlagWithDefaultAndVariable) {
  ExpectHelpListsEveryFlag(RIG_AGENT_BIN, agent::AgentFlags());
  ExpectHelpListsEveryFlag(RIG_COORDINATOR_BIN,
                           coordinator::CoordinatorFlags());
  auto coord =
      testing::RunCommand({RIG_COORDINATOR_BIN, "--help"}, absl::Seconds(10));
  ASSERT_TRUE(coord.ok());
  EXPECT_NE(coord->stdout_text.find("Exit codes"), std::string::npos);
  auto bad =
      testing::RunCommand({RIG_AGENT_BIN, "--lisen=x"}, absl::Seconds(10));
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->exit_code, 2);
  EXPECT_EQ(bad->stderr_text, "rig-agent: unknown flag --lisen (see --help)\n");
}

// `plan ... --help` and `metrics reference --help` print their own usage
// and the settings they read, not the run's.
TEST_F(CliTest, SubcommandHelpIsItsOwn) {
  auto plan = testing::RunCommand(
      {RIG_COORDINATOR_BIN, "plan", "validate", "--help"}, absl::Seconds(10));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->exit_code, 0);
  const std::string& p = plan->stdout_text;
  EXPECT_EQ(p.rfind("Usage: rig-coordinator plan validate PLAN.yaml", 0), 0u)
      << p;
  EXPECT_NE(p.find("Workloads: "), std::string::npos) << p;
  EXPECT_NE(p.find("tpcc"), std::string::npos) << p;
  for (const char* flag : {"  --set VALUE", "  --workload VALUE"}) {
    EXPECT_NE(p.find(flag), std::string::npos) << flag << "\n" << p;
  }
  EXPECT_EQ(p.find("--agents"), std::string::npos) << p;
  auto metrics = testing::RunCommand(
      {RIG_COORDINATOR_BIN, "metrics", "reference", "--help"},
      absl::Seconds(10));
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_EQ(metrics->exit_code, 0);
  EXPECT_EQ(
      metrics->stdout_text.rfind("Usage: rig-coordinator metrics reference", 0),
      0u)
      << metrics->stdout_text;
  EXPECT_EQ(metrics->stdout_text.find("--agents"), std::string::npos)
      << metrics->stdout_text;
}

TEST_F(CliTest, LogFileReallyWrites) {
  const std::string log = absl::StrCat(*dir_, "/coordinator.log");
  const std::string plan = WritePlan(
      "log.yaml",
      absl::StrCat(TargetYaml(), "workload: {kind: oltp_point_select}\n"));
  auto run = Coordinator({plan, "--agents", "127.0.0.1:1", "--connect-timeout",
                          "200ms", "--log-file", log, "--log-format", "json"},
                         "");
  ASSERT_TRUE(run.ok());
  // The run fails (no agent), but the log file has the run's JSON lines.
  const std::string text = testing::ReadFile(log);
  EXPECT_NE(text.find("\"component\":\"coordinator\""), std::string::npos)
      << text;
  EXPECT_NE(text.find("\"run\":\"r"), std::string::npos) << text;
}

}  // namespace
}  // namespace rig
