#pragma once

// An HTML table of the report's sections: a header row, then rows of cells
// that are HTML already (callers escape report text with H()). Columns
// marked numeric are right-aligned (class="num"). Thread-compatible.

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace rig::coordinator::html {

class Table {
 public:
  Table(std::string css, std::vector<std::string> headers,
        std::vector<bool> numeric)
      : css_(std::move(css)),
        headers_(std::move(headers)),
        numeric_(std::move(numeric)) {}
  void Row(std::vector<std::string> cells) {
    rows_.push_back(std::move(cells));
  }
  std::string Html() const {
    std::string out = absl::StrCat("<table class=\"", css_, "\"><thead><tr>");
    for (size_t i = 0; i < headers_.size(); ++i) {
      absl::StrAppend(&out, "<th", Num(i), ">", headers_[i], "</th>");
    }
    out += "</tr></thead><tbody>\n";
    for (const auto& row : rows_) {
      out += "<tr>";
      for (size_t i = 0; i < row.size(); ++i) {
        absl::StrAppend(&out, "<td", Num(i), ">", row[i], "</td>");
      }
      out += "</tr>\n";
    }
    return out + "</tbody></table>\n";
  }

 private:
  const char* Num(size_t i) const {
    return i < numeric_.size() && numeric_[i] ? " class=\"num\"" : "";
  }
  std::string css_;
  std::vector<std::string> headers_;
  std::vector<bool> numeric_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace rig::coordinator::html
