#pragma once

// Splitting totals across agents: connections, rate and key ranges. Shares
// differ by at most one unit (or are proportional to weights); remainders
// are spread over the first agents, never lost: the shares always add up to
// the total.

#include <cstdint>
#include <vector>

#include "rig/v1/agent.pb.h"

namespace rig::coordinator {

// `total` split into `n` whole shares (n >= 1).
std::vector<int64_t> SplitEvenly(int64_t total, int n);
// `total` split in proportion to `weights` (each > 0), largest remainders
// first.
std::vector<int64_t> SplitWeighted(int64_t total,
                                   const std::vector<double>& weights);
// A rate split in proportion to the connection shares.
std::vector<double> SplitRate(double total, const std::vector<int64_t>& shares);
// Row ids [begin, end) split into `n` contiguous ranges.
std::vector<rig::v1::KeyRange> SplitRange(int64_t begin, int64_t end, int n);

}  // namespace rig::coordinator
