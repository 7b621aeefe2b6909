#pragma once

#include <harness/types.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace harness {

// SHA-256 of `data`: its 32 bytes, and in lower-case hex.
std::string sha256_bytes(std::string_view data);
std::string sha256_hex(std::string_view data);

// SHA-256 of data given in pieces (a file read in blocks, lines as they are
// read): the same digest as of the pieces concatenated.
class Sha256
{
public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view piece);
  // The digest in lower-case hex; the object is spent afterwards.
  std::string hex();

private:
  struct Context;
  Context* m_context;
};

// The first 64 bits of SHA-256(`data`): a stable, platform-independent hash
// for deterministic draws (pool assignment, preference sampling).
std::uint64_t stable_hash64(std::string_view data);
// The same, of a digest already made (its first 8 bytes, big-endian).
std::uint64_t first_64_bits(std::string_view digest);

// The cache key of a request: SHA-256 of its semantics (model, messages,
// sampling params). Endpoint name, URL, timeouts and concurrency are not
// part of it, so changing them keeps every cached response valid.
std::string request_hash(const ChatRequest& request);

// Hashes as the database stores them: a comma-separated list of hex hashes
// ("" for none) as their bytes, concatenated (32 per SHA-256), and back.
// hash_bytes throws std::invalid_argument for anything but hex digits and commas.
std::string hash_bytes(std::string_view hex_list);
std::string hash_hex(std::string_view bytes);

} // namespace harness
