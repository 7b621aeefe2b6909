#include <harness/system_messages/unseen_check.hpp>

#include <doctest/doctest.h>

using namespace harness;
using namespace harness::system_messages;

TEST_SUITE_BEGIN("harness::unseen_check");

namespace {

Item
item_with_system(const std::string& id, const std::string& system)
{
  Item i;
  i.id = id;
  i.system = SystemMessage{"sm-" + id, system};
  return i;
}

const std::string k_message = "You are a patient tutor for a curious child. Use short sentences, "
                              "everyday words and one friendly "
                              "comparison to something from school or home, and keep anything "
                              "frightening out of the examples.";

} // namespace

TEST_CASE("exact matches ignore case and whitespace, near matches use n-gram overlap")
{
  std::vector<Item> items = {
      item_with_system("a", k_message), item_with_system("b", k_message + " Always be honest."),
      item_with_system("c", "Reply as a terse senior engineer reading on a phone."),
      item_with_system("d", k_message)}; // same message twice is checked once
  std::string shouting = k_message;
  for (auto& ch : shouting) {
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  std::vector<std::string> seen = {"  " + shouting + "\n",
                                   "A completely unrelated message about gardening."};
  auto report = check_unseen(items, seen, 5, 0.5);
  CHECK(report.checked == 3);
  CHECK(report.exact == 1);
  CHECK(report.near == 1);
  REQUIRE(report.matches.size() == 2);
  CHECK(report.matches[0].item_id == "a");
  CHECK(report.matches[0].exact);
  CHECK(report.matches[0].seen_index == 0);
  CHECK(report.matches[1].item_id == "b");
  CHECK_FALSE(report.matches[1].exact);
  CHECK(report.matches[1].overlap > 0.8);
  CHECK(report.matches[1].overlap < 1.0);
}

TEST_CASE("the threshold decides what is near")
{
  std::vector<Item> items = {
      item_with_system("a", "one two three four five six seven eight nine ten")};
  std::vector<std::string> seen = {"one two three four five six zzz"}; // 2 of 6 five-grams
  CHECK(check_unseen(items, seen, 5, 0.5).near == 0);
  auto low = check_unseen(items, seen, 5, 0.3);
  CHECK(low.near == 1);
  CHECK(low.matches[0].overlap == doctest::Approx(2.0 / 6.0));
}

TEST_CASE("seen files: plain lines or JSONL")
{
  auto lines = parse_seen_messages(TextFile{"seen.txt", "first\n\n  \nsecond\n"});
  REQUIRE(lines);
  CHECK(*lines == std::vector<std::string>{"first", "second"});
  auto jsonl =
      parse_seen_messages(TextFile{"seen.jsonl", "{\"system\": \"a\"}\n{\"text\": \"b\"}\n"});
  REQUIRE(jsonl);
  CHECK(*jsonl == std::vector<std::string>{"a", "b"});
  CHECK_FALSE(parse_seen_messages(TextFile{"seen.jsonl", "{\"other\": 1}\n"}));
}

TEST_SUITE_END();
