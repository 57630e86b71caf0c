// The fuzz target for the plan loader and --set: any bytes must give a plan
// or an error, never a crash, a hang or unbounded memory (issue 11).
//
// Input: optional leading lines "#set key.path=value" (up to 4, each an
// override as --set takes it), then the plan's YAML. Built two ways:
//   - with libFuzzer (clang, -fsanitize=fuzzer,address): bench/fuzz_plan
//     runs it for millions of inputs;
//   - with replay_main.cc (any compiler): the test suite replays the corpus
//     and a fixed number of seeded mutations of it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "plan/plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view rest(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> overrides;
  while (overrides.size() < 4 && absl::StartsWith(rest, "#set ")) {
    const size_t end = rest.find('\n');
    overrides.emplace_back(rest.substr(
        5, end == absl::string_view::npos ? absl::string_view::npos : end - 5));
    rest = end == absl::string_view::npos ? absl::string_view()
                                          : rest.substr(end + 1);
  }
  auto plan = rig::plan::ParsePlan(rest, "fuzz.yaml", overrides);
  if (plan.ok()) {
    // A plan that loads has its defaults and its kind.
    if (plan->workload().kind().empty()) __builtin_trap();
  }
  (void)rig::plan::KeyLine(rest, "load.connections");
  (void)rig::plan::KeyLine(rest, "alongside.0.kind");
  return 0;
}
