#include "coordinator/faults/exec.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>

#include "absl/time/clock.h"

namespace rig::coordinator {
namespace {

TEST(RunFaultCommandTest, RecordsExitStatusAndOutput) {
  const ExecResult r =
      RunFaultCommand("echo out; echo err >&2; exit 0", {}, absl::Seconds(30));
  EXPECT_TRUE(r.ok);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.outcome, "exit 0");
  EXPECT_EQ(r.output, "out\nerr\n");
}

TEST(RunFaultCommandTest, AFailingCommandIsNotOk) {
  const ExecResult r = RunFaultCommand("exit 3", {}, absl::Seconds(30));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.exit_status, 3);
  EXPECT_EQ(r.outcome, "exit 3");
}

TEST(RunFaultCommandTest, AddsTheEnvironment) {
  const ExecResult r =
      RunFaultCommand("printf %s \"$RIG_FAULT_TEST\"",
                      {{"RIG_FAULT_TEST", "a b"}}, absl::Seconds(30));
  EXPECT_TRUE(r.ok) << r.outcome;
  EXPECT_EQ(r.output, "a b");
}

TEST(RunFaultCommandTest, KillsACommandPastItsTimeLimit) {
  const absl::Time start = absl::Now();
  // The shell's child too: the whole process group goes.
  const ExecResult r = RunFaultCommand("echo begun; sleep 300; echo never", {},
                                       absl::Milliseconds(300));
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_status, -1);
  EXPECT_EQ(r.outcome, "timed out after 300ms (killed)");
  EXPECT_EQ(r.output, "begun\n");
  // Generous: it returned long before the command would have ended.
  EXPECT_LT(absl::Now() - start, absl::Seconds(60));
}

TEST(RunFaultCommandTest, DoesNotWaitForWhatTheCommandLeftRunning) {
  const absl::Time start = absl::Now();
  // The background sleep holds the output pipe open for 300 s.
  const ExecResult r =
      RunFaultCommand("sleep 300 & echo $!", {}, absl::Seconds(120));
  EXPECT_TRUE(r.ok) << r.outcome;
  EXPECT_FALSE(r.timed_out);
  EXPECT_LT(absl::Now() - start, absl::Seconds(60));
  // It is still running; the test leaves nothing behind.
  const pid_t sleeper = std::atoi(r.output.c_str());
  ASSERT_GT(sleeper, 0) << r.output;
  EXPECT_EQ(kill(sleeper, SIGKILL), 0);
}

TEST(RunFaultCommandTest, KeepsTheEndOfALongOutput) {
  const ExecResult r = RunFaultCommand(
      "i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done", {},
      absl::Seconds(60));
  EXPECT_TRUE(r.ok);
  EXPECT_LE(r.output.size(), kMaxExecOutput);
  EXPECT_NE(r.output.find("line1999\n"), std::string::npos);
  EXPECT_EQ(r.output.find("line0\n"), std::string::npos);
}

}  // namespace
}  // namespace rig::coordinator
