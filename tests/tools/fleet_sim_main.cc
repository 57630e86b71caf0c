// rig-fleet-sim: serves N simulated agents (fleet_sim.h) for one run of a
// real coordinator, then writes what they sent, for bench/fanin to compare
// with the coordinator's report.
//
// usage: rig-fleet-sim --agents N --addresses FILE --totals FILE
//                      [--seed S] [--fault INDEX=slow|silent|lost|lying]...
//
// Writes the agents' addresses (host:port,...) to --addresses once every
// agent listens; after every agent's session has ended (or on SIGINT or
// SIGTERM) writes the totals as one JSON object to --totals and exits 0.
// Exit 2 on a usage error, 1 if the agents cannot listen.

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "tests/tools/fleet_sim.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr,
               "rig-fleet-sim: %s\nusage: rig-fleet-sim --agents N "
               "--addresses FILE --totals FILE [--seed S] "
               "[--fault INDEX=slow|silent|lost|lying]...\n",
               why.c_str());
  std::exit(2);
}

bool WriteFile(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << text;
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  rig::testing::FleetOptions options;
  std::string addresses_file, totals_file;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--agents") {
      if (!absl::SimpleAtoi(value(), &options.agents) || options.agents < 1) {
        Usage("--agents takes a number of at least 1");
      }
    } else if (arg == "--seed") {
      if (!absl::SimpleAtoi(value(), &options.seed)) Usage("bad --seed");
    } else if (arg == "--addresses") {
      addresses_file = value();
    } else if (arg == "--totals") {
      totals_file = value();
    } else if (arg == "--fault") {
      const std::string v = value();
      std::pair<std::string, std::string> kv = absl::StrSplit(v, '=');
      int index = 0;
      if (!absl::SimpleAtoi(kv.first, &index) || index < 0) {
        Usage(absl::StrCat("--fault \"", v, "\": INDEX=KIND"));
      }
      auto fault = rig::testing::ParseSimFault(kv.second);
      if (!fault.ok()) Usage(std::string(fault.status().message()));
      options.faults[index] = *fault;
    } else if (arg == "-h" || arg == "--help") {
      Usage("help");
    } else {
      Usage(absl::StrCat("unknown argument \"", arg, "\""));
    }
  }
  if (addresses_file.empty() || totals_file.empty()) {
    Usage("--addresses and --totals are required");
  }
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);

  auto fleet = rig::testing::SimulatedFleet::Start(options);
  if (!fleet.ok()) {
    std::fprintf(stderr, "rig-fleet-sim: %s\n",
                 std::string(fleet.status().message()).c_str());
    return 1;
  }
  if (!WriteFile(addresses_file,
                 absl::StrJoin((*fleet)->addresses(), ",") + "\n")) {
    std::fprintf(stderr, "rig-fleet-sim: cannot write %s\n",
                 addresses_file.c_str());
    return 1;
  }
  while (!g_stop && (*fleet)->SessionsEnded() < options.agents) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  rig::v1::Counters counters;
  rig::Histogram latency;
  int64_t intervals = 0, breaker_events = 0, results = 0;
  for (int i = 0; i < options.agents; ++i) {
    const rig::testing::SimSent s = (*fleet)->Sent(i);
    const auto& c = s.result_sent ? s.result_counters : s.interval_counters;
    counters.set_ops(counters.ops() + c.ops());
    counters.set_queries(counters.queries() + c.queries());
    counters.set_errors(counters.errors() + c.errors());
    latency.Merge(s.result_sent ? s.result_latency : s.interval_latency);
    intervals += s.intervals;
    breaker_events += s.breaker_events;
    results += s.result_sent ? 1 : 0;
  }
  // Timings, in seconds of CLOCK_MONOTONIC (comparable with another
  // process's on this machine).
  const rig::testing::FleetTimings t = (*fleet)->Timings();
  auto secs = [](int64_t ns) { return absl::StrFormat("%.6f", ns / 1e9); };
  int64_t all_running = 0;
  for (int64_t ns : t.running_ns) all_running = std::max(all_running, ns);
  std::vector<std::string> barriers;
  for (const auto& [state, agents] : t.barriers) {
    int64_t last_parked = 0;
    for (const auto& [parked, advanced] : agents) {
      last_parked = std::max(last_parked, parked);
    }
    std::vector<int64_t> release;  // last arrival -> this agent advanced
    for (const auto& [parked, advanced] : agents) {
      if (advanced > 0) release.push_back(advanced - last_parked);
    }
    std::sort(release.begin(), release.end());
    auto at = [&release](double q) {
      if (release.empty()) return std::string("null");
      const size_t i =
          std::min(release.size() - 1, static_cast<size_t>(q * release.size()));
      return absl::StrFormat("%.3f", release[i] / 1e6);
    };
    barriers.push_back(absl::StrCat(
        "{\"state\": \"",
        rig::v1::State_Name(static_cast<rig::v1::State>(state)),
        "\", \"advanced\": ", release.size(), ", \"p50_ms\": ", at(0.5),
        ", \"p99_ms\": ", at(0.99), ", \"max_ms\": ", at(1.0), "}"));
  }
  std::vector<std::string> sent;
  for (const auto& [seq, ns] : t.interval_sent_ns) sent.push_back(secs(ns));
  const std::string json = absl::StrCat(
      "{\"first_get_info_s\": ", secs(t.first_get_info_ns),
      ", \"all_running_s\": ", secs(all_running), ", \"barriers\": [",
      absl::StrJoin(barriers, ", "), "], \"interval_sent_s\": [",
      absl::StrJoin(sent, ", "), "], ", "\"agents\": ", options.agents,
      ", \"results\": ", results, ", \"intervals\": ", intervals,
      ", \"breaker_events\": ", breaker_events, ", \"ops\": ", counters.ops(),
      ", \"queries\": ", counters.queries(),
      ", \"errors\": ", counters.errors(),
      ", \"p50_us\": ", latency.ValueAtPercentile(50),
      ", \"p99_us\": ", latency.ValueAtPercentile(99),
      ", \"p999_us\": ", latency.ValueAtPercentile(99.9),
      ", \"max_us\": ", latency.max(), ", \"latency_histogram\": \"",
      absl::Base64Escape(latency.Encode()), "\"}\n");
  (*fleet)->Shutdown();
  if (!WriteFile(totals_file, json)) {
    std::fprintf(stderr, "rig-fleet-sim: cannot write %s\n",
                 totals_file.c_str());
    return 1;
  }
  return 0;
}
