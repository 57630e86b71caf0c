#include "coordinator/report/writers.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "coordinator/report/html.h"
#include "coordinator/report/json.h"
#include "coordinator/report/terminal.h"
#include "coordinator/report/writer.h"

namespace rig::coordinator {
namespace {

rig::v1::Report SmallReport() {
  rig::v1::Report r;
  r.set_schema_version(1);
  r.set_run_id("run-7 <&>");
  r.mutable_plan()->set_name("writers");
  r.set_status(rig::v1::RUN_STATUS_PASSED);
  rig::v1::IntervalReport* iv = r.add_intervals();
  iv->set_end_offset_us(1000000);
  iv->set_ops_per_sec(1234.5);
  r.mutable_total()->mutable_counters()->set_ops(1234);
  return r;
}

std::string TempPath(const std::string& name) {
  return absl::StrCat(::testing::TempDir(), "/writers_test_", getpid(), "_",
                      name);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::unique_ptr<ReportWriter>> AllWriters() {
  std::vector<std::unique_ptr<ReportWriter>> w;
  w.push_back(std::make_unique<TerminalWriter>());
  w.push_back(std::make_unique<JsonWriter>());
  w.push_back(std::make_unique<HtmlWriter>());
  return w;
}

TEST(ReportWriterTest, NamesAndTitles) {
  const auto w = AllWriters();
  EXPECT_EQ(w[0]->Name(), "terminal");
  EXPECT_EQ(w[1]->Name(), "json");
  EXPECT_EQ(w[1]->Title(), "JSON report");
  EXPECT_EQ(w[2]->Name(), "html");
  EXPECT_EQ(w[2]->Title(), "HTML report");
}

TEST(ReportWriterTest, FreeFunctionsRenderWhatTheWritersRender) {
  const rig::v1::Report r = SmallReport();
  EXPECT_EQ(FormatSummary(r), TerminalWriter().Render(r));
  EXPECT_EQ(ReportToJson(r), JsonWriter().Render(r));
  EXPECT_EQ(RenderHtmlReport(r), HtmlWriter().Render(r));
  EXPECT_TRUE(absl::StrContains(ReportToJson(r), "\"schema_version\": 1,"));
}

TEST(ReportWriterTest, WriteReportWritesWhatRenderReturns) {
  const rig::v1::Report r = SmallReport();
  for (const auto& w : AllWriters()) {
    const std::string path = TempPath(std::string(w->Name()));
    ASSERT_TRUE(WriteReport(*w, r, path).ok()) << w->Name();
    EXPECT_EQ(ReadFile(path), w->Render(r)) << w->Name();
    struct stat st;
    EXPECT_NE(stat((path + ".tmp").c_str(), &st), 0) << "tmp file left behind";
    std::remove(path.c_str());
  }
}

TEST(ReportWriterTest, WriteReportErrorsNameThePathAndTheOutput) {
  const std::string missing_dir = "/nonexistent-rig-dir/sub/report.html";
  absl::Status s = WriteReport(HtmlWriter(), SmallReport(), missing_dir);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(absl::StrContains(s.message(), missing_dir)) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "HTML report")) << s;

  // A directory in the way: the write succeeds, the rename cannot.
  const std::string dir = TempPath("a_directory");
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  s = WriteReport(JsonWriter(), SmallReport(), dir);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(absl::StrContains(s.message(), dir)) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "JSON report")) << s;
  struct stat st;
  EXPECT_NE(stat((dir + ".tmp").c_str(), &st), 0) << "tmp file left behind";
  rmdir(dir.c_str());
}

TEST(ReportFilesTest, TheFilesThePlanNamesJsonFirst) {
  rig::v1::ReportOutputs outputs;
  EXPECT_TRUE(ReportFiles(outputs).empty());

  outputs.set_html("out/r.html");
  auto files = ReportFiles(outputs);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].writer->Name(), "html");
  EXPECT_EQ(files[0].path, "out/r.html");

  outputs.set_json("out/r.json");
  outputs.set_journal("out/r.journal");  // written as the run goes, not here
  files = ReportFiles(outputs);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].writer->Name(), "json");
  EXPECT_EQ(files[0].path, "out/r.json");
  EXPECT_EQ(files[1].writer->Name(), "html");
  EXPECT_EQ(files[1].path, "out/r.html");
}

}  // namespace
}  // namespace rig::coordinator
