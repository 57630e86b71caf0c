#include "agent/db/text_statement.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace rig::db {
namespace {

// Where the quoted run that opens at sql[i] (', " or `) ends: one past its
// closing quote, or sql.size() if it never closes. Inside ' and ", a
// backslash escapes the next character; a doubled quote is one character.
size_t SkipQuoted(absl::string_view sql, size_t i) {
  const char quote = sql[i];
  for (size_t j = i + 1; j < sql.size(); ++j) {
    if (sql[j] == '\\' && quote != '`') {
      ++j;
    } else if (sql[j] == quote) {
      if (j + 1 < sql.size() && sql[j + 1] == quote) {
        ++j;
      } else {
        return j + 1;
      }
    }
  }
  return sql.size();
}

// One past the end of the comment at sql[i], or i if none starts there:
// "-- " (two dashes and a space or control character) and "#" to the end of
// the line, "/* ... */". "/*!" and "/*M!" hold SQL the server runs, so they
// are not skipped.
size_t SkipComment(absl::string_view sql, size_t i) {
  auto rest = [&](size_t at) { return sql.substr(at); };
  if (sql[i] == '#' || (rest(i).substr(0, 2) == "--" &&
                        (i + 2 == sql.size() ||
                         static_cast<unsigned char>(sql[i + 2]) <= ' '))) {
    const size_t eol = sql.find('\n', i);
    return eol == absl::string_view::npos ? sql.size() : eol + 1;
  }
  if (rest(i).substr(0, 2) == "/*" && rest(i).substr(0, 3) != "/*!" &&
      rest(i).substr(0, 4) != "/*M!") {
    const size_t end = sql.find("*/", i + 2);
    return end == absl::string_view::npos ? sql.size() : end + 2;
  }
  return i;
}

class TextStatement : public Statement {
 public:
  TextStatement(Connection& connection, absl::string_view sql, EscapeFn escape)
      : connection_(connection),
        pieces_(SplitAtParameters(sql)),
        escape_(std::move(escape)) {}

  absl::StatusOr<int64_t> Execute(absl::Span<const Value> params) override {
    const size_t expected = pieces_.size() - 1;
    if (params.size() != expected) {
      return absl::InvalidArgumentError(
          absl::StrCat("the statement takes ", expected, " parameter(s), ",
                       params.size(), " given"));
    }
    text_.assign(pieces_[0]);
    for (size_t i = 0; i < params.size(); ++i) {
      if (const int64_t* v = std::get_if<int64_t>(&params[i])) {
        absl::StrAppend(&text_, *v);
      } else {
        text_.push_back('\'');
        escape_(std::get<std::string>(params[i]), &text_);
        text_.push_back('\'');
      }
      text_.append(pieces_[i + 1]);
    }
    return connection_.Execute(text_);
  }
  std::optional<bool> returned_rows() const override {
    return connection_.returned_rows();
  }

 private:
  Connection& connection_;
  const std::vector<std::string> pieces_;
  const EscapeFn escape_;
  std::string text_;  // reused: no allocation once it has grown
};

}  // namespace

std::vector<std::string> SplitAtParameters(absl::string_view sql) {
  std::vector<std::string> pieces(1);
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    size_t next = i + 1;
    if (c == '\'' || c == '"' || c == '`') {
      next = SkipQuoted(sql, i);
    } else if (const size_t end = SkipComment(sql, i); end != i) {
      next = end;
    } else if (c == '?') {
      pieces.emplace_back();
      i = next;
      continue;
    }
    pieces.back().append(sql.data() + i, next - i);
    i = next;
  }
  return pieces;
}

std::unique_ptr<Statement> NewTextStatement(Connection& connection,
                                            absl::string_view sql,
                                            EscapeFn escape) {
  return std::make_unique<TextStatement>(connection, sql, std::move(escape));
}

}  // namespace rig::db
