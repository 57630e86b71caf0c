#include "common/base/cores.h"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace rig {
namespace {

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Join(const std::string& root, absl::string_view path) {
  std::string out = root;
  if (!out.empty() && out.back() == '/') out.pop_back();
  if (!absl::StartsWith(path, "/")) out += '/';
  absl::StrAppend(&out, path);
  return out;
}

// The cgroup's own directory, or (inside a container, where the cgroup is
// mounted at the controller's root) the root itself.
std::vector<std::string> Candidates(const std::string& mount,
                                    const std::optional<std::string>& path) {
  std::vector<std::string> out;
  if (path && *path != "/") out.push_back(Join(mount, *path));
  out.push_back(mount);
  return out;
}

std::optional<double> QuotaV2(const std::string& root,
                              absl::string_view proc_cgroup) {
  const std::string mount = Join(root, "sys/fs/cgroup");
  for (const std::string& dir :
       Candidates(mount, CgroupPath(proc_cgroup, ""))) {
    if (auto text = ReadFile(dir + "/cpu.max")) return ParseCpuMax(*text);
  }
  return std::nullopt;
}

std::optional<double> QuotaV1(const std::string& root,
                              absl::string_view proc_cgroup) {
  for (const char* mount_name :
       {"sys/fs/cgroup/cpu", "sys/fs/cgroup/cpu,cpuacct"}) {
    const std::string mount = Join(root, mount_name);
    for (const std::string& dir :
         Candidates(mount, CgroupPath(proc_cgroup, "cpu"))) {
      auto quota = ReadFile(dir + "/cpu.cfs_quota_us");
      auto period = ReadFile(dir + "/cpu.cfs_period_us");
      if (quota && period) return ParseCfsQuota(*quota, *period);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<double> ParseCpuMax(absl::string_view text) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(absl::StripAsciiWhitespace(text), ' ', absl::SkipEmpty());
  if (parts.size() != 2) return std::nullopt;
  double quota = 0, period = 0;
  if (!absl::SimpleAtod(parts[0], &quota) ||
      !absl::SimpleAtod(parts[1], &period) || quota <= 0 || period <= 0) {
    return std::nullopt;  // includes "max"
  }
  return quota / period;
}

std::optional<double> ParseCfsQuota(absl::string_view quota_text,
                                    absl::string_view period_text) {
  double quota = 0, period = 0;
  if (!absl::SimpleAtod(absl::StripAsciiWhitespace(quota_text), &quota) ||
      !absl::SimpleAtod(absl::StripAsciiWhitespace(period_text), &period) ||
      quota <= 0 || period <= 0) {
    return std::nullopt;  // includes -1 (no quota)
  }
  return quota / period;
}

std::optional<std::string> CgroupPath(absl::string_view proc_self_cgroup,
                                      absl::string_view controller) {
  for (absl::string_view line : absl::StrSplit(proc_self_cgroup, '\n')) {
    std::vector<absl::string_view> f =
        absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (f.size() != 3) continue;
    if (controller.empty()) {
      if (f[0] == "0" && f[1].empty()) return std::string(f[2]);
      continue;
    }
    for (absl::string_view c : absl::StrSplit(f[1], ',')) {
      if (c == controller) return std::string(f[2]);
    }
  }
  return std::nullopt;
}

int UsableCores(const std::string& root, int cpus) {
  cpu_set_t set;
  if (cpus <= 0 && sched_getaffinity(0, sizeof(set), &set) == 0) {
    cpus = CPU_COUNT(&set);
  }
  if (cpus <= 0) cpus = static_cast<int>(std::thread::hardware_concurrency());
  if (cpus <= 0) cpus = 1;
  const std::string proc_cgroup =
      ReadFile(Join(root, "proc/self/cgroup")).value_or("");
  std::optional<double> quota = QuotaV2(root, proc_cgroup);
  if (!quota) quota = QuotaV1(root, proc_cgroup);
  if (quota) {
    cpus = std::min(cpus, static_cast<int>(std::ceil(*quota - 1e-9)));
  }
  return std::max(1, cpus);
}

}  // namespace rig
