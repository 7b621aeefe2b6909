#include <cli/commands.hpp>
#include <reports/run_report.hpp>

#include <harness/error.hpp>
#include <harness/store.hpp>

#include <doctest/doctest.h>

#include <filesystem>
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
  // The judge's diagnostics, by hand: game 1 showed model_1 first, game 2 model_2. Rows 1, 2:
  // consistent, each first place winning one game; row 3 (tie, model_1): inconsistent; row 4
  // (model_1, model_2): a flip, the first place winning both; row 5: unread game 1; row 6
  // (model_1, tie): inconsistent.
  const auto& d = report.diagnostics;
  CHECK(d.verdicts == 6);
  CHECK(d.unreadable == 1);
  CHECK(d.pairs == 5);
  CHECK(d.swap_inconsistent == 3);
  CHECK(d.swap_flips == 1);
  CHECK(d.decisive_games == 9);      // 2 + 2 + 1 + 2 + 1 + 1
  CHECK(d.first_position_wins == 5); // 1 + 1 + 0 + 2 + 0 + 1
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

namespace {

// A line of arena-hard-auto's model_judgment/<judge>/<model>.jsonl (gen_judgment.py):
// games[0] has the baseline as A, games[1] the model; a null score is "null".
std::string
arena_line(const std::string& question, const std::string& model, const std::string& g1,
           const std::string& g2)
{
  auto score = [](const std::string& s) {
    return s == "null" ? s : "\"" + s + "\"";
  };
  return "{\"question_id\": \"" + question + "\", \"model\": \"" + model +
         "\", \"judge\": \"gpt-4-1106-preview\", \"games\": [{\"user_prompt\": \"<|User "
         "Prompt|>\\nQuestion " +
         question +
         "?\\n\\n<|The Start of Assistant A's Answer|>\\nx\\n<|The End of Assistant A's "
         "Answer|>\", \"judgment\": \"\\n... [[" +
         g1 + "]]\", \"score\": " + score(g1) +
         "}, {\"user_prompt\": \"...\", \"judgment\": \"\\n...\", \"score\": " + score(g2) + "}]}";
}

std::string
answer_line(const std::string& question, const std::string& model, int tokens)
{
  return "{\"question_id\": \"" + question + "\", \"answer_id\": \"x\", \"model_id\": \"" + model +
         "\", \"choices\": [{\"index\": 0, \"turns\": [{\"content\": \"answer\", \"token_len\": " +
         std::to_string(tokens) + "}]}], \"tstamp\": 1}";
}

} // namespace

TEST_CASE("arena-hard judgments: one run per file, the games' labels, upstream's table")
{
  std::filesystem::remove_all("ah");
  std::filesystem::create_directories("ah/model_judgment/gpt-4-1106-preview");
  std::filesystem::create_directories("ah/model_answer");
  // zeta: W 1 (B>A), L 1 (game 2 B>A), T 1, a null game and an odd label dropped,
  // and q1 judged twice (both lines count): W 2, T 1, L 1 over 3 + 1 rows ... by hand:
  //   q1: B>A -> zeta +1;  game 2 B>A -> baseline +1
  //   q2: A=B -> tie;      game 2 null -> dropped
  //   q1 again: B>>A -> zeta +3; game 2 A<B -> dropped
  // W 4, T 1, L 1, N 6: s = 4.5 / 6 = 75%.
  std::ofstream("ah/model_judgment/gpt-4-1106-preview/zeta.jsonl")
      << arena_line("q1", "zeta", "B>A", "B>A") << "\n"
      << arena_line("q2", "zeta", "A=B", "null") << "\n"
      << arena_line("q1", "zeta", "B>>A", "A<B") << "\n";
  // alpha: A>>B (baseline x3) and A>>B in game 2 (alpha x3): s = 3 / 6 = 50%.
  std::ofstream("ah/model_judgment/gpt-4-1106-preview/alpha.jsonl")
      << arena_line("q1", "alpha", "A>>B", "A>>B") << "\n";
  std::ofstream("ah/model_answer/zeta.jsonl") << answer_line("q1", "zeta", 100) << "\n"
                                              << answer_line("q2", "zeta", 101) << "\n";
  std::ofstream("ah/model_answer/gpt-4-0314.jsonl")
      << answer_line("q1", "gpt-4-0314", 400) << "\n"
      << answer_line("q2", "gpt-4-0314", 447) << "\n"
      << answer_line("q3", "gpt-4-0314", 430) << "\n"; // not judged: still in upstream's mean
  cli::ImportOptions options;
  options.format = "arena-hard";
  options.file = "ah/model_judgment/gpt-4-1106-preview";
  options.answers = "ah/model_answer";
  options.db = "arena.db";
  REQUIRE(cli::import_command(options) == 0);
  harness::Store store("arena.db");
  auto reports = reports::collect(store);
  REQUIRE(reports.size() == 2);
  CHECK(reports[0].run.model == "alpha"); // files in name order
  const auto& zeta = *reports[1].arena_hard;
  REQUIRE(zeta.row());
  CHECK(zeta.row()->score == doctest::Approx(75.0));
  CHECK(zeta.row()->wins == 4);
  CHECK(zeta.row()->ties == 1);
  CHECK(zeta.row()->losses == 1);
  CHECK(zeta.games == 6);
  CHECK(zeta.games_dropped == 2);
  CHECK(reports[0].arena_hard->row()->score == doctest::Approx(50.0));
  // Average #tokens as upstream: the mean over each answers file's questions: zeta
  // (100 + 101) / 2; the baseline (400 + 447 + 430) / 3 = 425.67, printed truncated: 425.
  CHECK(zeta.row()->avg_tokens == doctest::Approx(100.5));
  CHECK(reports[0].arena_hard->row()->avg_tokens == 0); // alpha has no answers file
  std::string baseline_line;
  for (const auto& row : zeta.table) {
    if (row.is_baseline) {
      baseline_line = reports::arena_hard_line(row);
    }
  }
  CHECK(baseline_line == "gpt-4-0314                     | score: 50.0  | 95% CI:  (0.0, 0.0)  | "
                         "average #tokens: 425");
  auto verdicts = store.verdicts(reports[1].run.id);
  REQUIRE(verdicts.size() == 3);
  CHECK(verdicts[0].item_id == "q1");
  CHECK(verdicts[0].labels_json == R"(["B>A","B>A"])");
  CHECK(verdicts[1].item_id == "q1 (line 3)");
  CHECK(verdicts[2].labels_json == R"(["A=B",""])");
  CHECK(store.response_text(verdicts[0].baseline_hash) == "answer");

  // Importing the same folder again changes nothing.
  REQUIRE(cli::import_command(options) == 0);
  CHECK(reports::collect(store).size() == 2);
}

TEST_CASE("arena-hard: a bad judgment line imports nothing and names file, line and field")
{
  std::filesystem::remove_all("ah_bad");
  std::filesystem::create_directories("ah_bad/j");
  std::ofstream("ah_bad/j/m.jsonl")
      << arena_line("q1", "m", "A>B", "B>A") << "\n"
      << R"({"question_id": "q2", "model": "m", "judge": "j", "games": "x"})"
      << "\n";
  cli::ImportOptions options;
  options.format = "arena-hard";
  options.file = "ah_bad/j";
  options.db = "ah_bad.db";
  CHECK_THROWS_WITH_AS(cli::import_command(options),
                       doctest::Contains("ah_bad/j/m.jsonl:2: field 'games'"), harness::Fatal);
  CHECK_FALSE(std::filesystem::exists("ah_bad.db")); // nothing written, not even a database
  options.file = "ah_bad";
  CHECK_THROWS_WITH_AS(cli::import_command(options),
                       doctest::Contains("the judge's folder is one of: ah_bad/j"), harness::Fatal);
  std::filesystem::create_directories("ah_bad/good");
  std::ofstream("ah_bad/good/m.jsonl") << arena_line("q1", "m", "A>B", "B>A") << "\n";
  options.file = "ah_bad/good";
  options.answers = "ah_bad/no-such-folder";
  CHECK_THROWS_WITH_AS(cli::import_command(options),
                       doctest::Contains("ah_bad/no-such-folder: not a folder"), harness::Fatal);
  std::filesystem::create_directories("ah_bad/answers");
  std::ofstream("ah_bad/answers/m.jsonl")
      << R"({"question_id": "q1", "choices": [{"turns": [{"content": "x", "token_len": "many"}]}]})"
      << "\n";
  options.answers = "ah_bad/answers";
  CHECK_THROWS_WITH_AS(cli::import_command(options),
                       doctest::Contains("ah_bad/answers/m.jsonl:1: field "
                                         "'choices[0].turns[0].token_len': expected an integer"),
                       harness::Fatal);
  CHECK_FALSE(std::filesystem::exists("ah_bad.db"));
}

TEST_SUITE_END();
