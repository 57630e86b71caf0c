#pragma once

// Random numbers as sysbench 1.0.20 draws them (--rand-type uniform,
// gaussian, special, pareto, zipfian with their default parameters), so the
// OLTP workloads touch rows with the same distribution as sysbench. Written
// from sysbench's documented algorithms (src/sb_rand.c), not copied.
//
// A Distribution is immutable and shared; each worker passes its own Rng.

#include <cstdint>
#include <random>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/base/rng.h"

namespace rig::agent {

// A double in [0, 1).
inline double UniformDouble(Rng& rng) {
  return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
}

struct DistributionOptions {
  std::string type = "special";  // sysbench's default --rand-type
  int spec_iter = 12;            // --rand-spec-iter
  int spec_pct = 1;              // --rand-spec-pct
  int spec_res = 75;             // --rand-spec-res
  double pareto_h = 0.2;         // --rand-pareto-h
  double zipfian_exp = 0.8;      // --rand-zipfian-exp
};

class Distribution {
 public:
  // Errors name the bad type or parameter.
  static absl::StatusOr<Distribution> Create(const DistributionOptions& o);

  // A value in [a, b] (a <= b).
  int64_t Next(Rng& rng, int64_t a, int64_t b) const;
  const std::string& type() const { return options_.type; }

 private:
  enum class Type { kUniform, kGaussian, kSpecial, kPareto, kZipfian };
  explicit Distribution(const DistributionOptions& o) : options_(o) {}
  int64_t Zipfian(Rng& rng, int64_t n) const;

  DistributionOptions options_;
  Type type_ = Type::kSpecial;  // options_.type, resolved once (hot path)
  double pareto_power_ = 0;
  double zipf_s_ = 0;
  double zipf_h_x1_ = 0;
};

// sysbench's random string templates: '#' becomes a digit, '@' a letter.
std::string RandomFromTemplate(Rng& rng, absl::string_view templ);
// "###########-###########-..." with `groups` groups (sysbench's c and pad).
std::string DigitGroups(Rng& rng, int groups);

}  // namespace rig::agent
