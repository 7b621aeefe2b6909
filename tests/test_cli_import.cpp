#include <cli/commands.hpp>
#include <reports/run_report.hpp>

#include <harness/error.hpp>
#include <harness/store.hpp>

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <string>

// Imports of FastChat pairwise judgments, checked against counts derived by
// hand with show_result.py's rules: rows with an "error" game are dropped; a
// tie when game 1 is a tie or the games disagree; else the model game 1
// names wins. Both games name the record's model_1/model_2, never A/B.
TEST_SUITE_BEGIN("cli.import");

namespace {

// A line as FastChat's gen_judgment.py writes it (play_a_match_pair).
std::string
fastchat_pair(int question, const std::string& m1, const std::string& m2, const std::string& g1,
              const std::string& g2, int turn = 1)
{
  return "{\"question_id\": " + std::to_string(question) + ", \"model_1\": \"" + m1 +
         "\", \"model_2\": \"" + m2 + "\", \"g1_winner\": \"" + g1 + "\", \"g2_winner\": \"" + g2 +
         "\", \"judge\": [\"gpt-4\", \"pair-v2\"], \"g1_user_prompt\": \"[User Question]...\", "
         "\"g1_judgment\": \"... [[A]]\", \"g2_user_prompt\": \"...\", \"g2_judgment\": \"... "
         "[[B]]\", \"turn\": " +
         std::to_string(turn) + ", \"tstamp\": 1687222209.2}";
}

struct Counts
{
  long wins, ties, losses, unrated;
};

std::map<std::string, Counts>
import_and_count(const std::string& db, const std::string& lines)
{
  std::ofstream("gpt-4_pair.jsonl") << lines;
  cli::ImportOptions options;
  options.format = "fastchat";
  options.file = "gpt-4_pair.jsonl";
  options.db = db;
  REQUIRE(cli::import_command(options) == 0);
  harness::Store store(db);
  std::map<std::string, Counts> out;
  for (const auto& r : reports::collect(store)) {
    CHECK(r.run.protocol == "pairwise");
    out[r.run.model] = {r.pairwise.wins, r.pairwise.ties, r.pairwise.losses,
                        r.pairwise.parse_failures};
  }
  return out;
}

} // namespace

TEST_CASE("pairwise-baseline file: model_1 against one baseline, the baseline's row left out")
{
  auto counts = import_and_count(
      "baseline.db",
      fastchat_pair(81, "vicuna-13b", "gpt-3.5-turbo", "model_1", "model_1") + "\n" +     // win
          fastchat_pair(82, "vicuna-13b", "gpt-3.5-turbo", "model_2", "model_2") + "\n" + // loss
          fastchat_pair(83, "vicuna-13b", "gpt-3.5-turbo", "tie", "model_1") + "\n" +     // tie
          fastchat_pair(84, "vicuna-13b", "gpt-3.5-turbo", "model_1", "model_2") + "\n" + // tie
          fastchat_pair(85, "vicuna-13b", "gpt-3.5-turbo", "error", "model_1") + "\n" +   // dropped
          fastchat_pair(81, "vicuna-13b", "gpt-3.5-turbo", "model_1", "tie", 2) + "\n");  // tie
  REQUIRE(counts.size() == 1);
  REQUIRE(counts.count("vicuna-13b"));
  const auto& c = counts["vicuna-13b"];
  CHECK(c.wins == 1);
  CHECK(c.losses == 1);
  CHECK(c.ties == 3);
  CHECK(c.unrated == 1);

  harness::Store store("baseline.db");
  auto report = reports::collect(store).front();
  CHECK(report.run.baseline == "gpt-3.5-turbo");
  CHECK(report.pairwise.n == 5);
  CHECK(*report.pairwise.win_rate == doctest::Approx(0.2));
  CHECK(*report.pairwise.adjusted == doctest::Approx(0.5)); // (1 + 0.5 * 3) / 5
}

TEST_CASE("pairwise-all file: every model's row counts its games on either side")
{
  auto counts = import_and_count(
      "all.db", fastchat_pair(1, "A", "B", "model_1", "model_1") + "\n" +     // A>B
                    fastchat_pair(1, "A", "C", "model_2", "model_2") + "\n" + // C>A
                    fastchat_pair(1, "B", "C", "tie", "tie") + "\n" +         // B=C
                    fastchat_pair(2, "A", "B", "model_2", "model_1") + "\n" + // A=B
                    fastchat_pair(2, "B", "C", "model_2", "model_2") + "\n"); // C>B
  REQUIRE(counts.size() == 3);
  CHECK(counts["A"].wins == 1);
  CHECK(counts["A"].losses == 1);
  CHECK(counts["A"].ties == 1);
  CHECK(counts["B"].wins == 0);
  CHECK(counts["B"].losses == 2);
  CHECK(counts["B"].ties == 2);
  CHECK(counts["C"].wins == 2);
  CHECK(counts["C"].losses == 0);
  CHECK(counts["C"].ties == 1);
}

TEST_CASE("a row that repeats a question and turn counts again, as show_result.py counts it")
{
  auto counts = import_and_count("repeated.db",
                                 fastchat_pair(81, "m", "base", "model_1", "model_1") + "\n" +
                                     fastchat_pair(81, "m", "base", "model_1", "model_1") + "\n" +
                                     fastchat_pair(82, "m", "base", "tie", "tie") + "\n");
  REQUIRE(counts.count("m"));
  CHECK(counts["m"].wins == 2);
  CHECK(counts["m"].ties == 1);
}

TEST_CASE("a game verdict that is not model_1, model_2, tie or error imports nothing")
{
  std::ofstream("bad.jsonl") << fastchat_pair(1, "A", "B", "model_1", "model_1") << "\n"
                             << fastchat_pair(2, "A", "B", "A", "A") << "\n";
  cli::ImportOptions options;
  options.format = "fastchat";
  options.file = "bad.jsonl";
  options.db = "bad.db";
  CHECK_THROWS_WITH_AS(cli::import_command(options),
                       doctest::Contains("bad.jsonl:2: field 'g1_winner': 'A' is not model_1"),
                       harness::Fatal);
  harness::Store store("bad.db");
  CHECK(reports::collect(store).empty());
}

TEST_SUITE_END();
