#include "coordinator/report/csv.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "coordinator/report/partial_interval.h"

namespace rig::coordinator {
namespace {

std::string Ms(double us) { return absl::StrFormat("%.3f", us / 1e3); }

constexpr char kColumns[] =
    "seq,start_s,end_s,duration_s,partial,ops,ops_per_sec,errors,"
    "error_rate,queries,retries,reconnects,rows,p50_ms,p90_ms,p95_ms,"
    "p99_ms,p999_ms,max_ms,mean_ms,agents_reporting,breakers_open,"
    "read_queries,write_queries,other_queries\r\n";

// One interval's row, after `prefix` (the agent column, when there is one).
void AppendRow(const std::string& prefix, const rig::v1::IntervalReport& iv,
               const rig::v1::Plan& plan, std::string* out) {
  const auto& c = iv.counters();
  const auto& l = iv.latency();
  const double attempts =
      static_cast<double>(c.ops()) + static_cast<double>(c.errors());
  const double error_rate =
      attempts > 0 ? static_cast<double>(c.errors()) / attempts : 0.0;
  const bool partial =
      IsPartialInterval(iv.start_offset_us(), iv.end_offset_us(), plan);
  absl::StrAppend(
      out, prefix, iv.seq(), ",",
      absl::StrFormat("%.6f,%.6f,%.6f", iv.start_offset_us() / 1e6,
                      iv.end_offset_us() / 1e6,
                      (iv.end_offset_us() - iv.start_offset_us()) / 1e6),
      ",", partial ? 1 : 0, ",", c.ops(), ",",
      absl::StrFormat("%.3f", iv.ops_per_sec()), ",", c.errors(), ",",
      absl::StrFormat("%.6g", error_rate), ",", c.queries(), ",", c.retries(),
      ",", c.reconnects(), ",", c.rows(), ",", Ms(l.p50_us()), ",",
      Ms(l.p90_us()), ",", Ms(l.p95_us()), ",", Ms(l.p99_us()), ",",
      Ms(l.p999_us()), ",", Ms(l.max_us()), ",", Ms(l.mean_us()), ",",
      iv.agents_reporting(), ",", iv.breakers_open(), ",", c.read_queries(),
      ",", c.write_queries(), ",", c.other_queries(), "\r\n");
}

// An agent's name as a CSV field: quoted when it holds a comma, a quote or
// a line break (RFC 4180), quotes doubled.
std::string Field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

}  // namespace

std::string CsvWriter::Render(const rig::v1::Report& r) const {
  bool per_agent = false;
  for (const auto& a : r.agents()) per_agent |= a.intervals_size() > 0;
  if (!per_agent) {
    std::string out = kColumns;
    for (const auto& iv : r.intervals()) AppendRow("", iv, r.plan(), &out);
    return out;
  }
  // report.csv_per_agent: the merged rows (agent "all"), then each agent's.
  std::string out = absl::StrCat("agent,", kColumns);
  for (const auto& iv : r.intervals()) AppendRow("all,", iv, r.plan(), &out);
  for (const auto& a : r.agents()) {
    const std::string prefix = Field(a.name()) + ",";
    for (const auto& iv : a.intervals()) AppendRow(prefix, iv, r.plan(), &out);
  }
  return out;
}

}  // namespace rig::coordinator
