#include "common/config/settings.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <fstream>

namespace rig {
namespace {

std::vector<SettingSpec> Specs() {
  return {
      {"listen", "RIG_TEST_LISTEN", "127.0.0.1:7070", "Address."},
      {"log-level", "RIG_TEST_LOG_LEVEL", "info", "Level.", false, false, false,
       'v', "debug"},
      {"agents", "RIG_TEST_AGENTS", "", "Agents.", false, true, true},
      {"dry", "RIG_TEST_DRY", "false", "Dry run.", true},
      {"set", "", "", "Overrides.", false, true},
      {"config", "RIG_TEST_CONFIG", "", "Config file."},
  };
}

absl::StatusOr<Settings> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "prog");
  return Settings::Resolve(Specs(), static_cast<int>(args.size()), args.data());
}

class SettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v :
         {"RIG_TEST_LISTEN", "RIG_TEST_LOG_LEVEL", "RIG_TEST_AGENTS",
          "RIG_TEST_DRY", "RIG_TEST_CONFIG"}) {
      unsetenv(v);
    }
    config_ = ::testing::TempDir() + "/settings_test.yaml";
  }
  void WriteConfig(const std::string& text) { std::ofstream(config_) << text; }
  std::string config_;
};

TEST_F(SettingsTest, DefaultsApply) {
  auto s = Parse({});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->Get("listen"), "127.0.0.1:7070");
  EXPECT_EQ(s->SourceOf("listen"), "default");
  EXPECT_FALSE(*s->GetBool("dry"));
  EXPECT_TRUE(s->GetList("agents").empty());
}

TEST_F(SettingsTest, CommandLineBeatsEnvironmentBeatsConfigFile) {
  WriteConfig("listen: 0.0.0.0:1\nlog-level: warning\nagents: [a:1, b:2]\n");
  setenv("RIG_TEST_CONFIG", config_.c_str(), 1);
  setenv("RIG_TEST_LOG_LEVEL", "error", 1);
  auto s = Parse({"--listen=0.0.0.0:3"});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->Get("listen"), "0.0.0.0:3");
  EXPECT_EQ(s->SourceOf("listen"), "cli");
  EXPECT_EQ(s->Get("log-level"), "error");
  EXPECT_EQ(s->SourceOf("log-level"), "env");
  EXPECT_EQ(s->GetList("agents"), (std::vector<std::string>{"a:1", "b:2"}));
  EXPECT_EQ(s->SourceOf("agents"), "config");
}

TEST_F(SettingsTest, FlagForms) {
  auto s = Parse({"--listen", "h:1", "-v", "--dry", "--agents", "a:1,b:2",
                  "--agents=c:3", "plan.yaml"});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->Get("listen"), "h:1");
  EXPECT_EQ(s->Get("log-level"), "debug");
  EXPECT_TRUE(*s->GetBool("dry"));
  EXPECT_EQ(s->GetList("agents"),
            (std::vector<std::string>{"a:1", "b:2", "c:3"}));
  EXPECT_EQ(s->positional(), (std::vector<std::string>{"plan.yaml"}));
  // Values of a repeated setting that is not comma-separated stay whole.
  auto o = Parse({"--set", "thresholds=[a, b]", "--set=x=1"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->GetList("set"),
            (std::vector<std::string>{"thresholds=[a, b]", "x=1"}));
  auto n = Parse({"--no-dry"});
  ASSERT_TRUE(n.ok());
  EXPECT_FALSE(*n->GetBool("dry"));
  auto h = Parse({"--help"});
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->help_requested());
}

TEST_F(SettingsTest, ErrorsNameTheProblem) {
  EXPECT_EQ(Parse({"--lisen=x"}).status().message(),
            "unknown flag --lisen (see --help)");
  EXPECT_EQ(Parse({"--listen"}).status().message(),
            "flag --listen needs a value");
  EXPECT_EQ(Parse({"-x"}).status().message(), "unknown flag -x (see --help)");
  WriteConfig("lisen: x\n");
  EXPECT_EQ(Parse({"--config", config_.c_str()}).status().message(),
            config_ + ":1: unknown setting \"lisen\"");
  EXPECT_NE(Parse({"--config=/nonexistent.yaml"})
                .status()
                .message()
                .find("cannot read config file /nonexistent.yaml"),
            std::string::npos);
  setenv("RIG_TEST_DRY", "perhaps", 1);
  EXPECT_EQ(Parse({}).status().message(),
            "--dry / RIG_TEST_DRY (from env): \"perhaps\" is not a boolean "
            "(true or false)");
}

TEST_F(SettingsTest, HelpListsEverySettingWithDefaultAndVariable) {
  const std::string help = Settings::Help("Usage: prog", Specs());
  for (const auto& spec : Specs()) {
    EXPECT_NE(help.find("--" + spec.name), std::string::npos) << spec.name;
    if (!spec.env.empty()) {
      EXPECT_NE(help.find("env: " + spec.env), std::string::npos) << spec.env;
    }
  }
  EXPECT_NE(help.find("default: 127.0.0.1:7070"), std::string::npos);
}

}  // namespace
}  // namespace rig
