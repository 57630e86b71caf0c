#include "agent/workloads/ycsb_generators.h"

#include <algorithm>
#include <cmath>

namespace rig::agent::ycsb {

uint64_t Fnv1a64(const unsigned char* bytes, size_t len) {
  uint64_t h = 0xCBF29CE484222325ULL;  // offset basis
  for (size_t i = 0; i < len; ++i) {
    h ^= bytes[i];
    h *= 1099511628211ULL;  // FNV prime
  }
  return h;
}

int64_t FnvHash64(int64_t v) {
  unsigned char b[8];
  uint64_t u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<unsigned char>(u & 0xff);
    u >>= 8;  // Java's >> on a long: the top byte's sign bits never reach
              // the 8 bytes taken
  }
  const int64_t h = static_cast<int64_t>(Fnv1a64(b, 8));
  // Math.abs; Long.MIN_VALUE (which Java leaves negative) taken as 0.
  if (h == INT64_MIN) return 0;
  return h < 0 ? -h : h;
}

double Zeta(int64_t n, double theta) {
  double sum = 0;
  for (int64_t i = 1; i <= n; ++i)
    sum += 1 / std::pow(static_cast<double>(i), theta);
  return sum;
}

Zipfian::Zipfian(int64_t items, double theta, double zetan)
    : items_(std::max<int64_t>(1, items)),
      theta_(theta),
      zetan_(zetan >= 0 ? zetan : Zeta(std::max<int64_t>(1, items), theta)),
      alpha_(1.0 / (1.0 - theta)),
      zeta2_(Zeta(2, theta)) {
  eta_ = (1 - std::pow(2.0 / items_, 1 - theta_)) / (1 - zeta2_ / zetan_);
}

int64_t Zipfian::FromUniform(double u) const {
  const double uz = u * zetan_;
  if (uz < 1.0) return 0;
  if (uz < 1.0 + std::pow(0.5, theta_)) return 1;
  const auto ret =
      static_cast<int64_t>(items_ * std::pow(eta_ * u - eta_ + 1, alpha_));
  return std::min(ret, items_ - 1);
}

ScrambledZipfian::ScrambledZipfian(int64_t min, int64_t max)
    : min_(min),
      count_(std::max<int64_t>(1, max - min + 1)),
      // YCSB: new ZipfianGenerator(0, ITEM_COUNT, 0.99, ZETAN), i.e.
      // ITEM_COUNT + 1 items.
      gen_(kItemCount + 1, Zipfian::kConstant, kZetan) {}

int64_t ScrambledZipfian::FromUniform(double u) const {
  return min_ + FnvHash64(gen_.FromUniform(u)) % count_;
}

Hotspot::Hotspot(int64_t min, int64_t max, double data_fraction,
                 double opn_fraction)
    : min_(min), opn_fraction_(opn_fraction) {
  const int64_t interval = std::max<int64_t>(1, max - min + 1);
  hot_ = std::clamp<int64_t>(static_cast<int64_t>(interval * data_fraction), 1,
                             interval);
  cold_ = interval - hot_;
}

int64_t Hotspot::Next(Rng& rng) const {
  const uint64_t r = rng() >> 1;  // non-negative, as Math.abs(nextLong())
  if (cold_ == 0 || UniformDouble(rng) < opn_fraction_) {
    return min_ + static_cast<int64_t>(r % static_cast<uint64_t>(hot_));
  }
  return min_ + hot_ + static_cast<int64_t>(r % static_cast<uint64_t>(cold_));
}

Latest::Latest(int64_t initial_newest)
    : items_(std::max<int64_t>(1, initial_newest)),
      zetan_(Zeta(items_, Zipfian::kConstant)) {}

int64_t Latest::Next(Rng& rng, int64_t newest) {
  newest = std::max<int64_t>(1, newest);
  double zetan;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Extend the zeta sum to the new item count (YCSB's incremental
    // zeta); the count only grows here.
    while (items_ < newest) {
      ++items_;
      zetan_ += 1 / std::pow(static_cast<double>(items_), Zipfian::kConstant);
    }
    // A worker that read an older counter gets the newest this generator
    // has seen (inserted by another worker of this agent).
    newest = items_;
    zetan = zetan_;
  }
  const Zipfian z(newest, Zipfian::kConstant, zetan);
  return newest - z.Next(rng);
}

}  // namespace rig::agent::ycsb
