#include <harness/benchmark.hpp>
#include <harness/item_reader.hpp>
#include <harness/text_file.hpp>

#include <doctest/doctest.h>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

using namespace harness;

TEST_SUITE_BEGIN("harness::item_reader");

namespace {

// The item of a record: its "id" and one turn, its "prompt".
Result<Item>
make(const nlohmann::json& record, size_t index)
{
  if (!record.contains("prompt")) {
    return Error(Error::Kind::config, "field 'prompt': missing");
  }
  Item item;
  item.id = record.value("id", "r" + std::to_string(index));
  item.turns.push_back(record["prompt"].get<std::string>());
  return item;
}

std::string
write(const std::string& name, const std::string& content)
{
  std::ofstream(name, std::ios::binary) << content;
  return name;
}

// Every item of `path` read a line at a time, or the Error that ended the reading.
Result<std::vector<Item>>
read_all(const std::string& path, std::optional<size_t> limit = {}, bool check_duplicates = true)
{
  RecordsReading reading;
  reading.path = path;
  reading.make = make;
  reading.limit = limit;
  reading.check_duplicates = check_duplicates;
  auto reader = read_records(reading);
  std::vector<Item> items;
  for (;;) {
    auto next = reader->next();
    if (!next) {
      return next.error();
    }
    if (!*next) {
      return items;
    }
    items.push_back(std::move(**next));
  }
}

// The same file loaded whole, as a benchmark adapter reads it.
Result<std::vector<Item>>
load_whole(const std::string& path)
{
  auto file = read_text_file(path);
  REQUIRE(file);
  return items_from_records(*file, make);
}

} // namespace

TEST_CASE("records are read in order, blank lines skipped, up to the limit, prepared")
{
  auto path = write("three.jsonl", "{\"id\": \"a\", \"prompt\": \"one\"}\n"
                                   "\n"
                                   "   \r\n"
                                   "{\"id\": \"b\", \"prompt\": \"two\"}\n"
                                   "{\"prompt\": \"three\"}"); // no final newline
  auto items = read_all(path);
  REQUIRE(items);
  REQUIRE(items->size() == 3);
  CHECK((*items)[0].id == "a");
  CHECK((*items)[1].turns == std::vector<std::string>{"two"});
  CHECK((*items)[2].id == "r2"); // the index counts records, not lines
  auto two = read_all(path, 2);
  REQUIRE(two);
  CHECK(two->size() == 2);

  RecordsReading reading;
  reading.path = path;
  reading.make = make;
  reading.prepare = [](Item& item) {
    item.category = "prepared " + item.id;
  };
  auto first = read_records(reading)->next();
  REQUIRE(first);
  REQUIRE(*first);
  CHECK((*first)->category == "prepared a");
}

TEST_CASE("a bad line is an error naming the file and line, as when the file is loaded whole")
{
  struct Case
  {
    std::string content;
    std::string expected; // after "FILE:"
  };
  const std::vector<Case> cases = {
      {"{\"id\": \"a\", \"prompt\": \"x\"}\n[1, 2]\n", "2: expected a JSON object"},
      {"{\"id\": \"a\", \"prompt\": \"x\"}\n\n{\"id\": \"b\"}\n", "3: field 'prompt': missing"},
      {"{\"id\": \"a\", \"prompt\": \"x\"}\n{\"id\": \"b\", \"prompt\": \"y\"}\n"
       "{\"id\": \"a\", \"prompt\": \"z\"}\n",
       "3: duplicate item id 'a' (first at line 1)"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    CAPTURE(i);
    auto path = write("bad" + std::to_string(i) + ".jsonl", cases[i].content);
    auto streamed = read_all(path);
    REQUIRE_FALSE(streamed);
    CHECK(streamed.error().message == path + ":" + cases[i].expected);
    auto whole = load_whole(path);
    REQUIRE_FALSE(whole);
    CHECK(whole.error().message == streamed.error().message);
  }
  // Not JSON: the parser's own words follow, the same either way.
  auto path = write("broken.jsonl", "{\"id\": \"a\", \"prompt\": \"x\"}\n{\"id\": \n");
  auto streamed = read_all(path);
  REQUIRE_FALSE(streamed);
  CHECK(streamed.error().message.rfind(path + ":2: not valid JSON: ", 0) == 0);
  CHECK(load_whole(path).error().message == streamed.error().message);
}

TEST_CASE("an empty or missing file is an error, and duplicates are allowed when not checked")
{
  auto empty = write("empty.jsonl", "\n  \n");
  auto none = read_all(empty);
  REQUIRE_FALSE(none);
  CHECK(none.error().message == empty + ": no records: the benchmark file is empty");
  auto missing = read_all("no-such-file.jsonl");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == "no-such-file.jsonl: cannot open: No such file or directory");
  auto twice = write("twice.jsonl",
                     "{\"id\": \"a\", \"prompt\": \"x\"}\n{\"id\": \"a\", \"prompt\": \"y\"}\n");
  auto both = read_all(twice, {}, false); // the run's own reader leaves that to the check
  REQUIRE(both);
  CHECK(both->size() == 2);
}

TEST_CASE("only a file whose first record is a whole line is read a line at a time")
{
  CHECK(is_json_lines(write("lines.jsonl", "\n{\"prompt\": \"x\"}\n{\"prompt\": \"y\"}\n")));
  CHECK_FALSE(is_json_lines(write("array.json", "[{\"prompt\": \"x\"}]")));
  CHECK_FALSE(is_json_lines(write("spread.json", "{\n  \"prompt\": \"x\"\n}\n")));
  CHECK_FALSE(is_json_lines(write("nothing.jsonl", "")));
  CHECK_FALSE(is_json_lines("no-such-file.jsonl"));
}

TEST_SUITE_END();
