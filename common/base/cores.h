#pragma once

// How many CPUs this process may use: the CPUs in its affinity mask, capped
// by its cgroup's CPU quota (cgroup v2 cpu.max, v1 cpu.cfs_quota_us /
// cpu.cfs_period_us), rounded up. In a Kubernetes pod that is the pod's
// `resources.limits.cpu`, not the node's CPU count that
// std::thread::hardware_concurrency() reports. Agents report it in GetInfo
// (agents.weight_by_cores splits the load by it).

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace rig {

// Never less than 1. Tests pass a fake tree as `root` (proc/self/cgroup,
// sys/fs/cgroup/...) and the CPU count to cap as `cpus` (0 = this
// process's affinity mask).
int UsableCores(const std::string& root = "/", int cpus = 0);

// The quota of a cgroup v2 cpu.max ("200000 100000" -> 2.0; "max 100000" or
// junk -> nullopt).
std::optional<double> ParseCpuMax(absl::string_view text);
// The quota of cgroup v1 files (quota "-1" = none; junk -> nullopt).
std::optional<double> ParseCfsQuota(absl::string_view quota,
                                    absl::string_view period);
// The cgroup path of `controller` in /proc/self/cgroup's text: v1 lines
// "4:cpu,cpuacct:/path", v2 "0::/path" (controller "" asks for v2).
std::optional<std::string> CgroupPath(absl::string_view proc_self_cgroup,
                                      absl::string_view controller);

}  // namespace rig
