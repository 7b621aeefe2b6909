#include <benchmarks/records.hpp>
#include <cli/catalog.hpp>

#include <harness/text_file.hpp>

#include <doctest/doctest.h>

#include <map>
#include <set>

using namespace harness;

TEST_SUITE_BEGIN("benchmarks::records");

namespace {

cli::LoadedBench
shipped_bench(const std::string& name)
{
  return cli::load_bench(EVALRUN_SOURCE_DIR, name);
}

BenchSpec
inline_spec()
{
  BenchSpec s;
  s.name = "t";
  s.defined_in = "t.yaml";
  s.records.id = {"idx", "question_id"};
  s.records.prompt = {"instruction", "text"};
  s.records.input = {"instances.0.input"};
  s.records.input_separator = "\nInput: ";
  s.records.reference = {"answer"};
  s.records.category = {"task"};
  s.records.meta = {{"skills", {"skill", "metrics"}}};
  return s;
}

} // namespace

TEST_CASE("AlpacaEval 2.0: 805 instructions in upstream order, baseline outputs as references")
{
  auto b = shipped_bench("alpacaeval");
  REQUIRE(b.items.size() == 805);
  CHECK(b.items[0].id == "alpacaeval_0");
  CHECK(b.items[804].id == "alpacaeval_804");
  std::map<std::string, int> datasets;
  std::set<std::string> prompts;
  for (const auto& item : b.items) {
    REQUIRE(item.turns.size() == 1);
    REQUIRE(item.references.size() == 1);
    ++datasets[item.category];
    prompts.insert(item.turns[0]);
    CHECK(item.source == "alpacaeval");
  }
  CHECK(prompts.size() == 805);
  CHECK(datasets == std::map<std::string, int>{{"helpful_base", 129},
                                               {"koala", 156},
                                               {"oasst", 188},
                                               {"selfinstruct", 252},
                                               {"vicuna", 80}});
}

TEST_CASE("Koala: 180 prompts koala_0..koala_179, UTF-8 and embedded newlines kept")
{
  auto b = shipped_bench("koala");
  REQUIRE(b.items.size() == 180);
  CHECK(b.items.front().id == "koala_0");
  CHECK(b.items.back().id == "koala_179");
  int with_newline = 0;
  for (const auto& item : b.items) {
    CHECK(item.references.empty());
    with_newline += item.turns[0].find('\n') != std::string::npos;
  }
  CHECK(with_newline == 33);
}

TEST_CASE("Self-Instruct: 252 tasks, input merged exactly as AlpacaEval does")
{
  auto si = shipped_bench("selfinstruct");
  REQUIRE(si.items.size() == 252);
  std::set<std::string> merged;
  for (const auto& item : si.items) {
    REQUIRE(item.references.size() == 1);
    merged.insert(item.turns[0]);
  }
  std::set<std::string> alpaca;
  for (const auto& item : shipped_bench("alpacaeval").items) {
    if (item.category == "selfinstruct") {
      alpaca.insert(item.turns[0]);
    }
  }
  // Every merged prompt is character-for-character an AlpacaEval instruction.
  CHECK(merged == alpaca);
  CHECK(si.items[0].turns[0].starts_with("The sentence you are given might be too wordy"));
  CHECK(si.items[0].turns[0].find("\n\nIf you have any questions about my rate") !=
        std::string::npos);
}

TEST_CASE("Self-Instruct merged the FLASK way matches FLASK's Self-instruct items")
{
  auto si = shipped_bench("selfinstruct");
  auto spec = si.spec;
  spec.records.input_separator = "\nInput: ";
  harness::FileSet files; // read again: a loaded benchmark keeps only its files' paths and hashes
  for (const auto& [key, file] : si.files) {
    auto again = harness::read_text_file(file.path);
    REQUIRE(again);
    files[key] = std::move(*again);
  }
  auto items = benchmarks::load_records(spec, files);
  REQUIRE(items);
  std::set<std::string> merged;
  for (const auto& item : *items) {
    merged.insert(item.turns[0]);
  }
  std::set<std::string> flask;
  for (const auto& item : shipped_bench("flask").items) {
    if (item.category == "Self-instruct") {
      flask.insert(item.turns[0]);
    }
  }
  CHECK(flask.size() == 252);
  CHECK(merged == flask);
}

TEST_CASE("FLASK: current set, FLASK-Hard and the original release's key names")
{
  auto current = shipped_bench("flask");
  REQUIRE(current.items.size() == 1740);
  CHECK(current.items[0].id == "1");
  CHECK(current.items[0].meta.at("skills").size() == 3);
  CHECK(current.items[0].references.size() == 1);
  CHECK(current.items[0].meta.count("difficulty") == 1);
  auto hard = shipped_bench("flask_hard");
  CHECK(hard.items.size() == 89);
  for (const auto& item : hard.items) {
    CHECK(item.meta.at("difficulty") == std::vector<std::string>{"expert level knowledge"});
  }
  auto original = shipped_bench("flask_original");
  REQUIRE(original.items.size() == 1700);
  // question_id / text / metrics, read through the same spec.
  CHECK(original.items[0].id == "1");
  CHECK(original.items[0].meta.at("skills") ==
        std::vector<std::string>{"Readability", "Logical Correctness", "Conciseness"});
  CHECK(original.items[0].turns[0] == current.items[0].turns[0]);
  // The literal backslash-n of the source data is kept as is.
  int escaped = 0;
  for (const auto& item : current.items) {
    escaped += item.turns[0].find("\\n") != std::string::npos;
  }
  CHECK(escaped == 577);
}

TEST_CASE("records: both key schemas from one spec, errors name line and field")
{
  FileSet files;
  files["records"] =
      TextFile{"r.jsonl", "{\"idx\": 7, \"instruction\": \"A\", \"answer\": \"x\", \"task\": "
                          "\"T\", \"skill\": [\"S1\"]}\n"
                          "{\"question_id\": 8, \"text\": \"B\", \"metrics\": [\"S2\", \"S3\"]}\n"};
  auto items = benchmarks::load_records(inline_spec(), files);
  REQUIRE(items);
  REQUIRE(items->size() == 2);
  CHECK((*items)[0].id == "7");
  CHECK((*items)[0].meta.at("skills") == std::vector<std::string>{"S1"});
  CHECK((*items)[1].id == "8");
  CHECK((*items)[1].turns[0] == "B");
  CHECK((*items)[1].meta.at("skills") == std::vector<std::string>{"S2", "S3"});

  files["records"] = TextFile{"r.jsonl", "{\"idx\": 1, \"instruction\": \"A\"}\n{\"idx\": 2}\n"};
  auto missing = benchmarks::load_records(inline_spec(), files);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("r.jsonl:2") == 0);
  CHECK(missing.error().message.find("'instruction' or 'text'") != std::string::npos);

  files["records"] = TextFile{"r.jsonl", "{\"idx\": 1, \"instruction\": [1]}\n"};
  auto wrong = benchmarks::load_records(inline_spec(), files);
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message.find("expected a string") != std::string::npos);
}

TEST_CASE("records: input appended only when non-empty")
{
  auto spec = inline_spec();
  FileSet files;
  files["records"] = TextFile{
      "r.jsonl", "{\"idx\": 1, \"instruction\": \"Do\", \"instances\": [{\"input\": \"\"}]}\n"
                 "{\"idx\": 2, \"instruction\": \"Do\", \"instances\": [{\"input\": \"this\"}]}\n"};
  auto items = benchmarks::load_records(spec, files);
  REQUIRE(items);
  CHECK((*items)[0].turns[0] == "Do");
  CHECK((*items)[1].turns[0] == "Do\nInput: this");
}

TEST_SUITE_END();
