#include <cli/catalog.hpp>

#include <harness/config.hpp>

#include <doctest/doctest.h>

using namespace harness;

TEST_SUITE_BEGIN("specs");

TEST_CASE("every shipped benchmark spec loads, with items, a judge and data files present")
{
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
      CHECK(bench.items.size() == 1);
      CHECK(bench.judge);
    } else {
      auto bench = cli::load_bench(EVALRUN_SOURCE_DIR, path.string());
      CHECK_FALSE(bench.items.empty());
      CHECK(bench.judge);
    }
    ++checked;
  }
  CHECK(checked >= 8);
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

TEST_SUITE_END();
