#include "coordinator/results/rounds.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace rig::coordinator {
namespace {

std::string At(const rig::v1::ScenarioRoundRecord& r) {
  return absl::StrFormat("%s round %d at %.1fs", r.agent(), r.round().round(),
                         r.round().start_offset_us() / 1e6);
}

rig::v1::Check MakeCheck(const std::string& name, rig::v1::CheckStatus status,
                         const std::string& expected, const std::string& seen) {
  rig::v1::Check c;
  c.set_name(name);
  c.set_status(status);
  c.set_expected(expected);
  c.set_seen(seen);
  if (status == rig::v1::CHECK_STATUS_SKIPPED) {
    c.set_message(absl::StrCat(name, ": skipped: ", seen));
  } else if (status == rig::v1::CHECK_STATUS_PASSED) {
    c.set_message(absl::StrCat(name, ": ", seen, " (expected ", expected, ")"));
  } else {
    c.set_message(absl::StrCat(
        name, ": expected ", expected, ", saw ", seen,
        status == rig::v1::CHECK_STATUS_FAILED ? " - FAILED" : ""));
  }
  return c;
}

}  // namespace

std::string RoundResult(const rig::v1::ScenarioRound& round) {
  switch (round.status()) {
    case rig::v1::CHECK_STATUS_PASSED:
      return "passed";
    case rig::v1::CHECK_STATUS_FAILED:
      return "failed";
    default:
      return round.has_error() ? "error" : "skipped";
  }
}

std::string RoundDetail(const rig::v1::ScenarioRound& round) {
  for (const auto& c : round.checks()) {
    if (c.status() == rig::v1::CHECK_STATUS_FAILED) return c.message();
  }
  return round.has_error() ? round.error().message() : "";
}

std::vector<rig::v1::Check> SummarizeRounds(
    const google::protobuf::RepeatedPtrField<rig::v1::Alongside>& entries,
    const std::vector<rig::v1::ScenarioRoundRecord>& rounds) {
  std::vector<rig::v1::Check> out;
  for (const auto& entry : entries) {
    const std::string& kind = entry.kind();
    const std::string prefix = absl::StrCat("alongside ", kind, ": ");
    int total = 0, errored = 0, complete = 0;
    const rig::v1::ScenarioRoundRecord* first_error = nullptr;
    struct PerCheck {
      int passed = 0, failed = 0, skipped = 0;
      std::string expected;
      std::string skip_reason;
      const rig::v1::ScenarioRoundRecord* first_failure = nullptr;
      rig::v1::Check failure;
    };
    std::vector<std::string> order;
    std::map<std::string, PerCheck> checks;
    for (const auto& r : rounds) {
      if (r.round().kind() != kind) continue;
      ++total;
      const bool has_error = r.round().has_error();
      if (has_error) {
        ++errored;
        if (first_error == nullptr) first_error = &r;
      } else if (r.round().status() != rig::v1::CHECK_STATUS_SKIPPED) {
        ++complete;
      }
      for (const auto& c : r.round().checks()) {
        auto [it, added] = checks.try_emplace(c.name());
        if (added) order.push_back(c.name());
        PerCheck& p = it->second;
        if (p.expected.empty()) p.expected = c.expected();
        switch (c.status()) {
          case rig::v1::CHECK_STATUS_FAILED:
            if (p.failed++ == 0) {
              p.first_failure = &r;
              p.failure = c;
            }
            break;
          case rig::v1::CHECK_STATUS_SKIPPED:
            ++p.skipped;
            if (p.skip_reason.empty()) p.skip_reason = c.message();
            break;
          default:
            ++p.passed;
        }
      }
    }
    for (const std::string& name : order) {
      const PerCheck& p = checks[name];
      const int judged = p.passed + p.failed;
      if (p.failed > 0) {
        out.push_back(MakeCheck(
            prefix + name, rig::v1::CHECK_STATUS_FAILED, p.failure.expected(),
            absl::StrCat(p.failure.seen(), " (", At(*p.first_failure),
                         "; failed in ", p.failed, " of ", judged,
                         " rounds)")));
      } else if (judged == 0) {
        out.push_back(MakeCheck(prefix + name, rig::v1::CHECK_STATUS_SKIPPED,
                                "", p.skip_reason));
      } else {
        out.push_back(MakeCheck(
            prefix + name, rig::v1::CHECK_STATUS_PASSED, p.expected,
            absl::StrCat("held in ", p.passed, " of ", judged, " rounds")));
      }
    }
    // The scenario ran at all: at least one round did its checks.
    std::string seen = absl::StrCat(total, " round", total == 1 ? "" : "s",
                                    ", ", complete, " complete");
    if (errored > 0) {
      absl::StrAppend(&seen, ", ", errored,
                      " ended in an error (first: ", At(*first_error), ": ",
                      first_error->round().error().message(), ")");
    }
    // Every round skipped its checks (e.g. import_jobs on MariaDB): a skip,
    // not a failure; no round at all, or only errors: a failure.
    const rig::v1::CheckStatus status =
        complete > 0                ? rig::v1::CHECK_STATUS_PASSED
        : total > 0 && errored == 0 ? rig::v1::CHECK_STATUS_SKIPPED
                                    : rig::v1::CHECK_STATUS_FAILED;
    if (status == rig::v1::CHECK_STATUS_SKIPPED) {
      absl::StrAppend(&seen, ": every round skipped its checks");
    }
    out.push_back(MakeCheck(prefix + "rounds", status,
                            "at least one round completes its checks", seen));
  }
  return out;
}

std::vector<rig::v1::ScenarioRoundRecord> RoundsForReport(
    const std::vector<rig::v1::ScenarioRoundRecord>& rounds, size_t max,
    int64_t* omitted) {
  *omitted = 0;
  if (rounds.size() <= max) return rounds;
  std::vector<bool> keep(rounds.size(), false);
  size_t kept = 0;
  std::vector<size_t> passed;
  for (size_t i = 0; i < rounds.size(); ++i) {
    if (rounds[i].round().status() == rig::v1::CHECK_STATUS_PASSED) {
      passed.push_back(i);
    } else if (kept < max) {
      keep[i] = true;
      ++kept;
    }
  }
  const size_t room = max - kept;
  if (room >= passed.size()) {
    for (size_t i : passed) keep[i] = true;
  } else {
    // Evenly spread: the j-th of `room` picks passed[j * n / room], which
    // starts at the first passed round and steps through to near the last.
    for (size_t j = 0; j < room; ++j) {
      keep[passed[j * passed.size() / room]] = true;
    }
  }
  std::vector<rig::v1::ScenarioRoundRecord> out;
  out.reserve(max);
  for (size_t i = 0; i < rounds.size(); ++i) {
    if (keep[i]) out.push_back(rounds[i]);
  }
  *omitted = static_cast<int64_t>(rounds.size() - out.size());
  return out;
}

}  // namespace rig::coordinator
