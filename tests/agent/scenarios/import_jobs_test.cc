// The SHOW IMPORT JOBS parsing of scenario/import_jobs.

#include "agent/scenarios/import_jobs.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "agent/engine/catalogue.h"
#include "agent/engine/run_context.h"

namespace rig::agent {
namespace {

// A recorded answer modelled on the example output in TiDB's documentation
// ("SHOW IMPORT", TiDB 7.x), not captured from a cluster: a finished job, a
// running one (no End_Time yet) and a failed one.
std::vector<db::Row> RecordedShowImportJobs() {
  return {
      {"1", "s3://bucket/data/foo.*.csv", "`test`.`foo`", "116", "", "finished",
       "11GB", "950000", "", "2023-06-26 11:23:59.281257",
       "2023-06-26 11:23:59.484932", "2023-06-26 13:04:30.622952", "root@%"},
      {"2", "/mnt/import/bar.csv", "`test`.`bar`", "130", "importing",
       "running", "1.194TB", "49995000", "", "2023-06-26 15:42:45.079237",
       "2023-06-26 15:42:45.388108", std::nullopt, "root@%"},
      {"3", "/mnt/import/baz.csv", "`test`.`baz`", "131", "validating",
       "failed", "2.1MB", std::nullopt, "checksum mismatched remote vs local",
       "2023-06-26 16:00:00.000000", "2023-06-26 16:00:01.500000",
       "2023-06-26 16:00:31.500000", "root@%"},
  };
}

TEST(ImportJobsTest, ParsesTheRecordedAnswer) {
  auto jobs = ParseImportJobs(ImportJobColumns(), RecordedShowImportJobs());
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  ASSERT_EQ(jobs->size(), 3u);
  const ImportJob& done = (*jobs)[0];
  EXPECT_EQ(done.id, "1");
  EXPECT_EQ(done.target_table, "`test`.`foo`");
  EXPECT_EQ(done.status, "finished");
  EXPECT_EQ(done.phase, "");
  EXPECT_EQ(done.imported_rows, 950000);
  ASSERT_TRUE(done.elapsed.has_value());
  EXPECT_EQ(absl::Trunc(*done.elapsed, absl::Seconds(1)),
            absl::Hours(1) + absl::Minutes(40) + absl::Seconds(31));
  EXPECT_FALSE(ImportJobFailed(done));

  const ImportJob& running = (*jobs)[1];
  EXPECT_EQ(running.phase, "importing");
  EXPECT_EQ(running.imported_rows, 49995000);
  EXPECT_FALSE(running.elapsed.has_value());
  EXPECT_EQ(running.end_time, "");

  const ImportJob& failed = (*jobs)[2];
  EXPECT_TRUE(ImportJobFailed(failed));
  EXPECT_EQ(failed.imported_rows, 0) << "NULL rows count as 0";
  EXPECT_EQ(failed.elapsed, absl::Seconds(30));
}

TEST(ImportJobsTest, DescribesEachJobForItsCheck) {
  auto jobs = ParseImportJobs(ImportJobColumns(), RecordedShowImportJobs());
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  EXPECT_EQ(DescribeImportJob((*jobs)[0], std::nullopt),
            "phase -, status finished, 950000 rows imported, took "
            "1h40m31.13802s");
  EXPECT_EQ(DescribeImportJob((*jobs)[1],
                              ParseServerTime("2023-06-26 15:45:45.388108")),
            "phase importing, status running, 49995000 rows imported, "
            "running for 3m");
  EXPECT_EQ(DescribeImportJob((*jobs)[2], std::nullopt),
            "phase validating, status failed, 0 rows imported, took 30s: "
            "checksum mismatched remote vs local");
}

TEST(ImportJobsTest, FindsColumnsByNameInAnyOrder) {
  auto jobs = ParseImportJobs({"Status", "Imported_Rows", "Job_ID"},
                              {{"running", "12", "7"}});
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ((*jobs)[0].id, "7");
  EXPECT_EQ((*jobs)[0].imported_rows, 12);
  EXPECT_EQ((*jobs)[0].status, "running");
}

TEST(ImportJobsTest, RejectsMalformedAnswers) {
  EXPECT_FALSE(ParseImportJobs(ImportJobColumns(), {{"1", "x"}}).ok())
      << "a row narrower than the columns";
  EXPECT_FALSE(ParseImportJobs({"Phase"}, {{"importing"}}).ok())
      << "no Job_ID / Status";
  auto bad_rows = ParseImportJobs({"Job_ID", "Status", "Imported_Rows"},
                                  {{"1", "x", "many"}});
  ASSERT_FALSE(bad_rows.ok());
  EXPECT_NE(bad_rows.status().message().find("\"many\""), std::string::npos);
  // The id goes into SHOW IMPORT JOB <id>: only a number is taken.
  auto bad_id =
      ParseImportJobs({"Job_ID", "Status"}, {{"1; DROP TABLE t", "x"}});
  ASSERT_FALSE(bad_id.ok());
  EXPECT_NE(bad_id.status().message().find(
                "Job_ID \"1; DROP TABLE t\" is not a number"),
            std::string::npos)
      << bad_id.status();
  auto empty = ParseImportJobs(ImportJobColumns(), {});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(ImportJobsTest, ParsesServerTimes) {
  EXPECT_EQ(*ParseServerTime("2023-06-26 11:23:59.5") -
                *ParseServerTime("2023-06-26 11:23:58"),
            absl::Milliseconds(1500));
  EXPECT_FALSE(ParseServerTime("").has_value());
  EXPECT_FALSE(ParseServerTime("yesterday").has_value());
}

// A TiDB that answers SHOW IMPORT JOBS / SHOW IMPORT JOB <id> / NOW(6) from
// the recorded answer, for the scenario's polling step.
class RecordedTidb : public db::Driver {
 public:
  class Conn : public db::Connection {
   public:
    absl::StatusOr<int64_t> Execute(absl::string_view) override { return 0; }
    absl::StatusOr<std::vector<db::Row>> Query(absl::string_view sql) override {
      const std::vector<db::Row> all = RecordedShowImportJobs();
      if (sql == "SHOW IMPORT JOBS") return all;
      if (absl::StartsWith(sql, "SHOW IMPORT JOB ")) {
        for (const auto& row : all) {
          if (sql == absl::StrCat("SHOW IMPORT JOB ", *row[0])) {
            return std::vector<db::Row>{row};
          }
        }
        return std::vector<db::Row>{};
      }
      if (sql == "SELECT NOW(6)") {
        return std::vector<db::Row>{{"2023-06-26 15:45:45.388108"}};
      }
      return absl::UnimplementedError(absl::StrCat("unexpected: ", sql));
    }
    absl::StatusOr<std::unique_ptr<db::Statement>> Prepare(
        absl::string_view) override {
      return absl::UnimplementedError("no statements");
    }
    int64_t id() const override { return 1; }
  };
  absl::StatusOr<std::unique_ptr<db::Connection>> Connect(
      const db::ConnectOptions&) override {
    return std::make_unique<Conn>();
  }
};

class NoEvents : public RunEvents {
 public:
  void Send(const rig::v1::AgentMessage&) override {}
};

TEST(ImportJobsTest, ScenarioReportsEachJobOnTidb) {
  rig::v1::Assignment a;
  a.set_connections(1);
  rig::v1::Workload* w = a.mutable_plan()->mutable_workload();
  w->set_kind("scenario/import_jobs");
  (*w->mutable_options()->mutable_fields())["duration"].set_string_value("0s");
  RecordedTidb driver;
  NoEvents events;
  RunContext ctx("run", a, &driver, &Catalogue::Default(), &events);
  ctx.server.flavor = "tidb";
  auto built = Catalogue::Default().Make(*w);
  ASSERT_TRUE(built.ok()) << built.status();
  ASSERT_NE(built->scenario, nullptr);
  const auto steps = built->scenario->Steps();
  ASSERT_EQ(steps.size(), 1u);
  ASSERT_TRUE(steps[0].run(ctx).ok());
  const auto& checks = ctx.result.verification().checks();
  ASSERT_EQ(checks.size(), 4);
  EXPECT_EQ(checks[0].seen(), "3 jobs in 1 polls");
  EXPECT_EQ(checks[1].name(), "import job 1 (`test`.`foo`)");
  EXPECT_EQ(checks[1].status(), rig::v1::CHECK_STATUS_PASSED);
  EXPECT_EQ(checks[2].seen(),
            "phase importing, status running, 49995000 rows imported, "
            "running for 3m");
  EXPECT_EQ(checks[3].status(), rig::v1::CHECK_STATUS_FAILED)
      << "a failed job fails its check";
}

TEST(ImportJobsTest, RejectsABadInterval) {
  rig::v1::Workload w;
  w.set_kind("scenario/import_jobs");
  (*w.mutable_options()->mutable_fields())["interval"].set_string_value("0s");
  EXPECT_FALSE(Catalogue::Default().Make(w).ok());
  (*w.mutable_options()->mutable_fields())["interval"].set_string_value("soon");
  EXPECT_FALSE(Catalogue::Default().Make(w).ok());
}

}  // namespace
}  // namespace rig::agent
