#include <judges/python_random.hpp>

#include <openssl/evp.h>

#include <string>
#include <vector>

namespace judges {

namespace {

void
init_genrand(std::uint32_t* mt, std::uint32_t s)
{
  mt[0] = s;
  for (int i = 1; i < 624; ++i) {
    mt[i] = 1812433253U * (mt[i - 1] ^ (mt[i - 1] >> 30)) + static_cast<std::uint32_t>(i);
  }
}

// MT19937's init_by_array, as in CPython's _randommodule.c.
void
init_by_array(std::uint32_t* mt, const std::vector<std::uint32_t>& key)
{
  init_genrand(mt, 19650218U);
  size_t i = 1;
  size_t j = 0;
  const size_t n = 624;
  size_t k = n > key.size() ? n : key.size();
  for (; k; --k) {
    mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525U)) + key[j] +
            static_cast<std::uint32_t>(j);
    ++i;
    ++j;
    if (i >= n) {
      mt[0] = mt[n - 1];
      i = 1;
    }
    if (j >= key.size()) {
      j = 0;
    }
  }
  for (k = n - 1; k; --k) {
    mt[i] =
        (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941U)) - static_cast<std::uint32_t>(i);
    ++i;
    if (i >= n) {
      mt[0] = mt[n - 1];
      i = 1;
    }
  }
  mt[0] = 0x80000000U;
}

} // namespace

PythonRandom::PythonRandom(std::string_view seed)
{
  // bytes = utf-8 + sha512(utf-8); the int is big-endian over them.
  std::string bytes(seed);
  unsigned char digest[64];
  unsigned int length = 0;
  EVP_Digest(seed.data(), seed.size(), digest, &length, EVP_sha512(), nullptr);
  bytes.append(reinterpret_cast<const char*>(digest), length);
  // 32-bit words, least significant first; leading zero words dropped.
  std::vector<std::uint32_t> key;
  for (size_t end = bytes.size(); end > 0;) {
    size_t start = end >= 4 ? end - 4 : 0;
    std::uint32_t word = 0;
    for (size_t b = start; b < end; ++b) {
      word = (word << 8) | static_cast<unsigned char>(bytes[b]);
    }
    key.push_back(word);
    end = start;
  }
  while (key.size() > 1 && key.back() == 0) {
    key.pop_back();
  }
  init_by_array(m_state, key);
}

std::uint32_t
PythonRandom::next_u32()
{
  static constexpr std::uint32_t k_mag01[2] = {0x0U, 0x9908b0dfU};
  if (m_index >= 624) {
    int kk = 0;
    for (; kk < 624 - 397; ++kk) {
      std::uint32_t y = (m_state[kk] & 0x80000000U) | (m_state[kk + 1] & 0x7fffffffU);
      m_state[kk] = m_state[kk + 397] ^ (y >> 1) ^ k_mag01[y & 1U];
    }
    for (; kk < 623; ++kk) {
      std::uint32_t y = (m_state[kk] & 0x80000000U) | (m_state[kk + 1] & 0x7fffffffU);
      m_state[kk] = m_state[kk + (397 - 624)] ^ (y >> 1) ^ k_mag01[y & 1U];
    }
    std::uint32_t y = (m_state[623] & 0x80000000U) | (m_state[0] & 0x7fffffffU);
    m_state[623] = m_state[396] ^ (y >> 1) ^ k_mag01[y & 1U];
    m_index = 0;
  }
  std::uint32_t y = m_state[m_index++];
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= (y >> 18);
  return y;
}

double
PythonRandom::random()
{
  std::uint32_t a = next_u32() >> 5;
  std::uint32_t b = next_u32() >> 6;
  return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

bool
alpaca_eval_is_switched(std::string_view instruction, int seed)
{
  std::string key = "is_switched_outputs";
  key += instruction;
  key += std::to_string(seed);
  PythonRandom rng(key);
  // choices([False, True], k=1): population[floor(random() * 2)]
  return static_cast<int>(rng.random() * 2.0) == 1;
}

} // namespace judges
