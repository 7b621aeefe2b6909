#include <harness/text_ids.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

using namespace harness;

TEST_SUITE_BEGIN("harness::text_ids");

TEST_CASE("a text's digest is its SHA-256")
{
  // FIPS 180-2's example: SHA-256("abc") = ba7816bf 8f01cfea ... f20015ad.
  const TextIds::Digest d = TextIds::digest("abc");
  CHECK(d[0] == 0xba);
  CHECK(d[1] == 0x78);
  CHECK(d[2] == 0x16);
  CHECK(d[3] == 0xbf);
  CHECK(d[30] == 0x15);
  CHECK(d[31] == 0xad);
  CHECK(TextIds::digest("abc") != TextIds::digest("abd"));
}

TEST_CASE("ids are found by digest, and all forgotten when the cache is full")
{
  TextIds ids;
  const auto a = TextIds::digest("a");
  CHECK_FALSE(ids.find(a));
  ids.remember(a, 7);
  REQUIRE(ids.find(a));
  CHECK(*ids.find(a) == 7);
  CHECK_FALSE(ids.find(TextIds::digest("b")));

  // Filled to k_capacity: the next one starts a fresh cache holding only itself.
  for (std::size_t i = 1; i < TextIds::k_capacity; ++i) {
    ids.remember(TextIds::digest(std::to_string(i)), static_cast<std::int64_t>(i));
  }
  CHECK(ids.size() == TextIds::k_capacity);
  CHECK(*ids.find(a) == 7);
  const auto last = TextIds::digest("last");
  ids.remember(last, 99);
  CHECK(ids.size() == 1);
  CHECK_FALSE(ids.find(a));
  CHECK(*ids.find(last) == 99);

  ids.clear();
  CHECK_FALSE(ids.find(last));
  ids.remember(last, 5);
  ids.release();
  CHECK(ids.size() == 0);
}

TEST_SUITE_END();
