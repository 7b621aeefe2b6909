#include <harness/system_messages/pool.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <set>

using namespace harness;
using namespace harness::system_messages;

TEST_SUITE_BEGIN("harness::system_messages");

namespace {

std::vector<Item>
items(int n)
{
  std::vector<Item> out;
  for (int i = 0; i < n; ++i) {
    Item item;
    item.id = "item_" + std::to_string(i);
    out.push_back(item);
  }
  return out;
}

std::vector<std::string>
assigned(const std::vector<Item>& items)
{
  std::vector<std::string> out;
  for (const auto& i : items) {
    out.push_back(i.system->id);
  }
  return out;
}

} // namespace

TEST_CASE("pools in YAML and JSONL")
{
  auto yaml = parse_system_message_pool(TextFile{
      "pool.yaml",
      "system_messages:\n  - id: a\n    text: Be brief.\n  - text: Be warm.\n  - Plain string.\n"});
  REQUIRE(yaml);
  REQUIRE(yaml->size() == 3);
  CHECK((*yaml)[0].id == "a");
  CHECK((*yaml)[1].id == "pool-2");
  CHECK((*yaml)[2].text == "Plain string.");

  auto jsonl = parse_system_message_pool(
      TextFile{"p.jsonl", "{\"id\": \"x\", \"system\": \"S\"}\n{\"text\": \"T\"}\n"});
  REQUIRE(jsonl);
  CHECK((*jsonl)[0].text == "S");
  CHECK((*jsonl)[1].id == "p-2");

  auto dup =
      parse_system_message_pool(TextFile{"d.yaml", "- {id: a, text: x}\n- {id: a, text: y}\n"});
  REQUIRE_FALSE(dup);
  CHECK(dup.error().message.find("d.yaml:2") == 0);
  CHECK(dup.error().message.find("duplicate 'a'") != std::string::npos);
  CHECK_FALSE(parse_system_message_pool(TextFile{"e.yaml", "[]\n"}));
  CHECK_FALSE(parse_system_message_pool(TextFile{"e.jsonl", "{\"id\": 1}\n"}));
}

TEST_CASE("assignment depends only on (seed, item id)")
{
  std::vector<SystemMessage> pool;
  for (int i = 0; i < 24; ++i) {
    pool.push_back({"m" + std::to_string(i), "text " + std::to_string(i)});
  }
  auto a = items(200);
  auto b = items(200);
  assign_from_pool(a, pool, 7);
  assign_from_pool(b, pool, 7);
  CHECK(assigned(a) == assigned(b));

  auto c = items(200);
  assign_from_pool(c, pool, 8);
  auto same = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    same += a[i].system->id == c[i].system->id;
  }
  CHECK(same < 40); // about 1 in 24 by chance

  // Reordering or dropping other items changes nothing for an item.
  auto reversed = items(200);
  std::reverse(reversed.begin(), reversed.end());
  reversed.resize(50);
  assign_from_pool(reversed, pool, 7);
  for (const auto& item : reversed) {
    auto index = static_cast<size_t>(std::stoi(item.id.substr(5)));
    CHECK(item.system->id == a[index].system->id);
  }
  // The whole pool gets used.
  auto ids = assigned(a);
  std::set<std::string> used(ids.begin(), ids.end());
  CHECK(used.size() == 24);
}

TEST_CASE("pool_index is a fixed function (stable across platforms and releases)")
{
  // Expected values from Python: int(hashlib.sha256(b"7:koala_0").hexdigest()[:16], 16)
  // is 0x6e09bf58ed0718ca; modulo 1000003 that is 500065.
  CHECK(pool_index(7, "koala_0", 1000003) == 500065);
  CHECK(pool_index(0, "x", 1) == 0);
}

TEST_CASE("the shipped pool assigns these messages to these koala items with seed 1")
{
  // Derived in Python from data/system_messages/unseen_pool.yaml (24 messages, in file
  // order) with index = int(sha256(f"1:{item_id}")[:16], 16) % 24.
  auto file = read_text_file(EVALRUN_SOURCE_DIR "/data/system_messages/unseen_pool.yaml");
  REQUIRE(file);
  auto pool = parse_system_message_pool(*file);
  REQUIRE(pool);
  REQUIRE(pool->size() == 24);
  std::vector<Item> koala;
  for (const char* id : {"koala_0", "koala_1", "koala_2", "koala_179"}) {
    Item item;
    item.id = id;
    koala.push_back(item);
  }
  assign_from_pool(koala, *pool, 1);
  CHECK(assigned(koala) == std::vector<std::string>{"pool-storyteller", "pool-data-analyst",
                                                    "pool-terse-engineer", "pool-data-analyst"});
}

TEST_SUITE_END();
