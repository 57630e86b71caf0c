// Error classes: the table of classes, the table of codes, the parser of
// class names, and the classifier with a plan's overrides.

#include "agent/resilience/error_class.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "common/base/error_context.h"
#include "tests/support/has_substr.h"

namespace rig::agent {
namespace {

using rig::testing::HasSubstr;

TEST(ErrorClassTest, ClassifiesEveryListedCode) {
  const struct {
    ErrorClass cls;
    std::vector<int> codes;
  } kCases[] = {
      {ErrorClass::kRetryTxn,
       {1205, 1213, 1317, 1412, 1615, 3101, 3572, 8002, 8005, 8022, 8028, 8229,
        9006, 9007}},
      {ErrorClass::kReconnect,
       {1043, 1152, 1154, 1156, 1157, 1158, 1159, 1160,
        1161, 1184, 1243, 1927, 2002, 2003, 2005, 2006,
        2012, 2013, 2014, 2026, 2027, 2048, 2055, 4031}},
      {ErrorClass::kBackoff,
       {1037, 1038, 1040, 1041, 1047, 1053, 1105, 1135, 1203,
        1637, 1969, 3024, 8027, 8176, 8252, 9001, 9002, 9003,
        9004, 9005, 9008, 9010, 9011, 9012, 9013}},
      {ErrorClass::kFailFast,
       {1044, 1045, 1046, 1049, 1054, 1064, 1129, 1130, 1142, 1143, 1146, 1153,
        1227, 1251, 1461, 1698, 1792, 1820, 2059, 2061, 8004, 8025, 8175}},
      {ErrorClass::kOther, {1062, 1451, 1452, 0, 1, 1048, 99999}},
  };
  for (const auto& c : kCases) {
    for (int code : c.codes) {
      EXPECT_EQ(ClassifyCode(code), c.cls)
          << code << " should be " << ErrorClassName(c.cls) << ", is "
          << ErrorClassName(ClassifyCode(code));
    }
  }
}

TEST(ErrorClassTest, ClassifyUsesServerCodeThenStatusCode) {
  EXPECT_EQ(Classify(WithServerError(absl::UnknownError("x"), {1213, "40001"})),
            ErrorClass::kRetryTxn);
  EXPECT_EQ(Classify(WithServerError(absl::UnavailableError("x"), {1045, ""})),
            ErrorClass::kFailFast);
  EXPECT_EQ(Classify(absl::UnavailableError("no code")),
            ErrorClass::kReconnect);
  EXPECT_EQ(Classify(absl::InternalError("no code")), ErrorClass::kOther);
}

// Galera: a certification conflict (1213 at COMMIT) is run again; a node
// that is not ready (1047, not Primary or still joining) is backed off from.
TEST(ErrorClassTest, ClassifiesGaleraCodes) {
  EXPECT_EQ(ClassifyCode(1213), ErrorClass::kRetryTxn);
  EXPECT_EQ(ClassifyCode(1047), ErrorClass::kBackoff);
  EXPECT_TRUE(PolicyFor(ClassifyCode(1047)).counts_for_breaker);
}

TEST(ErrorClassTest, ParsesNamesAndTheIgnoreAlias) {
  for (ErrorClass c :
       {ErrorClass::kRetryTxn, ErrorClass::kReconnect, ErrorClass::kBackoff,
        ErrorClass::kFailFast, ErrorClass::kOther}) {
    auto parsed = ParseErrorClass(ErrorClassName(c));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, c);
  }
  EXPECT_EQ(ParseErrorClass("ignore").value(), ErrorClass::kOther);
  EXPECT_EQ(ParseErrorClass("Fail_Fast").value(), ErrorClass::kFailFast);

  auto bad = ParseErrorClass("retry");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(HasSubstr(std::string(bad.status().message()), "\"retry\""));
  for (const char* name :
       {"retry_txn", "reconnect", "backoff", "fail_fast", "other", "ignore"}) {
    EXPECT_TRUE(HasSubstr(std::string(bad.status().message()), name));
  }
  EXPECT_FALSE(ParseErrorClass("").ok());
}

TEST(ErrorClassTest, PolicyForEachClass) {
  const ClassPolicy retry_txn = PolicyFor(ErrorClass::kRetryTxn);
  EXPECT_TRUE(retry_txn.retry);
  EXPECT_TRUE(retry_txn.backoff);
  EXPECT_FALSE(retry_txn.reconnect);

  const ClassPolicy reconnect = PolicyFor(ErrorClass::kReconnect);
  EXPECT_TRUE(reconnect.retry);
  EXPECT_TRUE(reconnect.reconnect);

  const ClassPolicy backoff = PolicyFor(ErrorClass::kBackoff);
  EXPECT_TRUE(backoff.retry);
  EXPECT_TRUE(backoff.backoff);
  EXPECT_FALSE(backoff.reconnect);

  for (ErrorClass c : {ErrorClass::kFailFast, ErrorClass::kOther}) {
    const ClassPolicy p = PolicyFor(c);
    EXPECT_FALSE(p.retry) << ErrorClassName(c);
    EXPECT_FALSE(p.reconnect) << ErrorClassName(c);
    EXPECT_FALSE(p.backoff) << ErrorClassName(c);
  }

  EXPECT_TRUE(PolicyFor(ErrorClass::kReconnect).counts_for_breaker);
  EXPECT_TRUE(PolicyFor(ErrorClass::kBackoff).counts_for_breaker);
  EXPECT_FALSE(PolicyFor(ErrorClass::kRetryTxn).counts_for_breaker);
  EXPECT_FALSE(PolicyFor(ErrorClass::kFailFast).counts_for_breaker);
  EXPECT_FALSE(PolicyFor(ErrorClass::kOther).counts_for_breaker);
}

TEST(ErrorClassifierTest, OverridesTheTable) {
  google::protobuf::Map<int32_t, std::string> overrides;
  overrides[1062] = "fail_fast";
  overrides[1213] = "ignore";
  overrides[1105] = "other";
  overrides[12345] = "backoff";
  auto classifier = ErrorClassifier::Create(overrides);
  ASSERT_TRUE(classifier.ok()) << classifier.status();

  EXPECT_EQ(classifier->ClassifyCode(1062), ErrorClass::kFailFast);
  EXPECT_EQ(classifier->ClassifyCode(1213), ErrorClass::kOther);
  EXPECT_EQ(classifier->ClassifyCode(1105), ErrorClass::kOther);
  EXPECT_EQ(classifier->ClassifyCode(12345), ErrorClass::kBackoff);
  EXPECT_EQ(classifier->ClassifyCode(1205), ErrorClass::kRetryTxn);  // table
  EXPECT_EQ(classifier->Classify(
                WithServerError(absl::UnknownError("dup"), {1062, "23000"})),
            ErrorClass::kFailFast);
  EXPECT_EQ(classifier->Classify(absl::UnavailableError("gone")),
            ErrorClass::kReconnect);

  // The default classifier is the table.
  EXPECT_EQ(ErrorClassifier().ClassifyCode(1062), ErrorClass::kOther);
}

TEST(ErrorClassifierTest, RejectsABadClassNamingCodeAndName) {
  google::protobuf::Map<int32_t, std::string> overrides;
  overrides[1205] = "retry_txn";
  overrides[1062] = "ignor";
  auto classifier = ErrorClassifier::Create(overrides);
  ASSERT_FALSE(classifier.ok());
  EXPECT_EQ(classifier.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string msg(classifier.status().message());
  EXPECT_TRUE(HasSubstr(msg, "error_classes[1062]"));
  EXPECT_TRUE(HasSubstr(msg, "\"ignor\""));
  EXPECT_TRUE(HasSubstr(msg, "retry_txn, reconnect, backoff, fail_fast"));

  google::protobuf::Map<int32_t, std::string> zero;
  zero[0] = "other";
  auto zero_classifier = ErrorClassifier::Create(zero);
  ASSERT_FALSE(zero_classifier.ok());
  EXPECT_TRUE(HasSubstr(std::string(zero_classifier.status().message()),
                        "0 is not a server error code"));
}

TEST(ErrorClassifierTest, ConcurrentReadsAgree) {
  google::protobuf::Map<int32_t, std::string> overrides;
  overrides[1062] = "reconnect";
  const ErrorClassifier classifier = ErrorClassifier::Create(overrides).value();
  std::vector<std::future<int>> results;
  for (int t = 0; t < 4; ++t) {
    results.push_back(std::async(std::launch::async, [&classifier] {
      int reconnects = 0;
      for (int i = 0; i < 1000; ++i) {
        reconnects += classifier.ClassifyCode(1062) == ErrorClass::kReconnect;
      }
      return reconnects;
    }));
  }
  for (auto& r : results) EXPECT_EQ(r.get(), 1000);
}

}  // namespace
}  // namespace rig::agent
