#include <benchmarks/arena_hard.hpp>

#include <harness/config.hpp>

#include <doctest/doctest.h>

#include <map>
#include <set>

using namespace harness;

// Arena-Hard-Auto v0.1's shipped data, checked against the counts its
// FORMAT notes give: 500 questions in 250 clusters of two, and gpt-4-0314's
// token_len summing to 211,631 (so the printed average #tokens is 423).
TEST_SUITE_BEGIN("benchmarks::arena_hard");

namespace {

BenchSpec
arena_spec()
{
  BenchSpec s;
  s.name = "arenahard";
  s.adapter = "arena_hard";
  s.defined_in = "arenahard.yaml";
  return s;
}

FileSet
files_of(const std::string& questions, const std::string& references)
{
  FileSet files;
  files["questions"] = TextFile{"question.jsonl", questions};
  files["references"] = TextFile{"gpt-4-0314.jsonl", references};
  return files;
}

} // namespace

TEST_CASE("the shipped questions and gpt-4-0314 answers load as 500 single-turn items")
{
  FileSet files;
  auto q = read_text_file(EVALRUN_SOURCE_DIR "/data/arena_hard/arena-hard-v0.1/question.jsonl");
  auto r = read_text_file(EVALRUN_SOURCE_DIR
                          "/data/arena_hard/arena-hard-v0.1/model_answer/gpt-4-0314.jsonl");
  REQUIRE(q);
  REQUIRE(r);
  files["questions"] = *q;
  files["references"] = *r;
  auto items = benchmarks::load_arena_hard(arena_spec(), files);
  REQUIRE(items);
  REQUIRE(items->size() == 500);
  std::map<std::string, int> clusters;
  std::set<std::string> ids;
  long tokens = 0;
  for (const auto& item : *items) {
    CHECK(item.turns.size() == 1);
    CHECK(item.references.size() == 1);
    CHECK(item.category == "arena-hard-v0.1");
    CHECK(item.id.size() == 32);
    ids.insert(item.id);
    ++clusters[item.meta.at("cluster").at(0)];
    tokens += std::stol(item.meta.at("baseline_token_len").at(0));
  }
  CHECK(ids.size() == 500);
  CHECK(clusters.size() == 250);
  for (const auto& [name, n] : clusters) {
    CHECK(n == 2);
  }
  CHECK(tokens == 211631);
  // The first line of question.jsonl, and its answer (the answers file is in id order).
  CHECK(items->front().turns[0].find("ABC") != std::string::npos);
}

TEST_CASE("a question without a baseline answer, a repeated id and a bad field are named")
{
  const std::string q1 =
      R"({"question_id":"q1","category":"c","cluster":"k","turns":[{"content":"Q1"}]})";
  const std::string q2 =
      R"({"question_id":"q2","category":"c","cluster":"k","turns":[{"content":"Q2"}]})";
  const std::string a1 =
      R"({"question_id":"q1","choices":[{"index":0,"turns":[{"content":"old","token_len":3}]}]})";
  const std::string a1_again =
      R"({"question_id":"q1","choices":[{"index":0,"turns":[{"content":"A1","token_len":7}]}]})";

  auto items = benchmarks::load_arena_hard(arena_spec(), files_of(q1 + "\n", a1 + "\n" + a1_again));
  REQUIRE(items);
  CHECK(items->at(0).references.at(0) == "A1"); // the last line of a repeated answer wins
  CHECK(items->at(0).meta.at("baseline_token_len").at(0) == "7");

  auto missing = benchmarks::load_arena_hard(arena_spec(), files_of(q1 + "\n" + q2, a1));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("q2") != std::string::npos);
  CHECK(missing.error().message.find("no baseline answer") != std::string::npos);

  auto twice = benchmarks::load_arena_hard(arena_spec(), files_of(q1 + "\n" + q1, a1));
  REQUIRE_FALSE(twice);
  CHECK(twice.error().message.find("question.jsonl:2") != std::string::npos);
  CHECK(twice.error().message.find("appears twice") != std::string::npos);

  auto bad = benchmarks::load_arena_hard(
      arena_spec(), files_of(R"({"question_id":"q1","category":"c","turns":["Q1"]})", a1));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("question.jsonl:1") != std::string::npos);
  CHECK(bad.error().message.find("'turns'") != std::string::npos);
}

TEST_SUITE_END();
