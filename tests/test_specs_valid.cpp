#include <cli/catalog.hpp>

#include <harness/config.hpp>
#include <harness/rubric_spec.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>

using namespace harness;

TEST_SUITE_BEGIN("specs");

TEST_CASE("every shipped benchmark spec loads, with items, a judge and data files present")
{
  // The published sizes (data/SOURCES.md); multifaceted reads the file it is given.
  const std::map<std::string, size_t> k_items = {
      {"alpacaeval", 805},      {"flask", 1740},     {"flask_hard", 89},
      {"flask_original", 1700}, {"koala", 180},      {"mtbench", 80},
      {"selfinstruct", 252},    {"multifaceted", 1}, {"arenahard", 500}};
  int checked = 0;
  for (const auto& path : cli::bench_spec_paths(EVALRUN_SOURCE_DIR)) {
    CAPTURE(path.string());
    auto spec = load_bench_spec(path, EVALRUN_SOURCE_DIR);
    REQUIRE(spec);
    CHECK(spec->name == path.stem().string());
    CHECK_FALSE(spec->version.empty());
    CHECK_FALSE(spec->description.empty());
    if (spec->adapter == "multifaceted") {
      auto bench = cli::load_bench(EVALRUN_SOURCE_DIR, path.string(),
                                   EVALRUN_SOURCE_DIR
                                   "/data/multifaceted_bench/example_instance_from_README.json");
      CHECK(bench.items.size() == k_items.at(spec->name));
      CHECK(bench.judge);
    } else {
      auto bench = cli::load_bench(EVALRUN_SOURCE_DIR, path.string());
      REQUIRE(k_items.count(spec->name));
      CHECK(bench.items.size() == k_items.at(spec->name));
      CHECK(bench.judge);
    }
    ++checked;
  }
  CHECK(checked >= 9);
}

TEST_CASE("a spec can extend another, `extends` chains are refused")
{
  TextFile base{"base.yaml",
                "name: base\nversion: '1'\nadapter: records\ndescription: d\n"
                "files: {records: a.jsonl, x: b.jsonl}\nrecords: {prompt: p, id: i}\n"};
  TextFile child{"child.yaml", "extends: base\nname: child\nfiles: {records: c.jsonl}\n"};
  auto spec = parse_bench_spec(child, "/h", &base);
  REQUIRE(spec);
  CHECK(spec->name == "child");
  CHECK(spec->version == "1");
  CHECK(spec->files.at("records") == "/h/c.jsonl");
  CHECK(spec->files.at("x") == "/h/b.jsonl");
  CHECK(spec->records.prompt == std::vector<std::string>{"p"});
  TextFile chained{"base.yaml", "extends: other\nname: base\n"};
  CHECK_FALSE(parse_bench_spec(child, "/h", &chained));
}

TEST_CASE("a rubric can extend a shipped one and override its criteria, scale or prompts")
{
  std::filesystem::create_directories("adhoc");
  std::ofstream("adhoc/concise.yaml")
      << "extends: prometheus-absolute\nname: concise\nversion: '2'\n"
         "criteria:\n  - criteria: Is it concise?\n"
         "    score_descriptions: {'1': a, '2': b, '3': c, '4': d, '5': e}\n"
         "params: {temperature: 0}\n";
  auto base = load_rubric(EVALRUN_SOURCE_DIR, "prometheus-absolute");
  auto rubric = load_rubric(EVALRUN_SOURCE_DIR, "adhoc/concise.yaml");
  REQUIRE(base);
  REQUIRE(rubric);
  CHECK(rubric->id() == "concise@2");
  CHECK(rubric->protocol == "absolute");
  REQUIRE(rubric->criteria.size() == 1);
  CHECK(rubric->criteria[0].criteria == "Is it concise?");
  CHECK(rubric->criteria[0].score_descriptions.at("5") == "e");
  // What is not overridden comes from the base, field by field.
  CHECK(rubric->prompts.at("default").template_text == base->prompts.at("default").template_text);
  CHECK(rubric->pattern == base->pattern);
  CHECK(rubric->scale_max == base->scale_max);
  CHECK(rubric->params.temperature == 0.0);
  CHECK(rubric->params.max_tokens == base->params.max_tokens);

  std::ofstream("adhoc/nameless.yaml") << "extends: prometheus-absolute\nversion: '1'\n";
  auto nameless = load_rubric(EVALRUN_SOURCE_DIR, "adhoc/nameless.yaml");
  REQUIRE_FALSE(nameless);
  CHECK(nameless.error().message.find("needs a name of its own") != std::string::npos);

  std::ofstream("adhoc/missing.yaml") << "name: m\nversion: '1'\nextends: no-such-rubric\n";
  auto missing = load_rubric(EVALRUN_SOURCE_DIR, "adhoc/missing.yaml");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("adhoc/missing.yaml:3: field 'extends'") == 0);
}

TEST_SUITE_END();
