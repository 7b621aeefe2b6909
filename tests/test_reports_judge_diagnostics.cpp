#include <reports/judge_diagnostics.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using harness::VerdictRecord;

TEST_SUITE_BEGIN("reports::judge_diagnostics");

namespace {

VerdictRecord
pair_verdict(const std::string& labels, const std::string& winner, long candidate_chars,
             long baseline_chars, const std::string& status = "ok",
             const std::string& position = "model-first,baseline-first")
{
  VerdictRecord v;
  v.status = status;
  v.labels_json = labels;
  v.position = position;
  v.winner = winner;
  v.candidate_chars = candidate_chars;
  v.baseline_chars = baseline_chars;
  return v;
}

} // namespace

TEST_CASE("FastChat pairwise: swaps, first place and length, counted by hand")
{
  // Game 1 shows the model first, game 2 the baseline first (PairwiseJudge::build).
  const std::vector<VerdictRecord> verdicts = {
      // A then B: the model wins both games. Consistent; first place won game 1 only.
      pair_verdict(R"(["A","B"])", "model", 300, 200),
      // A then A: model, then baseline. A flip; first place won both.
      pair_verdict(R"(["A","A"])", "tie", 300, 200),
      // tie then A: tie, then baseline. Inconsistent, not a flip; first won game 2.
      pair_verdict(R"(["tie","A"])", "tie", 100, 400),
      // B, then unread: not a pair; game 1 won by the second place.
      pair_verdict(R"(["B",""])", "", 100, 100, "parse_failed"),
      // B then A: baseline both times, the baseline longer.
      pair_verdict(R"(["B","A"])", "baseline", 100, 400),
  };
  const auto d = reports::diagnose_judge("pairwise", verdicts);
  CHECK(d.verdicts == 5);
  CHECK(d.unreadable == 1);
  CHECK(d.pairs == 4);             // all but the unread one
  CHECK(d.swap_inconsistent == 2); // A/A and tie/A
  CHECK(d.swap_flips == 1);        // A/A
  // Decisive games: 2 + 2 + 1 + 1 + 2 = 8; won by the first place: 1 + 2 + 1 + 0 + 1 = 5.
  CHECK(d.decisive_games == 8);
  CHECK(d.first_position_wins == 5);
  // Verdicts with a winner and answers of different lengths: the first (model, longer) and
  // the last (baseline, longer): the longer won both.
  CHECK(d.decisive_with_lengths == 2);
  CHECK(d.longer_won == 2);
  CHECK_FALSE(d.score_length_r);
}

TEST_CASE("Arena-Hard: the baseline's game first, five labels")
{
  const std::string order = "baseline-first,model-first";
  const std::vector<VerdictRecord> verdicts = {
      // Game 1 (baseline as A): B>>A, the model wins; game 2 (model as A): A>B, the model wins.
      pair_verdict(R"(["B>>A","A>B"])", "model", 500, 100, "ok", order),
      // A=B, then B>A: tie, then the baseline. Inconsistent.
      pair_verdict(R"(["A=B","B>A"])", "baseline", 100, 500, "ok", order),
      // A>B then A>B: the baseline, then the model. A flip; first place won both.
      pair_verdict(R"(["A>B","A>B"])", "tie", 100, 500, "ok", order),
      // Game 1 dropped (conflicting labels), game 2 A>>B: a verdict, but no pair.
      pair_verdict(R"(["","A>>B"])", "model", 100, 100, "ok", order),
  };
  const auto d = reports::diagnose_judge("arena_hard", verdicts);
  CHECK(d.games == 8);
  CHECK(d.games_unread == 1);
  CHECK(reports::describe_judge(d).find("games unread 1 of 8 (12.5%)") != std::string::npos);
  CHECK(d.pairs == 3);
  CHECK(d.swap_inconsistent == 2);
  CHECK(d.swap_flips == 1);
  CHECK(d.decisive_games == 6);      // 2 + 1 + 2 + 1
  CHECK(d.first_position_wins == 4); // game 2 of the first, both of the third, the fourth's
  CHECK(d.decisive_with_lengths == 2);
  CHECK(d.longer_won == 2); // the longer model's win, the longer baseline's win
}

TEST_CASE("single grading: Pearson's r between score and length, by hand")
{
  std::vector<VerdictRecord> verdicts;
  const double scores[] = {1, 2, 3, 4};
  const long lengths[] = {10, 20, 30, 50};
  for (int i = 0; i < 4; ++i) {
    VerdictRecord v;
    v.status = "ok";
    v.score = scores[i];
    v.candidate_chars = lengths[i];
    verdicts.push_back(v);
  }
  VerdictRecord unread;
  unread.status = "parse_failed";
  unread.candidate_chars = 999;
  verdicts.push_back(unread);
  const auto d = reports::diagnose_judge("single", verdicts);
  CHECK(d.unreadable == 1);
  CHECK(d.scored_with_lengths == 4);
  // Deviations: scores -1.5 -0.5 0.5 1.5, lengths -17.5 -7.5 2.5 22.5: r = 65 / sqrt(5 * 875).
  REQUIRE(d.score_length_r);
  CHECK(*d.score_length_r == doctest::Approx(0.982708).epsilon(1e-6));
  CHECK(d.pairs == 0);
  CHECK(d.decisive_games == 0);
  // A constant score says nothing: no r.
  for (auto& v : verdicts) {
    v.score = 5;
  }
  CHECK_FALSE(reports::diagnose_judge("single", verdicts).score_length_r);
}

TEST_CASE("a verdict's two games compared: consistent, inconsistent, flipped, unpaired")
{
  using reports::swap_outcome;
  using reports::SwapOutcome;
  // Model first, then baseline first: "A" then "B" both name the model.
  CHECK(swap_outcome("pairwise", pair_verdict(R"(["A","B"])", "model", 1, 1)) ==
        SwapOutcome::consistent);
  // "A" both times: the model, then the baseline.
  CHECK(swap_outcome("pairwise", pair_verdict(R"(["A","A"])", "tie", 1, 1)) ==
        SwapOutcome::flipped);
  CHECK(swap_outcome("pairwise", pair_verdict(R"(["A","tie"])", "tie", 1, 1)) ==
        SwapOutcome::inconsistent);
  CHECK(swap_outcome("pairwise", pair_verdict(R"(["A",""])", "model", 1, 1)) ==
        SwapOutcome::unpaired);
  CHECK(swap_outcome("single", pair_verdict(R"(["A","B"])", "model", 1, 1)) ==
        SwapOutcome::unpaired);
  // Arena-Hard, the baseline's game first: "A>B" (the baseline), then "B>A" (the baseline).
  CHECK(swap_outcome("arena_hard", pair_verdict(R"(["A>B","B>A"])", "", 1, 1, "ok",
                                                "baseline-first,model-first")) ==
        SwapOutcome::consistent);
  CHECK(swap_outcome("arena_hard", pair_verdict(R"(["A>B","A>>B"])", "", 1, 1, "ok",
                                                "baseline-first,model-first")) ==
        SwapOutcome::flipped);
}

TEST_CASE("re-asks: the share of verdicts whose judge was asked again, and the calls")
{
  reports::JudgeDiagnostics d;
  d.verdicts = 5;
  CHECK(reports::describe_judge(d) == "unreadable 0 of 5 (0.0%)"); // none re-asked: not said
  d.judge_calls = 6;
  d.resampled_calls = 2;
  d.resampled_verdicts = 1;
  CHECK(reports::describe_judge(d) ==
        "unreadable 0 of 5 (0.0%) · re-asked in 1 of 5 (20.0%) verdicts (2 of 6 judge calls)");
}

TEST_SUITE_END();
