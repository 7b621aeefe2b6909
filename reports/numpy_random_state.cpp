#include <reports/numpy_random_state.hpp>

#include <stdexcept>

namespace reports {

std::size_t
NumpyRandomState::randint(std::size_t n)
{
  if (n == 0 || n - 1 > 0xFFFFFFFFu) {
    throw std::invalid_argument("NumpyRandomState::randint: n must be in [1, 2^32]");
  }
  const auto max = static_cast<std::uint32_t>(n - 1);
  if (max == 0) {
    return 0;
  }
  // numpy's gen_mask: the smallest 2^k - 1 >= max.
  std::uint32_t mask = max;
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  std::uint32_t value = 0;
  do {
    value = static_cast<std::uint32_t>(m_engine()) & mask;
  } while (value > max);
  return value;
}

std::vector<std::size_t>
NumpyRandomState::sample_positions(std::size_t n, std::size_t count)
{
  std::vector<std::size_t> positions(count);
  for (auto& p : positions) {
    p = randint(n);
  }
  return positions;
}

} // namespace reports
