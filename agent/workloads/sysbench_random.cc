#include "agent/workloads/sysbench_random.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace rig::agent {
namespace {

// Helpers of the rejection-inversion Zipf sampler (Hörmann & Derflinger,
// 1996), as used by sysbench and Apache Commons RNG.
double Log1pOverX(double x) {
  return std::fabs(x) > 1e-8 ? std::log1p(x) / x
                             : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
}
double Expm1OverX(double x) {
  return std::fabs(x) > 1e-8 ? std::expm1(x) / x
                             : 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x));
}
double HIntegral(double x, double e) {
  const double log_x = std::log(x);
  return Expm1OverX((1 - e) * log_x) * log_x;
}
double H(double x, double e) { return std::exp(-e * std::log(x)); }
double HIntegralInverse(double x, double e) {
  double t = x * (1 - e);
  if (t < -1) t = -1;  // numerical noise
  return std::exp(Log1pOverX(t) * x);
}

}  // namespace

absl::StatusOr<Distribution> Distribution::Create(
    const DistributionOptions& o) {
  if (o.type != "uniform" && o.type != "gaussian" && o.type != "special" &&
      o.type != "pareto" && o.type != "zipfian") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown distribution \"", o.type,
                     "\": use uniform, gaussian, special, pareto or zipfian"));
  }
  if (o.spec_iter < 1) {
    return absl::InvalidArgumentError("rand_spec_iter must be at least 1");
  }
  if (o.spec_pct < 0 || o.spec_pct > 100 || o.spec_res < 0 ||
      o.spec_res >= 100) {
    return absl::InvalidArgumentError(
        "rand_spec_pct must be in [0, 100] and rand_spec_res in [0, 100)");
  }
  if (o.pareto_h <= 0 || o.pareto_h >= 1) {
    return absl::InvalidArgumentError("rand_pareto_h must be in (0, 1)");
  }
  if (o.zipfian_exp < 0) {
    return absl::InvalidArgumentError("rand_zipfian_exp must be >= 0");
  }
  Distribution d(o);
  d.type_ = o.type == "uniform"    ? Type::kUniform
            : o.type == "gaussian" ? Type::kGaussian
            : o.type == "special"  ? Type::kSpecial
            : o.type == "pareto"   ? Type::kPareto
                                   : Type::kZipfian;
  d.pareto_power_ = std::log(o.pareto_h) / std::log(1.0 - o.pareto_h);
  d.zipf_s_ =
      2 - HIntegralInverse(HIntegral(2.5, o.zipfian_exp) - H(2, o.zipfian_exp),
                           o.zipfian_exp);
  d.zipf_h_x1_ = HIntegral(1.5, o.zipfian_exp) - 1;
  return d;
}

int64_t Distribution::Zipfian(Rng& rng, int64_t n) const {
  const double e = options_.zipfian_exp;
  const double h_n = HIntegral(static_cast<double>(n) + 0.5, e);
  for (;;) {
    const double u = h_n + UniformDouble(rng) * (zipf_h_x1_ - h_n);
    const double x = HIntegralInverse(u, e);
    int64_t k = static_cast<int64_t>(x + 0.5);
    if (k < 1) k = 1;
    if (k > n) k = n;
    if (k - x <= zipf_s_ ||
        u >= HIntegral(static_cast<double>(k) + 0.5, e) - H(k, e)) {
      return k;
    }
  }
}

int64_t Distribution::Next(Rng& rng, int64_t a, int64_t b) const {
  if (b <= a) return a;
  if (type_ == Type::kUniform) {
    return a + static_cast<int64_t>(UniformDouble(rng) *
                                    static_cast<double>(b - a + 1));
  }
  if (type_ == Type::kGaussian) {
    const double t = static_cast<double>(b - a + 1);
    double sum = 0;
    for (int i = 0; i < options_.spec_iter; ++i) sum += UniformDouble(rng) * t;
    return std::min(b, a + static_cast<int64_t>(sum / options_.spec_iter));
  }
  if (type_ == Type::kSpecial) {
    // (100 - res)% of the values: a bell around the middle; res% of them:
    // uniform over the pct% of the range at its centre ("hot" rows).
    const double t = static_cast<double>(b - a);
    const double range = t * (100.0 / (100.0 - options_.spec_res));
    const double rnd = UniformDouble(rng);
    if (rnd * range < t) {
      double sum = 0;
      for (int i = 0; i < options_.spec_iter; ++i) sum += UniformDouble(rng);
      return a + static_cast<int64_t>(sum * t / options_.spec_iter);
    }
    const double d = t * options_.spec_pct / 100.0;
    const double res = rnd * (d + 1) + t / 2 - t * options_.spec_pct / 200.0;
    return std::min(b, a + static_cast<int64_t>(res));
  }
  if (type_ == Type::kPareto) {
    return std::min(b, a + static_cast<int64_t>(
                               static_cast<double>(b - a + 1) *
                               std::pow(UniformDouble(rng), pareto_power_)));
  }
  return a + Zipfian(rng, b - a + 1) - 1;  // zipfian
}

std::string RandomFromTemplate(Rng& rng, absl::string_view templ) {
  std::string out(templ);
  for (char& c : out) {
    if (c == '#') {
      c = static_cast<char>('0' + static_cast<int>(UniformDouble(rng) * 10));
    } else if (c == '@') {
      c = static_cast<char>('a' + static_cast<int>(UniformDouble(rng) * 26));
    }
  }
  return out;
}

std::string DigitGroups(Rng& rng, int groups) {
  std::string out;
  out.reserve(static_cast<size_t>(groups) * 12);
  for (int g = 0; g < groups; ++g) {
    if (g > 0) out += '-';
    for (int i = 0; i < 11; ++i) {
      out += static_cast<char>('0' + static_cast<int>(UniformDouble(rng) * 10));
    }
  }
  return out;
}

}  // namespace rig::agent
