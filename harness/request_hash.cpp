#include <harness/client/openai_wire.hpp>
#include <harness/request_hash.hpp>

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace harness {

namespace {

// SHA-256 fetched from OpenSSL's providers once (EVP_sha256() is looked up
// again at every use).
const EVP_MD*
sha256_method()
{
  static const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return fetched ? fetched : EVP_sha256();
}

// A digest context per thread, reused: EVP_Digest() makes and frees one for
// every digest, and texts and requests are hashed by the thousand.
struct ThreadDigest
{
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  ThreadDigest() = default;
  ThreadDigest(const ThreadDigest&) = delete;
  ThreadDigest& operator=(const ThreadDigest&) = delete;
  ~ThreadDigest() { EVP_MD_CTX_free(context); }
};

} // namespace

std::string
sha256_bytes(std::string_view data)
{
  thread_local ThreadDigest digest_context;
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_MD_CTX* context = digest_context.context;
  if (!context || EVP_DigestInit_ex(context, sha256_method(), nullptr) != 1 ||
      EVP_DigestUpdate(context, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(context, digest.data(), &length) != 1) {
    throw std::runtime_error("OpenSSL cannot take a SHA-256 digest");
  }
  return std::string(reinterpret_cast<const char*>(digest.data()), length);
}

std::string
sha256_hex(std::string_view data)
{
  return hash_hex(sha256_bytes(data));
}

struct Sha256::Context
{
  EVP_MD_CTX* md = EVP_MD_CTX_new();
};

Sha256::Sha256() : m_context(new Context)
{
  if (!m_context->md || EVP_DigestInit_ex(m_context->md, sha256_method(), nullptr) != 1) {
    EVP_MD_CTX_free(m_context->md);
    delete m_context;
    throw std::runtime_error("OpenSSL cannot make a SHA-256 context");
  }
}

Sha256::~Sha256()
{
  EVP_MD_CTX_free(m_context->md);
  delete m_context;
}

void
Sha256::update(std::string_view piece)
{
  EVP_DigestUpdate(m_context->md, piece.data(), piece.size());
}

std::string
Sha256::hex()
{
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(m_context->md, digest.data(), &length);
  return hash_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
}

std::uint64_t
first_64_bits(std::string_view digest)
{
  std::uint64_t bits = 0;
  for (size_t i = 0; i < 8 && i < digest.size(); ++i) {
    bits = bits << 8 | static_cast<unsigned char>(digest[i]);
  }
  return bits;
}

std::uint64_t
stable_hash64(std::string_view data)
{
  return first_64_bits(sha256_bytes(data));
}

namespace {
constexpr char k_hex[] = "0123456789abcdef";
constexpr size_t k_sha256_bytes = 32;

int
hex_value(char c)
{
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  throw std::invalid_argument("not a hex hash: " + std::string(1, c));
}
} // namespace

std::string
hash_bytes(std::string_view hex_list)
{
  std::string out;
  out.reserve(hex_list.size() / 2);
  for (size_t i = 0; i < hex_list.size();) {
    if (hex_list[i] == ',') {
      ++i;
      continue;
    }
    if (i + 1 >= hex_list.size()) {
      throw std::invalid_argument("not a hex hash: odd number of digits");
    }
    out.push_back(static_cast<char>(hex_value(hex_list[i]) * 16 + hex_value(hex_list[i + 1])));
    i += 2;
  }
  return out;
}

std::string
hash_hex(std::string_view bytes)
{
  std::string out;
  out.reserve(bytes.size() * 2 + bytes.size() / k_sha256_bytes);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0 && i % k_sha256_bytes == 0) {
      out.push_back(',');
    }
    const auto byte = static_cast<unsigned char>(bytes[i]);
    out.push_back(k_hex[byte >> 4]);
    out.push_back(k_hex[byte & 0xf]);
  }
  return out;
}

std::string
request_hash(const ChatRequest& request)
{
  return sha256_hex(client::openai_wire::semantics_json(request));
}

} // namespace harness
