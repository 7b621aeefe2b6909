#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <vector>

namespace reports {

// Arithmetic mean; nullopt for no values.
std::optional<double> mean(const std::vector<double>& values);

// Sample standard deviation (ddof = 1, as pandas' std); nullopt for fewer than 2 values.
std::optional<double> sample_sd(const std::vector<double>& values);

// Standard error of the mean, sd(ddof = 1) / sqrt(n), as pandas' sem().
std::optional<double> sem(const std::vector<double>& values);

struct Interval
{
  double low = 0;
  double high = 0;
  int resamples = 0;
  std::uint64_t seed = 0;
};

// A uniform index in [0, n) from the engine's next draws: x % n, drawing again
// while x is at or above the largest multiple of n below 2^64. Unlike
// std::uniform_int_distribution it is the same with every standard library.
size_t uniform_index(std::mt19937_64& rng, size_t n);

// numpy.percentile(values, q) with the default linear method (numpy 1.24's
// _lerp, which interpolates from the upper value when the fraction is at
// least 0.5). NaN if any value is NaN, there are none, or q is outside
// [0, 100] (numpy raises). Where an interpolation endpoint is infinite, the
// limit (numpy would give NaN): the infinity itself strictly between the two
// (NaN between -inf and +inf), the lower endpoint at fraction 0.
double numpy_percentile(std::vector<double> values, double q);

// Percentile bootstrap: `resamples` times, draw n row indices with replacement
// (std::mt19937_64 seeded with `seed`, through uniform_index, so the same seed
// gives the same interval everywhere), evaluate `statistic` on them, and take the 2.5th and 97.5th
// percentiles (linear interpolation, as numpy's default). Resamples whose
// statistic is nullopt are skipped; nullopt when n is 0 or none remains.
std::optional<Interval> bootstrap_interval(
    size_t n, const std::function<std::optional<double>(const std::vector<size_t>&)>& statistic,
    int resamples = 1000, std::uint64_t seed = 1);

} // namespace reports
