#pragma once

#include <cstdint>
#include <string_view>

namespace judges {

// Python's random.Random seeded with a str, bit for bit (CPython's seed
// version 2: the int is the UTF-8 bytes followed by their SHA-512 digest,
// read big-endian; its 32-bit words, least significant first, seed MT19937
// through init_by_array). AlpacaEval draws its output order with it.
class PythonRandom
{
public:
  explicit PythonRandom(std::string_view seed);

  std::uint32_t next_u32();
  // random.random(): 53 bits from two outputs, in [0, 1).
  double random();

private:
  std::uint32_t m_state[624];
  int m_index = 624;
};

// AlpacaEval 2.0's decision to swap output_1 and output_2 for an instruction:
// random.Random("is_switched_outputs" + instruction + str(seed)).choices([False, True], k=1)[0].
bool alpaca_eval_is_switched(std::string_view instruction, int seed = 0);

} // namespace judges
