#include <harness/item_reader.hpp>
#include <harness/shard.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace harness;

TEST_SUITE_BEGIN("harness::shard");

TEST_CASE("a shard is i/n counted from 0, and anything else is refused by name")
{
  auto shard = parse_shard("3/4");
  REQUIRE(shard);
  CHECK(shard->index == 3);
  CHECK(shard->count == 4);
  CHECK(to_string(*shard) == "3/4");
  CHECK(parse_shard("0/1"));
  for (const char* bad : {"4/4", "1/0", "-1/4", "1", "1/", "/4", "a/4", "1/4x", "1/4/2", ""}) {
    auto refused = parse_shard(bad);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find(std::string("'") + bad + "'") != std::string::npos);
  }
}

TEST_CASE("an item's shard is the first 8 bytes of its id's SHA-256, big-endian, modulo n")
{
  // By hand (Python): int.from_bytes(sha256(b"81").digest()[:8], "big") % 4 == 2, % 3 == 2;
  // "82": % 4 == 1, % 3 == 0; "q1": % 4 == 2, % 2 == 0.
  CHECK(in_shard({2, 4}, "81"));
  CHECK_FALSE(in_shard({0, 4}, "81"));
  CHECK(in_shard({2, 3}, "81"));
  CHECK(in_shard({1, 4}, "82"));
  CHECK(in_shard({0, 3}, "82"));
  CHECK(in_shard({2, 4}, "q1"));
  CHECK(in_shard({0, 2}, "q1"));
  CHECK(in_shard({0, 1}, "anything"));
}

TEST_CASE("the shards of a list of items are disjoint, cover it, and keep its order")
{
  std::vector<Item> items;
  for (int i = 0; i < 200; ++i) {
    Item item;
    item.id = "item-" + std::to_string(i);
    items.push_back(item);
  }
  std::vector<std::string> seen;
  std::vector<size_t> sizes;
  for (int index = 0; index < 4; ++index) {
    auto reader = read_shard(read_items(items), Shard{index, 4});
    size_t size = 0;
    std::string previous;
    for (;;) {
      auto next = reader->next();
      REQUIRE(next);
      if (!*next) {
        break;
      }
      CHECK(in_shard({index, 4}, (*next)->id));
      seen.push_back((*next)->id);
      ++size;
    }
    sizes.push_back(size);
  }
  CHECK(seen.size() == items.size());
  std::sort(seen.begin(), seen.end());
  CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
  for (size_t size : sizes) {
    CHECK(size > 25); // 50 expected of 200; a slice never empty by chance here
  }
}

TEST_SUITE_END();
