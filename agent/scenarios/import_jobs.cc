// scenario/import_jobs (TiDB only): for `duration`, every `interval`, lists
// SHOW IMPORT JOBS and asks SHOW IMPORT JOB <id> for each job; at the end a
// check per job with its phase, status, imported rows and elapsed time
// (failed only when the job's status is "failed"). On another server: one
// skipped check naming it.

#include "agent/scenarios/import_jobs.h"

#include <map>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/scenarios/scenario.h"
#include "common/base/duration.h"
#include "common/base/status_macros.h"

namespace rig::agent {

const std::vector<std::string>& ImportJobColumns() {
  static const auto* columns = new std::vector<std::string>{
      "Job_ID",         "Data_Source", "Target_Table",     "Table_ID",
      "Phase",          "Status",      "Source_File_Size", "Imported_Rows",
      "Result_Message", "Create_Time", "Start_Time",       "End_Time",
      "Created_By"};
  return *columns;
}

std::optional<absl::Time> ParseServerTime(const std::string& text) {
  absl::Time t;
  std::string err;
  if (text.empty() || !absl::ParseTime("%Y-%m-%d %H:%M:%E*S", text,
                                       absl::UTCTimeZone(), &t, &err)) {
    return std::nullopt;
  }
  return t;
}

absl::StatusOr<std::vector<ImportJob>> ParseImportJobs(
    const std::vector<std::string>& columns, const std::vector<db::Row>& rows) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < columns.size(); ++i) {
    index[absl::AsciiStrToLower(columns[i])] = i;
  }
  for (const char* needed : {"job_id", "status"}) {
    if (!index.count(needed)) {
      return absl::InvalidArgumentError(
          absl::StrCat("SHOW IMPORT JOBS has no column ", needed,
                       " in: ", absl::StrJoin(columns, ", ")));
    }
  }
  std::vector<ImportJob> jobs;
  for (size_t r = 0; r < rows.size(); ++r) {
    const db::Row& row = rows[r];
    if (row.size() != columns.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("SHOW IMPORT JOBS row ", r + 1, " has ", row.size(),
                       " values for ", columns.size(), " columns"));
    }
    auto get = [&](const char* name) -> std::string {
      auto it = index.find(name);
      if (it == index.end()) return "";
      return row[it->second].value_or("");
    };
    ImportJob job;
    job.id = get("job_id");
    // Spliced into SHOW IMPORT JOB <id>: a number, or nothing at all.
    int64_t id_number = 0;
    if (!absl::SimpleAtoi(job.id, &id_number) || id_number < 0) {
      return absl::DataLossError(absl::StrCat("SHOW IMPORT JOBS row ", r + 1,
                                              ": Job_ID \"", job.id,
                                              "\" is not a number"));
    }
    job.data_source = get("data_source");
    job.target_table = get("target_table");
    job.phase = get("phase");
    job.status = get("status");
    const std::string rows_text = get("imported_rows");
    if (!rows_text.empty() &&
        !absl::SimpleAtoi(rows_text, &job.imported_rows)) {
      return absl::InvalidArgumentError(
          absl::StrCat("job ", job.id, ": Imported_Rows is not a number: \"",
                       rows_text, "\""));
    }
    job.result_message = get("result_message");
    job.create_time = get("create_time");
    job.start_time = get("start_time");
    job.end_time = get("end_time");
    const auto start = ParseServerTime(job.start_time);
    const auto end = ParseServerTime(job.end_time);
    if (start && end) job.elapsed = *end - *start;
    jobs.push_back(std::move(job));
  }
  return jobs;
}

bool ImportJobFailed(const ImportJob& job) {
  return absl::AsciiStrToLower(job.status) == "failed";
}

std::string DescribeImportJob(const ImportJob& job,
                              std::optional<absl::Time> now) {
  std::string out =
      absl::StrCat("phase ", job.phase.empty() ? "-" : job.phase, ", status ",
                   job.status, ", ", job.imported_rows, " rows imported");
  if (job.elapsed) {
    absl::StrAppend(&out, ", took ", rig::FormatDuration(*job.elapsed));
  } else if (auto start = ParseServerTime(job.start_time); start && now) {
    absl::StrAppend(
        &out, ", running for ",
        rig::FormatDuration(absl::Trunc(*now - *start, absl::Milliseconds(1))));
  } else {
    absl::StrAppend(&out, ", not started");
  }
  if (!job.result_message.empty()) {
    absl::StrAppend(&out, ": ", job.result_message);
  }
  return out;
}

namespace {

class ImportJobs : public Scenario {
 public:
  ImportJobs(absl::Duration duration, absl::Duration interval)
      : duration_(duration), interval_(interval) {}

  std::vector<ScenarioStep> Steps() const override {
    const absl::Duration duration = duration_, interval = interval_;
    return {
        {"WatchingImportJobs",
         [duration, interval](RunContext& ctx) -> absl::Status {
           if (ctx.server.flavor != "tidb") {
             AddSkippedCheck(
                 ctx, "import jobs",
                 absl::StrCat("SHOW IMPORT JOBS needs TiDB; the server is ",
                              ctx.server.flavor, " ", ctx.server.version));
             return absl::OkStatus();
           }
           ASSIGN_OR_RETURN(auto conn,
                            ctx.driver->Connect(ctx.ConnectOptions()));
           // The latest answer about each job, in id order.
           std::map<std::string, ImportJob> latest;
           std::optional<absl::Time> now;
           int polls = 0;
           const absl::Time end = absl::Now() + duration;
           do {
             ++polls;
             ASSIGN_OR_RETURN(auto rows, conn->Query("SHOW IMPORT JOBS"));
             ASSIGN_OR_RETURN(auto jobs,
                              ParseImportJobs(ImportJobColumns(), rows));
             for (const ImportJob& listed : jobs) {
               ASSIGN_OR_RETURN(auto one, conn->Query(absl::StrCat(
                                              "SHOW IMPORT JOB ", listed.id)));
               ASSIGN_OR_RETURN(auto parsed,
                                ParseImportJobs(ImportJobColumns(), one));
               latest[listed.id] = parsed.empty() ? listed : parsed[0];
             }
             auto server_now = conn->Query("SELECT NOW(6)");
             if (server_now.ok() && !server_now->empty()) {
               now = ParseServerTime((*server_now)[0][0].value_or(""));
             }
           } while (absl::Now() + interval <= end &&
                    !ctx.cancel.WaitFor(interval));
           if (ctx.cancel.cancelled()) return ctx.cancel.reason();
           AddCheck(ctx, "SHOW IMPORT JOBS", true, "an answer",
                    absl::StrCat(latest.size(), " jobs in ", polls, " polls"));
           for (const auto& [id, job] : latest) {
             AddCheck(
                 ctx,
                 absl::StrCat("import job ", id, " (", job.target_table, ")"),
                 !ImportJobFailed(job), "not failed",
                 DescribeImportJob(job, now));
           }
           return absl::OkStatus();
         },
         duration + absl::Minutes(1)}};
  }

 private:
  const absl::Duration duration_;
  const absl::Duration interval_;
};

}  // namespace

void RegisterImportJobsScenario(ScenarioRegistry& registry) {
  registry.Register(ScenarioDef{
      "import_jobs",
      "TiDB only: watches SHOW IMPORT JOBS for a while and reports each "
      "job's phase, status, imported rows and elapsed time",
      {Option("duration", "string", "30s", "how long to watch"),
       Option("interval", "string", "5s", "time between polls")},
      [](const rig::v1::Workload&,
         const Options& options) -> absl::StatusOr<std::unique_ptr<Scenario>> {
        auto duration = rig::ParseDuration(options.String("duration"));
        if (!duration.ok()) {
          return Prefix(duration.status(), "scenario/import_jobs: duration");
        }
        auto interval = rig::ParseDuration(options.String("interval"));
        if (!interval.ok()) {
          return Prefix(interval.status(), "scenario/import_jobs: interval");
        }
        if (*interval <= absl::ZeroDuration()) {
          return absl::InvalidArgumentError(
              "scenario/import_jobs: interval must be more than 0");
        }
        return std::make_unique<ImportJobs>(*duration, *interval);
      }});
}

}  // namespace rig::agent
