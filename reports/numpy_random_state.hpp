#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace reports {

// numpy's legacy global generator (numpy.random.RandomState, which
// numpy.random.seed and the numpy.random functions use), for the draws that
// pandas' DataFrame.sample(frac=1.0, replace=True) makes. RandomState(seed)
// with an integer seed is MT19937 init_genrand(seed), the same state as
// std::mt19937(seed).
class NumpyRandomState
{
public:
  // np.random.seed(seed).
  explicit NumpyRandomState(std::uint32_t seed) : m_engine(seed) {}

  // One value of RandomState.randint(0, n): numpy's masked rejection. One
  // 32-bit output ANDed with the smallest all-ones mask >= n - 1, drawn again
  // while it is above n - 1. n == 1 gives 0 without drawing. Throws
  // std::invalid_argument when n is 0 or above 2^32 (numpy would raise or
  // take its 64-bit path).
  std::size_t randint(std::size_t n);

  // RandomState.randint(0, n, size=count): count calls of randint(n), in
  // order. DataFrame.sample(frac=1.0, replace=True) on n rows draws
  // sample_positions(n, n) (through RandomState.choice).
  std::vector<std::size_t> sample_positions(std::size_t n, std::size_t count);

private:
  std::mt19937 m_engine;
};

} // namespace reports
