#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>

namespace harness {

// The ids of texts stored or found lately, by the texts' SHA-256: saves the
// texts table's lookup for a text seen again soon (a reply, then the judge
// prompt quoting it; a system message shared by many requests). Bounded: at
// k_capacity entries it forgets them all and starts again.
class TextIds
{
public:
  using Digest = std::array<unsigned char, 32>;
  // About 80 bytes an entry, so at most about 1.3 MB.
  static constexpr std::size_t k_capacity = 1 << 14;

  // SHA-256 of `text`.
  static Digest digest(std::string_view text);

  std::optional<std::int64_t> find(const Digest& digest) const;
  void remember(const Digest& digest, std::int64_t id);
  // Forgets every id (after a rollback: the texts it stored are gone).
  void clear() { m_ids.clear(); }
  // Forgets every id and gives back the memory.
  void release() { decltype(m_ids)().swap(m_ids); }
  std::size_t size() const { return m_ids.size(); }

private:
  struct DigestHash
  {
    std::size_t operator()(const Digest& d) const;
  };
  std::unordered_map<Digest, std::int64_t, DigestHash> m_ids;
};

} // namespace harness
