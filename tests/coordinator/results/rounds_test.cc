#include "coordinator/results/rounds.h"

#include <gtest/gtest.h>

namespace rig::coordinator {
namespace {

rig::v1::ScenarioRoundRecord Round(const std::string& agent,
                                   const std::string& kind, int n,
                                   int64_t start_us) {
  rig::v1::ScenarioRoundRecord r;
  r.set_agent(agent);
  r.mutable_round()->set_kind(kind);
  r.mutable_round()->set_round(n);
  r.mutable_round()->set_start_offset_us(start_us);
  r.mutable_round()->set_end_offset_us(start_us + 50000);
  r.mutable_round()->set_status(rig::v1::CHECK_STATUS_PASSED);
  return r;
}

void AddCheck(rig::v1::ScenarioRoundRecord& r, const std::string& name,
              rig::v1::CheckStatus status, const std::string& expected,
              const std::string& seen) {
  auto* c = r.mutable_round()->add_checks();
  c->set_name(name);
  c->set_status(status);
  c->set_expected(expected);
  c->set_seen(seen);
  if (status == rig::v1::CHECK_STATUS_FAILED) {
    r.mutable_round()->set_status(rig::v1::CHECK_STATUS_FAILED);
  }
  if (status == rig::v1::CHECK_STATUS_SKIPPED) {
    c->set_message(name + ": skipped: not TiDB");
  }
}

google::protobuf::RepeatedPtrField<rig::v1::Alongside> Entries(
    std::vector<std::string> kinds) {
  google::protobuf::RepeatedPtrField<rig::v1::Alongside> out;
  for (const auto& k : kinds) out.Add()->set_kind(k);
  return out;
}

const rig::v1::Check* Find(const std::vector<rig::v1::Check>& checks,
                           const std::string& name) {
  for (const auto& c : checks) {
    if (c.name() == name) return &c;
  }
  return nullptr;
}

TEST(RoundsTest, EveryRoundPassingIsOneCheckPerNamePlusRounds) {
  std::vector<rig::v1::ScenarioRoundRecord> rounds;
  for (int i = 1; i <= 3; ++i) {
    for (const char* agent : {"a0", "a1"}) {
      auto r = Round(agent, "scenario/isolation", i, i * 1000000);
      AddCheck(r, "snapshot kept", rig::v1::CHECK_STATUS_PASSED, "SUM(v) = 0",
               "SUM(v) = 0");
      rounds.push_back(r);
    }
  }
  const auto checks = SummarizeRounds(Entries({"scenario/isolation"}), rounds);
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].name(), "alongside scenario/isolation: snapshot kept");
  EXPECT_EQ(checks[0].status(), rig::v1::CHECK_STATUS_PASSED);
  EXPECT_EQ(checks[0].expected(), "SUM(v) = 0");
  EXPECT_EQ(checks[0].seen(), "held in 6 of 6 rounds");
  EXPECT_EQ(checks[1].name(), "alongside scenario/isolation: rounds");
  EXPECT_EQ(checks[1].status(), rig::v1::CHECK_STATUS_PASSED);
  EXPECT_EQ(checks[1].seen(), "6 rounds, 6 complete");
}

TEST(RoundsTest, AFailureNamesItsFirstRoundAndCounts) {
  std::vector<rig::v1::ScenarioRoundRecord> rounds;
  auto ok = Round("a0", "scenario/isolation", 1, 1000000);
  AddCheck(ok, "snapshot kept", rig::v1::CHECK_STATUS_PASSED, "SUM(v) = 0",
           "SUM(v) = 0");
  auto bad = Round("a1", "scenario/isolation", 2, 2500000);
  AddCheck(bad, "snapshot kept", rig::v1::CHECK_STATUS_FAILED, "SUM(v) = 0",
           "SUM(v) = 10");
  auto bad2 = Round("a0", "scenario/isolation", 3, 4000000);
  AddCheck(bad2, "snapshot kept", rig::v1::CHECK_STATUS_FAILED, "SUM(v) = 0",
           "SUM(v) = 7");
  rounds = {ok, bad, bad2};
  const auto checks = SummarizeRounds(Entries({"scenario/isolation"}), rounds);
  const auto* c = Find(checks, "alongside scenario/isolation: snapshot kept");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status(), rig::v1::CHECK_STATUS_FAILED);
  EXPECT_EQ(c->expected(), "SUM(v) = 0");
  EXPECT_EQ(c->seen(),
            "SUM(v) = 10 (a1 round 2 at 2.5s; failed in 2 of 3 rounds)");
  EXPECT_NE(c->message().find("expected SUM(v) = 0, saw SUM(v) = 10"),
            std::string::npos)
      << c->message();
  EXPECT_NE(c->message().find("FAILED"), std::string::npos);
  // The rounds themselves completed: that check holds.
  const auto* r = Find(checks, "alongside scenario/isolation: rounds");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->status(), rig::v1::CHECK_STATUS_PASSED);
}

TEST(RoundsTest, OnlyErrorsOrNoRoundsFailTheRoundsCheck) {
  auto errored = Round("a0", "scenario/deadlock", 1, 1000000);
  errored.mutable_round()->set_status(rig::v1::CHECK_STATUS_SKIPPED);
  errored.mutable_round()->mutable_error()->set_message(
      "state LockingRows: connection refused");
  const auto checks = SummarizeRounds(
      Entries({"scenario/deadlock", "scenario/savepoints"}), {errored});
  const auto* d = Find(checks, "alongside scenario/deadlock: rounds");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->status(), rig::v1::CHECK_STATUS_FAILED);
  EXPECT_EQ(d->seen(),
            "1 round, 0 complete, 1 ended in an error (first: a0 round 1 at "
            "1.0s: state LockingRows: connection refused)");
  const auto* s = Find(checks, "alongside scenario/savepoints: rounds");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->status(), rig::v1::CHECK_STATUS_FAILED);
  EXPECT_EQ(s->seen(), "0 rounds, 0 complete");
}

TEST(RoundsTest, AnErrorBesideCompleteRoundsIsNamedButPasses) {
  auto ok = Round("a0", "scenario/deadlock", 1, 1000000);
  AddCheck(ok, "one victim", rig::v1::CHECK_STATUS_PASSED, "1", "1");
  auto errored = Round("a0", "scenario/deadlock", 2, 2000000);
  errored.mutable_round()->set_status(rig::v1::CHECK_STATUS_SKIPPED);
  errored.mutable_round()->mutable_error()->set_message("server gone");
  const auto checks =
      SummarizeRounds(Entries({"scenario/deadlock"}), {ok, errored});
  const auto* d = Find(checks, "alongside scenario/deadlock: rounds");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->status(), rig::v1::CHECK_STATUS_PASSED);
  EXPECT_NE(d->seen().find("1 ended in an error"), std::string::npos)
      << d->seen();
}

TEST(RoundsTest, EveryRoundSkippingIsASkipNotAFailure) {
  auto r = Round("a0", "scenario/import_jobs", 1, 1000000);
  AddCheck(r, "import jobs", rig::v1::CHECK_STATUS_SKIPPED, "", "");
  r.mutable_round()->set_status(rig::v1::CHECK_STATUS_SKIPPED);
  const auto checks = SummarizeRounds(Entries({"scenario/import_jobs"}), {r});
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].status(), rig::v1::CHECK_STATUS_SKIPPED);
  EXPECT_NE(checks[0].message().find("not TiDB"), std::string::npos)
      << checks[0].message();
  EXPECT_EQ(checks[1].status(), rig::v1::CHECK_STATUS_SKIPPED);
}

}  // namespace
}  // namespace rig::coordinator

namespace rig::coordinator {
namespace {

TEST(RoundsForReportTest, AllRoundsUpToTheLimit) {
  std::vector<rig::v1::ScenarioRoundRecord> rounds;
  for (int i = 1; i <= 5; ++i) rounds.push_back(Round("a0", "k", i, i));
  int64_t omitted = -1;
  auto out = RoundsForReport(rounds, 5, &omitted);
  EXPECT_EQ(omitted, 0);
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[4].round().round(), 5);
}

// Past the limit: every round that did not pass, and passed ones spread
// from the start of the run to its end, in time order.
TEST(RoundsForReportTest,
     PastTheLimitKeepsEveryRoundThatFailedAndSpreadsPassedOnes) {
  std::vector<rig::v1::ScenarioRoundRecord> rounds;
  for (int i = 0; i < 5000; ++i) {
    auto r = Round("a0", "k", i, int64_t{i} * 1000000);
    if (i % 500 == 7) {
      AddCheck(r, "c", rig::v1::CHECK_STATUS_FAILED, "x", "y");
    } else if (i == 4999) {
      r.mutable_round()->set_status(rig::v1::CHECK_STATUS_UNSPECIFIED);
      r.mutable_round()->mutable_error()->set_message("lost connection");
    }
    rounds.push_back(r);
  }
  int64_t omitted = -1;
  auto out = RoundsForReport(rounds, 100, &omitted);
  ASSERT_EQ(out.size(), 100u);
  EXPECT_EQ(omitted, 4900);
  int not_passed = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].round().status() != rig::v1::CHECK_STATUS_PASSED) ++not_passed;
    if (i > 0) {
      EXPECT_LT(out[i - 1].round().round(), out[i].round().round());
    }
  }
  EXPECT_EQ(not_passed, 11);  // 10 failed + the error at the end
  // Passed rounds cover the run: the first, and one in its last tenth.
  EXPECT_EQ(out.front().round().round(), 0);
  EXPECT_GT(out[out.size() - 2].round().round(), 4500);
}

TEST(RoundsForReportTest, MoreFailuresThanRoomKeepsTheFirstFailures) {
  std::vector<rig::v1::ScenarioRoundRecord> rounds;
  for (int i = 0; i < 30; ++i) {
    auto r = Round("a0", "k", i, i);
    if (i >= 10) AddCheck(r, "c", rig::v1::CHECK_STATUS_FAILED, "x", "y");
    rounds.push_back(r);
  }
  int64_t omitted = -1;
  auto out = RoundsForReport(rounds, 8, &omitted);
  ASSERT_EQ(out.size(), 8u);
  EXPECT_EQ(omitted, 22);
  EXPECT_EQ(out.front().round().round(), 10);
  EXPECT_EQ(out.back().round().round(), 17);
}

}  // namespace
}  // namespace rig::coordinator
