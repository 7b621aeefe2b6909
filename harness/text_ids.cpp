#include <harness/request_hash.hpp>
#include <harness/text_ids.hpp>

#include <algorithm>
#include <cstring>
#include <string>

namespace harness {

TextIds::Digest
TextIds::digest(std::string_view text)
{
  const std::string bytes = sha256_bytes(text);
  Digest d{};
  std::copy_n(bytes.begin(), std::min(bytes.size(), d.size()), d.begin());
  return d;
}

std::optional<std::int64_t>
TextIds::find(const Digest& digest) const
{
  if (auto it = m_ids.find(digest); it != m_ids.end()) {
    return it->second;
  }
  return std::nullopt;
}

void
TextIds::remember(const Digest& digest, std::int64_t id)
{
  if (m_ids.size() >= k_capacity) {
    m_ids.clear();
  }
  m_ids.emplace(digest, id);
}

std::size_t
TextIds::DigestHash::operator()(const Digest& d) const
{
  std::size_t h = 0; // the digest's bytes are uniform: its first ones will do
  std::memcpy(&h, d.data(), sizeof h);
  return h;
}

} // namespace harness
