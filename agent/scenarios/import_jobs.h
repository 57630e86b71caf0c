#pragma once

// The parsing behind scenario/import_jobs (TiDB's IMPORT INTO jobs): pure
// functions over the rows of SHOW IMPORT JOBS / SHOW IMPORT JOB <id>,
// unit-tested on a recorded answer.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/db/connection.h"

namespace rig::agent {

// The columns of SHOW IMPORT JOBS in TiDB 7.x, in order (TiDB docs, "SHOW
// IMPORT"). Connection::Query returns values only, so the scenario pairs
// each row with these names.
const std::vector<std::string>& ImportJobColumns();

struct ImportJob {
  std::string id;  // Job_ID
  std::string data_source;
  std::string target_table;
  std::string phase;   // e.g. "importing", "validating", "" when finished
  std::string status;  // "pending", "running", "finished", "failed", ...
  int64_t imported_rows = 0;  // 0 when NULL
  std::string result_message;
  std::string create_time, start_time, end_time;  // "" when NULL
  // End_Time - Start_Time; nullopt while the job has not ended (or has not
  // started).
  std::optional<absl::Duration> elapsed;
};

// Pairs `columns` with each row. Errors when a row's width differs from
// the columns or a needed column (Job_ID, Status) is missing.
absl::StatusOr<std::vector<ImportJob>> ParseImportJobs(
    const std::vector<std::string>& columns, const std::vector<db::Row>& rows);

// "2024-01-02 15:04:05[.ffffff]" (TiDB's DATETIME text) to a time in UTC
// (only differences are used, so the zone does not matter).
std::optional<absl::Time> ParseServerTime(const std::string& text);

// A job's line for its check: "phase importing, status running, 1200 rows
// imported, 3m2s" (the elapsed time from `now` when the job is running).
std::string DescribeImportJob(const ImportJob& job,
                              std::optional<absl::Time> now);

// A job's check passes unless its status is "failed".
bool ImportJobFailed(const ImportJob& job);

}  // namespace rig::agent
