#include "coordinator/session/split.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace rig::coordinator {

std::vector<int64_t> SplitEvenly(int64_t total, int n) {
  return SplitWeighted(total, std::vector<double>(std::max(n, 1), 1.0));
}

std::vector<int64_t> SplitWeighted(int64_t total,
                                   const std::vector<double>& weights) {
  const size_t n = weights.size();
  std::vector<int64_t> shares(n, 0);
  if (n == 0 || total <= 0) return shares;
  const double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<std::pair<double, size_t>> remainders;
  int64_t given = 0;
  for (size_t i = 0; i < n; ++i) {
    const double exact = static_cast<double>(total) * weights[i] / sum;
    shares[i] = static_cast<int64_t>(std::floor(exact));
    given += shares[i];
    remainders.emplace_back(exact - std::floor(exact), i);
  }
  // Largest remainder first; ties go to the earlier agent.
  std::stable_sort(
      remainders.begin(), remainders.end(),
      [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t k = 0; given < total; k = (k + 1) % n, ++given) {
    shares[remainders[k].second]++;
  }
  return shares;
}

std::vector<double> SplitRate(double total,
                              const std::vector<int64_t>& shares) {
  std::vector<double> out(shares.size(), 0.0);
  const int64_t sum = std::accumulate(shares.begin(), shares.end(), int64_t{0});
  if (sum <= 0) return out;
  for (size_t i = 0; i < shares.size(); ++i) {
    out[i] = total * static_cast<double>(shares[i]) / static_cast<double>(sum);
  }
  return out;
}

std::vector<rig::v1::KeyRange> SplitRange(int64_t begin, int64_t end, int n) {
  std::vector<int64_t> sizes =
      SplitEvenly(std::max<int64_t>(0, end - begin), n);
  std::vector<rig::v1::KeyRange> out;
  int64_t at = begin;
  for (int64_t size : sizes) {
    rig::v1::KeyRange r;
    r.set_begin(at);
    r.set_end(at + size);
    at += size;
    out.push_back(r);
  }
  return out;
}

}  // namespace rig::coordinator
