#include "coordinator/offline/report_command.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/base/atomic_file.h"
#include "coordinator/offline/compare.h"
#include "coordinator/offline/compare_html.h"
#include "coordinator/offline/merge.h"
#include "coordinator/offline/stored.h"
#include "coordinator/report/csv.h"
#include "coordinator/report/hdr_log.h"
#include "coordinator/report/html.h"
#include "coordinator/report/json.h"
#include "coordinator/report/terminal.h"
#include "coordinator/results/verdict.h"

namespace rig::coordinator {
namespace {

int Fail(std::ostream& err, ExitCode code, absl::string_view message) {
  err << "rig-coordinator: " << message << "\n";
  return static_cast<int>(code);
}

// A report with its percentiles taken from its histograms again.
absl::StatusOr<rig::v1::Report> Load(const std::string& path) {
  auto r = ReadReport(path);
  if (!r.ok()) return r.status();
  if (auto s = RederiveLatencies(*r); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(path, ": ", s.message()));
  }
  return r;
}

// The optional files (--html, --csv, --hdr-log) of one report; "Title:
// PATH" lines on `out`.
absl::Status WriteFiles(const ReportCommandOptions& o, const rig::v1::Report& r,
                        std::ostream& out) {
  struct File {
    std::unique_ptr<ReportWriter> writer;
    const std::string& path;
  };
  File files[] = {{std::make_unique<HtmlWriter>(), o.html},
                  {std::make_unique<CsvWriter>(), o.csv},
                  {std::make_unique<HdrLogWriter>(), o.hdr_log}};
  for (const File& f : files) {
    if (f.path.empty()) continue;
    if (auto s = WriteReport(*f.writer, r, f.path); !s.ok()) return s;
    out << f.writer->Title() << ": " << f.path << "\n";
  }
  return absl::OkStatus();
}

int Show(const ReportCommandOptions& o, std::ostream& out, std::ostream& err) {
  if (o.args.size() != 2 || !o.thresholds.empty() || !o.output.empty()) {
    return Fail(err, ExitCode::kUsage,
                "usage: rig-coordinator report show RUN.json [--html "
                "OUT.html] [--csv OUT.csv] [--hdr-log OUT.hlog]");
  }
  auto r = Load(o.args[1]);
  if (!r.ok()) return Fail(err, ExitCode::kUsage, r.status().message());
  out << TerminalWriter().Render(*r);
  if (auto s = WriteFiles(o, *r, out); !s.ok()) {
    return Fail(err, ExitCode::kIncomplete, s.message());
  }
  return 0;
}

int Compare(const ReportCommandOptions& o, std::ostream& out,
            std::ostream& err) {
  if (o.args.size() != 3 || !o.csv.empty() || !o.hdr_log.empty() ||
      !o.output.empty()) {
    return Fail(err, ExitCode::kUsage,
                "usage: rig-coordinator report compare BASE.json NEW.json "
                "[--threshold 'p99 +10%' ...] [--html OUT.html]");
  }
  auto thresholds = ParseChangeThresholds(o.thresholds);
  if (!thresholds.ok()) {
    return Fail(err, ExitCode::kUsage,
                absl::StrCat("--threshold: ", thresholds.status().message()));
  }
  auto base = Load(o.args[1]);
  if (!base.ok()) return Fail(err, ExitCode::kUsage, base.status().message());
  auto next = Load(o.args[2]);
  if (!next.ok()) return Fail(err, ExitCode::kUsage, next.status().message());
  const Comparison c = CompareReports(*base, *next, *thresholds);
  out << FormatComparison(*base, *next, c);
  if (!o.html.empty()) {
    if (auto s = WriteFileAtomically(
            o.html, RenderComparisonHtml(*base, *next, c), "HTML comparison");
        !s.ok()) {
      return Fail(err, ExitCode::kIncomplete, s.message());
    }
    out << "HTML comparison: " << o.html << "\n";
  }
  return c.passed ? 0 : static_cast<int>(ExitCode::kThresholdsFailed);
}

int Merge(const ReportCommandOptions& o, std::ostream& out, std::ostream& err) {
  if (o.args.size() < 3 || o.output.empty() || !o.thresholds.empty()) {
    return Fail(err, ExitCode::kUsage,
                "usage: rig-coordinator report merge A.json B.json ... -o "
                "MERGED.json [--html OUT.html] [--csv OUT.csv] [--hdr-log "
                "OUT.hlog]");
  }
  std::vector<NamedReport> inputs;
  for (size_t i = 1; i < o.args.size(); ++i) {
    auto r = ReadReport(o.args[i]);
    if (!r.ok()) return Fail(err, ExitCode::kUsage, r.status().message());
    inputs.push_back({o.args[i], *std::move(r)});
  }
  auto merged = MergeReports(inputs);
  if (!merged.ok()) {
    return Fail(err, ExitCode::kUsage, merged.status().message());
  }
  if (auto s = WriteReport(JsonWriter(), *merged, o.output); !s.ok()) {
    return Fail(err, ExitCode::kIncomplete, s.message());
  }
  out << TerminalWriter().Render(*merged);
  out << "JSON report: " << o.output << "\n";
  if (auto s = WriteFiles(o, *merged, out); !s.ok()) {
    return Fail(err, ExitCode::kIncomplete, s.message());
  }
  return 0;
}

}  // namespace

const char* ReportUsage() {
  return "       rig-coordinator report show RUN.json [--html OUT.html] "
         "[--csv OUT.csv] [--hdr-log OUT.hlog]\n"
         "       rig-coordinator report compare BASE.json NEW.json "
         "[--threshold 'p99 +10%' ...] [--html OUT.html]\n"
         "       rig-coordinator report merge A.json B.json ... -o "
         "MERGED.json [--html ...] [--csv ...] [--hdr-log ...]\n";
}

int RunReportCommand(const ReportCommandOptions& o, std::ostream& out,
                     std::ostream& err) {
  const std::string what = o.args.empty() ? "" : o.args[0];
  if (what == "show") return Show(o, out, err);
  if (what == "compare") return Compare(o, out, err);
  if (what == "merge") return Merge(o, out, err);
  return Fail(err, ExitCode::kUsage,
              absl::StrCat("report ", what.empty() ? "" : "\"" + what + "\" ",
                           "is not a report command; usage:\n", ReportUsage()));
}

}  // namespace rig::coordinator
