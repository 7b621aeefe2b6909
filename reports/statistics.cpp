#include <reports/statistics.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace reports {

std::optional<double>
mean(const std::vector<double>& values)
{
  if (values.empty()) {
    return std::nullopt;
  }
  double sum = 0;
  for (double v : values) {
    sum += v;
  }
  return sum / static_cast<double>(values.size());
}

std::optional<double>
sample_sd(const std::vector<double>& values)
{
  if (values.size() < 2) {
    return std::nullopt;
  }
  double m = *mean(values);
  double ss = 0;
  for (double v : values) {
    ss += (v - m) * (v - m);
  }
  return std::sqrt(ss / static_cast<double>(values.size() - 1));
}

std::optional<double>
sem(const std::vector<double>& values)
{
  auto sd = sample_sd(values);
  if (!sd) {
    return std::nullopt;
  }
  return *sd / std::sqrt(static_cast<double>(values.size()));
}

double
numpy_percentile(std::vector<double> values, double q)
{
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (values.empty() || !(q >= 0 && q <= 100)) {
    return nan;
  }
  for (double v : values) {
    if (std::isnan(v)) {
      return nan;
    }
  }
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  // numpy: q / 100, times (n - 1); at or past the last index, the last value.
  const double position = static_cast<double>(n - 1) * (q / 100.0);
  if (position >= static_cast<double>(n - 1)) {
    return values.back();
  }
  const double below = std::floor(position);
  const double gamma = position - below;
  const auto i = static_cast<std::size_t>(below);
  const double a = values[i];
  const double b = values[i + 1];
  if (std::isfinite(a) && std::isfinite(b)) {
    const double diff = b - a;
    return gamma >= 0.5 ? b - diff * (1.0 - gamma) : a + diff * gamma;
  }
  if (a == b || gamma == 0) {
    return a;
  }
  if (std::isinf(a) && std::isinf(b)) {
    return nan; // -inf to +inf
  }
  return std::isinf(a) ? a : b;
}

size_t
uniform_index(std::mt19937_64& rng, size_t n)
{
  // Rejection keeps it unbiased: draws at or above the largest multiple of n
  // are drawn again.
  const std::uint64_t bound =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % n;
  std::uint64_t x = rng();
  while (x >= bound) {
    x = rng();
  }
  return static_cast<size_t>(x % n);
}

std::optional<Interval>
bootstrap_interval(
    size_t n, const std::function<std::optional<double>(const std::vector<size_t>&)>& statistic,
    int resamples, std::uint64_t seed)
{
  if (n == 0 || resamples <= 0) {
    return std::nullopt;
  }
  std::mt19937_64 rng(seed);
  std::vector<size_t> indices(n);
  std::vector<double> stats;
  stats.reserve(static_cast<size_t>(resamples));
  for (int r = 0; r < resamples; ++r) {
    for (auto& i : indices) {
      i = uniform_index(rng, n);
    }
    if (auto s = statistic(indices)) {
      stats.push_back(*s);
    }
  }
  if (stats.empty()) {
    return std::nullopt;
  }
  std::sort(stats.begin(), stats.end());
  return Interval{numpy_percentile(stats, 2.5), numpy_percentile(stats, 97.5), resamples, seed};
}

} // namespace reports
