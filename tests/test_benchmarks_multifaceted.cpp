#include <benchmarks/multifaceted.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace harness;
using nlohmann::json;

TEST_SUITE_BEGIN("benchmarks::multifaceted");

namespace {

json
readme_example()
{
  auto file = read_text_file(EVALRUN_SOURCE_DIR
                             "/data/multifaceted_bench/example_instance_from_README.json");
  REQUIRE(file);
  return json::parse(file->content);
}

FileSet
files_with(const std::string& name, const std::string& content)
{
  FileSet files;
  files["records"] = TextFile{name, content};
  auto map = read_text_file(EVALRUN_SOURCE_DIR "/data/multifaceted_bench/source_map.json");
  REQUIRE(map);
  files["source_map"] = *map;
  return files;
}

BenchSpec
multifaceted_spec()
{
  BenchSpec s;
  s.name = "multifaceted";
  s.defined_in = "multifaceted.yaml";
  return s;
}

} // namespace

TEST_CASE("the README example, as one JSONL line, loads with every field")
{
  auto example = readme_example();
  auto items = benchmarks::load_multifaceted(multifaceted_spec(),
                                             files_with("one.jsonl", example.dump() + "\n"));
  REQUIRE(items);
  REQUIRE(items->size() == 1);
  const auto& item = (*items)[0];
  CHECK(item.id == "multifaceted_0"); // no id in the README example
  CHECK(item.category == "Alpha-nlg (art)");
  CHECK(item.source == "flask");
  REQUIRE(item.system);
  CHECK(item.system->text.starts_with("You are an imaginative Pet Care Narrator"));
  CHECK(item.system->id.starts_with("sm-"));
  CHECK(item.turns == std::vector<std::string>{example["prompt"].get<std::string>()});
  CHECK(item.references ==
        std::vector<std::string>{example["reference_answer"].get<std::string>()});
  REQUIRE(item.rubrics.size() == 4);
  CHECK(item.rubrics[0].criteria.starts_with("Does the model's response employ evocative"));
  CHECK(item.rubrics[3].score_descriptions.at("5").starts_with("The response consistently"));
}

TEST_CASE("a file using `rubrics` (the code's key), as a JSON array with ids")
{
  auto example = readme_example();
  example["rubrics"] = example["rubric"];
  example.erase("rubric");
  example["id"] = "mf-1";
  example["source"] = "koala";
  auto items = benchmarks::load_multifaceted(
      multifaceted_spec(), files_with("arr.json", json::array({example}).dump(2)));
  REQUIRE(items);
  CHECK((*items)[0].id == "mf-1");
  CHECK((*items)[0].source == "koala");
  CHECK((*items)[0].rubrics.size() == 4);
}

TEST_CASE("the README file itself (one pretty-printed object) loads")
{
  auto file = read_text_file(EVALRUN_SOURCE_DIR
                             "/data/multifaceted_bench/example_instance_from_README.json");
  REQUIRE(file);
  auto items =
      benchmarks::load_multifaceted(multifaceted_spec(), files_with("x.json", file->content));
  REQUIRE(items);
  CHECK(items->size() == 1);
}

TEST_CASE("missing fields and malformed rubrics name line and field")
{
  auto example = readme_example();
  auto no_system = example;
  no_system.erase("system");
  auto r = benchmarks::load_multifaceted(
      multifaceted_spec(), files_with("m.jsonl", example.dump() + "\n" + no_system.dump() + "\n"));
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("m.jsonl:2") == 0);
  CHECK(r.error().message.find("'system'") != std::string::npos);

  auto bad_scores = example;
  bad_scores["rubric"][1]["score_descriptions"].erase("4");
  auto r2 = benchmarks::load_multifaceted(multifaceted_spec(),
                                          files_with("m.jsonl", bad_scores.dump() + "\n"));
  REQUIRE_FALSE(r2);
  CHECK(r2.error().message.find("rubric[1].score_descriptions.4") != std::string::npos);

  auto no_rubrics = example;
  no_rubrics.erase("rubric");
  auto r3 = benchmarks::load_multifaceted(multifaceted_spec(),
                                          files_with("m.jsonl", no_rubrics.dump() + "\n"));
  REQUIRE_FALSE(r3);
  CHECK(r3.error().message.find("neither 'rubrics' nor 'rubric'") != std::string::npos);
}

TEST_CASE("source names map to the five benchmarks, unknown ones are kept as unknown")
{
  auto example = readme_example();
  std::string lines;
  for (const char* source :
       {"alpaca_eval", "koala", "mt_bench", "self_instruct", "Koala", "Vicuna", "somewhere"}) {
    example["source"] = source;
    lines += example.dump() + "\n";
  }
  auto items = benchmarks::load_multifaceted(multifaceted_spec(), files_with("s.jsonl", lines));
  REQUIRE(items);
  std::vector<std::string> sources;
  for (const auto& item : *items) {
    sources.push_back(item.source);
  }
  CHECK(sources == std::vector<std::string>{"alpacaeval", "koala", "mtbench", "selfinstruct",
                                            "flask", "flask", "unknown"});
}

TEST_CASE("a duplicate item id names both lines, an empty file is refused")
{
  auto one = readme_example();
  one["id"] = "same";
  auto other = one;
  other["id"] = "another";
  std::string jsonl = one.dump() + "\n" + other.dump() + "\n\n" + one.dump() + "\n";
  auto items = benchmarks::load_multifaceted(multifaceted_spec(), files_with("dup.jsonl", jsonl));
  REQUIRE_FALSE(items);
  CHECK(items.error().message ==
        "dup.jsonl:4: duplicate item id '" + one["id"].get<std::string>() + "' (first at line 1)");

  auto array = json::array({one, other, one}).dump();
  items = benchmarks::load_multifaceted(multifaceted_spec(), files_with("dup.json", array));
  REQUIRE_FALSE(items);
  CHECK(items.error().message == "dup.json: record [2]: duplicate item id '" +
                                     one["id"].get<std::string>() + "' (first at record [0])");

  items = benchmarks::load_multifaceted(multifaceted_spec(), files_with("empty.jsonl", "\n \n"));
  REQUIRE_FALSE(items);
  CHECK(items.error().message == "empty.jsonl: no records: the benchmark file is empty");
}

TEST_SUITE_END();
