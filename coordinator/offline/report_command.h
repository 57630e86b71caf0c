#pragma once

// `rig-coordinator report ...`: commands on JSON reports already written,
// without agents or a database.
//
//   report show RUN.json [--html OUT.html] [--csv OUT.csv]
//                        [--hdr-log OUT.hlog]
//       the terminal summary again (percentiles from the stored
//       histograms), and the files asked for
//   report compare BASE.json NEW.json [--threshold 'p99 +10%' ...]
//                        [--html OUT.html]
//       totals side by side with the change; exit 1 when a threshold on
//       the change fails
//   report merge A.json B.json ... -o MERGED.json [--html ...] [--csv ...]
//                        [--hdr-log ...]
//       reports of one plan from separate coordinators made into one
//
// Exit codes: 0 done (compare: every threshold held), 1 a threshold on the
// change failed, 2 usage or input error (a missing file, not a report, a
// plan mismatch, a bad threshold), 4 an output file could not be written.
// main.cc turns the flags into ReportCommandOptions.

#include <ostream>
#include <string>
#include <vector>

namespace rig::coordinator {

struct ReportCommandOptions {
  // After "report": the subcommand and its files.
  std::vector<std::string> args;
  std::vector<std::string> thresholds;  // --threshold (compare)
  std::string html;                     // --html
  std::string csv;                      // --csv
  std::string hdr_log;                  // --hdr-log
  std::string output;                   // --output / -o (merge)
};

// The usage lines of the report commands.
const char* ReportUsage();

// Runs the command; the summary goes to `out`, errors (one line, naming
// the bad input) to `err`. Returns the exit code.
int RunReportCommand(const ReportCommandOptions& options, std::ostream& out,
                     std::ostream& err);

}  // namespace rig::coordinator
