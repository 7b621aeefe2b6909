#include <harness/client/openai_wire.hpp>
#include <harness/request_hash.hpp>

#include <openssl/evp.h>

#include <array>

namespace harness {

std::string
sha256_hex(std::string_view data)
{
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr);
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(k_hex[digest[i] >> 4]);
    out.push_back(k_hex[digest[i] & 0xf]);
  }
  return out;
}

std::uint64_t
stable_hash64(std::string_view data)
{
  return std::stoull(sha256_hex(data).substr(0, 16), nullptr, 16);
}

std::string
request_hash(const ChatRequest& request)
{
  return sha256_hex(client::openai_wire::semantics_json(request));
}

} // namespace harness
