#include <harness/request_hash.hpp>
#include <harness/shard.hpp>

#include <fmt/format.h>

#include <charconv>

namespace harness {

namespace {

class ShardReader final : public ItemReader
{
public:
  ShardReader(std::unique_ptr<ItemReader> items, Shard shard)
      : m_items(std::move(items)), m_shard(shard)
  {}

  Result<std::optional<Item>> next() override
  {
    for (;;) {
      auto item = m_items->next();
      if (!item || !*item || in_shard(m_shard, (*item)->id)) {
        return item;
      }
    }
  }

private:
  std::unique_ptr<ItemReader> m_items;
  Shard m_shard;
};

// A whole non-negative number filling `text`.
std::optional<int>
whole_number(std::string_view text)
{
  int value = 0;
  const auto* end = text.data() + text.size();
  auto [at, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || at != end || value < 0) {
    return std::nullopt;
  }
  return value;
}

} // namespace

Result<Shard>
parse_shard(std::string_view text)
{
  const auto slash = text.find('/');
  const auto index = whole_number(text.substr(0, slash));
  const auto count = whole_number(slash == std::string_view::npos ? "" : text.substr(slash + 1));
  if (!index || !count) {
    return Error{Error::Kind::config,
                 fmt::format("'{}' is not a shard: write i/n, the i-th of n slices counted from "
                             "0 (e.g. 0/4)",
                             text)};
  }
  const Shard shard{*index, *count};
  if (shard.count < 1) {
    return Error{
        Error::Kind::config,
        fmt::format("'{}': the items cut into {} slices? n must be 1 or more", text, shard.count)};
  }
  if (shard.index >= shard.count) {
    return Error{Error::Kind::config,
                 fmt::format("'{}': the shard i/n needs 0 <= i < n: the slices of {} are 0/{} to "
                             "{}/{}",
                             text, shard.count, shard.count, shard.count - 1, shard.count)};
  }
  return shard;
}

std::string
to_string(const Shard& shard)
{
  return fmt::format("{}/{}", shard.index, shard.count);
}

bool
in_shard(const Shard& shard, std::string_view item_id)
{
  return stable_hash64(item_id) % static_cast<std::uint64_t>(shard.count) ==
         static_cast<std::uint64_t>(shard.index);
}

std::unique_ptr<ItemReader>
read_shard(std::unique_ptr<ItemReader> items, Shard shard)
{
  return std::make_unique<ShardReader>(std::move(items), shard);
}

} // namespace harness
