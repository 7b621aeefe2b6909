#include <benchmarks/mtbench.hpp>
#include <benchmarks/registry.hpp>

#include <harness/config.hpp>

#include <doctest/doctest.h>

#include <map>

using namespace harness;

TEST_SUITE_BEGIN("benchmarks::mtbench");

namespace {

BenchSpec
mtbench_spec()
{
  BenchSpec s;
  s.name = "mtbench";
  s.version = "1";
  s.adapter = "mtbench";
  s.defined_in = "mtbench.yaml";
  s.generation.temperature = 0.7;
  s.category_temperature = {{"math", 0.0}, {"stem", 0.1}};
  return s;
}

FileSet
shipped_files()
{
  FileSet files;
  auto q = read_text_file(EVALRUN_SOURCE_DIR "/data/mt_bench/question.jsonl");
  auto r = read_text_file(EVALRUN_SOURCE_DIR "/data/mt_bench/reference_answer/gpt-4.jsonl");
  REQUIRE(q);
  REQUIRE(r);
  files["questions"] = *q;
  files["references"] = *r;
  return files;
}

} // namespace

TEST_CASE("the shipped MT-Bench has 80 questions, 2 turns each, 10 per category")
{
  auto items = benchmarks::load_mtbench(mtbench_spec(), shipped_files());
  REQUIRE(items);
  REQUIRE(items->size() == 80);
  std::map<std::string, int> per_category;
  for (const auto& item : *items) {
    CHECK(item.turns.size() == 2);
    ++per_category[item.category];
  }
  CHECK(per_category.size() == 8);
  for (const auto& [name, n] : per_category) {
    CHECK_MESSAGE(n == 10, name);
  }
  CHECK(items->front().id == "81");
  CHECK(items->back().id == "160");
}

TEST_CASE("GPT-4 references are attached to 101..130, not the inline ones")
{
  auto items = benchmarks::load_mtbench(mtbench_spec(), shipped_files());
  REQUIRE(items);
  int with_refs = 0;
  bool saw_104 = false;
  for (const auto& item : *items) {
    int id = std::stoi(item.id);
    CHECK((!item.references.empty()) == (id >= 101 && id <= 130));
    with_refs += !item.references.empty();
    if (id == 104) {
      saw_104 = true;
      // The inline reference says "David has no brother"; FastChat judges with the GPT-4 file.
      CHECK(item.references[0].find("one brother") != std::string::npos);
    }
  }
  CHECK(with_refs == 30);
  CHECK(saw_104);
}

TEST_CASE("per-category temperature, else the spec default")
{
  auto items = benchmarks::load_mtbench(mtbench_spec(), shipped_files());
  REQUIRE(items);
  for (const auto& item : *items) {
    double expected = item.category == "math" ? 0.0 : item.category == "stem" ? 0.1 : 0.7;
    CHECK(item.params.temperature == expected);
  }
}

TEST_CASE("bad question lines name the file, line and field")
{
  FileSet files;
  files["questions"] =
      TextFile{"q.jsonl", "{\"question_id\": 1, \"category\": \"x\", \"turns\": [\"a\"]}\n"
                          "{\"question_id\": 2, \"category\": \"x\", \"turns\": \"a\"}\n"};
  auto r = benchmarks::load_mtbench(mtbench_spec(), files);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("q.jsonl:2") == 0);
  CHECK(r.error().message.find("'turns'") != std::string::npos);

  files["questions"] = TextFile{"q.jsonl", "not json\n"};
  auto bad_json = benchmarks::load_mtbench(mtbench_spec(), files);
  REQUIRE_FALSE(bad_json);
  CHECK(bad_json.error().message.find("q.jsonl:1: not valid JSON") == 0);
}

TEST_CASE("the registry knows the mtbench adapter")
{
  CHECK((benchmarks::find_loader("mtbench") == &benchmarks::load_mtbench));
  CHECK((benchmarks::find_loader("nope") == nullptr));
}

TEST_CASE("the shipped spec gives FastChat's temperature_config for all eight categories")
{
  // fastchat/llm_judge/common.py temperature_config.
  const std::map<std::string, double> fastchat = {
      {"writing", 0.7}, {"roleplay", 0.7},  {"extraction", 0.0}, {"math", 0.0},
      {"coding", 0.0},  {"reasoning", 0.0}, {"stem", 0.1},       {"humanities", 0.1}};
  auto spec = load_bench_spec(EVALRUN_SOURCE_DIR "/benchmarks/mtbench.yaml", EVALRUN_SOURCE_DIR);
  REQUIRE(spec);
  auto items = benchmarks::load_mtbench(*spec, shipped_files());
  REQUIRE(items);
  std::map<std::string, int> seen;
  for (const auto& item : *items) {
    REQUIRE(fastchat.count(item.category));
    REQUIRE(item.params.temperature);
    CHECK(*item.params.temperature == fastchat.at(item.category));
    ++seen[item.category];
  }
  CHECK(seen.size() == 8);
}

TEST_SUITE_END();
