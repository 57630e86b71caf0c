// Redaction of secrets in log lines: before JSON escaping, in every part of
// a line, for a run's lifetime only, and never of short strings.

#include "common/base/logging.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace rig {
namespace {

class LoggingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/logging_test_" +
            std::to_string(::getpid()) + ".log";
    std::remove(path_.c_str());
  }
  void TearDown() override {
    LogOptions plain;
    ASSERT_TRUE(ConfigureLogging(plain).ok());
    SetLogContext("run", "");
    std::remove(path_.c_str());
  }
  // Logs `message` (with one field) in `json` or text form and returns what
  // the log file got.
  std::string Log(bool json, const std::string& message,
                  const std::string& field = "") {
    LogOptions o;
    o.json = json;
    o.file = path_;
    EXPECT_TRUE(ConfigureLogging(o).ok());
    std::remove(path_.c_str());
    EXPECT_TRUE(ConfigureLogging(o).ok());  // a fresh file
    if (field.empty()) {
      RIG_LOG(Warning) << message;
    } else {
      RIG_LOG(Warning).Field("detail", field) << message;
    }
    std::ifstream in(path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::string path_;
};

TEST_F(LoggingTest, ASecretWithQuotesAndBackslashesIsHiddenInJsonLines) {
  const std::string secret = "pa\"ss\\wo\"rd";
  RegisterSecret(secret);
  const std::string line = Log(true, "connecting with " + secret);
  EXPECT_NE(line.find("connecting with ***"), std::string::npos) << line;
  EXPECT_EQ(line.find("ss"), std::string::npos) << line;
  const std::string text = Log(false, "connecting with " + secret);
  EXPECT_NE(text.find("connecting with ***"), std::string::npos) << text;
}

TEST_F(LoggingTest, SecretsAreHiddenInFieldsAndContextToo) {
  const ScopedSecret secret("hunter22");
  SetLogContext("run", "run-hunter22");
  const std::string line = Log(true, "message", "field hunter22");
  EXPECT_EQ(line.find("hunter22"), std::string::npos) << line;
  EXPECT_NE(line.find("run-***"), std::string::npos) << line;
  EXPECT_NE(line.find("field ***"), std::string::npos) << line;
}

TEST_F(LoggingTest, ARunsSecretIsRedactedOnlyWhileTheRunLasts) {
  {
    const ScopedSecret password("state");
    EXPECT_NE(Log(false, "state Connecting").find("*** Connecting"),
              std::string::npos);
  }
  // The run is over: its password no longer blanks a word out of the logs.
  EXPECT_NE(Log(false, "state Connecting").find("state Connecting"),
            std::string::npos);
  // Two holders of one secret: it stays until the last one ends.
  const ScopedSecret a("twice-held");
  { const ScopedSecret b("twice-held"); }
  EXPECT_NE(Log(false, "twice-held").find("***"), std::string::npos);
}

TEST_F(LoggingTest, SecretsShorterThanTheMinimumAreNotRedacted) {
  const ScopedSecret tiny("abc");
  static_assert(kMinSecretLength == 4);
  EXPECT_NE(Log(false, "abc of logging").find("abc of logging"),
            std::string::npos);
}

}  // namespace
}  // namespace rig
