#pragma once

#include <harness/error.hpp>
#include <harness/item_reader.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace harness {

// One of `count` disjoint slices of a benchmark's items, `index` from 0. An
// item belongs to the slice its id gives (the first 8 bytes of the SHA-256 of
// the id, big-endian, modulo `count`): the same on every machine, whatever
// the order of the items or the --limit that cut them.
struct Shard
{
  int index = 0;
  int count = 1;

  bool operator==(const Shard&) const = default;
};

// "i/n" with 0 <= i < n (e.g. "0/4", a Kubernetes completion index over the
// job's completions); an Error says what is wrong with `text`.
Result<Shard> parse_shard(std::string_view text);

// "i/n".
std::string to_string(const Shard& shard);

// Whether the item with id `item_id` is in `shard`.
bool in_shard(const Shard& shard, std::string_view item_id);

// The items of `items` that are in `shard`, in their order.
std::unique_ptr<ItemReader> read_shard(std::unique_ptr<ItemReader> items, Shard shard);

} // namespace harness
