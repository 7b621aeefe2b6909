#pragma once

#include <reports/bradley_terry.hpp>
#include <reports/statistics.hpp>

#include <harness/error.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace reports {

// Arena-Hard-Auto v0.1's show_result.py (lmarena/arena-hard-auto at
// 48137561; see shared/benchmarks/arena_hard/FORMAT.md).

// One judged question of one model: the labels of game 1 (the baseline as
// Assistant A) and game 2 (the model as Assistant A); nullopt for a game
// without a verdict.
struct ArenaHardJudgment
{
  std::string model;
  std::optional<std::string> game1;
  std::optional<std::string> game2;
};

struct ArenaHardOptions
{
  int weight = 3;               // --weight: rows per A>>B / B>>A verdict (0 or less: none)
  bool first_game_only = false; // --first-game-only
  int rounds = 100;             // --num-rounds
  std::uint32_t seed = 42;      // np.random.seed before the bootstrap
};

// The battle table of get_battles_from_judgment. Model 0 is the baseline and
// is always Battle::a; the others are numbered in order of first appearance
// in the judgments.
struct ArenaHardBattles
{
  std::vector<std::string> models;
  std::vector<Battle> rows;
  // Per model: games (of the judgments read) without one of the five labels,
  // null included; they give no rows. Always 0 for the baseline.
  std::vector<long> dropped_games;
};

// get_battles_from_judgment: per judgment in order, game 1's rows then game
// 2's. Game 1: A>B a baseline win, A>>B `weight` baseline wins, A=B a tie,
// B>A a model win, B>>A `weight` model wins. Game 2 reads the labels the
// other way round (A>B a model win, ...; A=B a tie). Any other label, or
// none, is a dropped game. With first_game_only, game 2 is not read. An Error
// for a judgment whose model is the baseline.
harness::Result<ArenaHardBattles>
battles_from_games(const std::vector<ArenaHardJudgment>& judgments, const std::string& baseline,
                   const ArenaHardOptions& options = {});

// One printed row.
struct ArenaHardScore
{
  std::string model;
  bool is_baseline = false;
  // Bradley–Terry ratings (the baseline at 1000): the fit on all rows, and
  // the 2.5th and 97.5th percentiles of the bootstrap refits.
  double rating = 0;
  double rating_lower = 0;
  double rating_upper = 0;
  // Predicted win rate against the baseline in percent, rounded to 2
  // decimals (arena_hard_win_rate), from rating, rating_lower, rating_upper.
  // 50 for the baseline.
  double score = 0;
  double lower = 0;
  double upper = 0;
  // Weighted rows, from this model's side (the baseline: its side of all rows).
  long wins = 0;
  long ties = 0;
  long losses = 0;
  long dropped_games = 0;
  // Mean answer tokens; 0 when none were given. Printed truncated.
  double avg_tokens = 0;
};

// show_result.py's table: one joint fit of all models anchored at the
// baseline (bradley_terry_ratings), the bootstrap of
// arena_hard_bootstrap_ratings for the interval, then win rates against the
// baseline. Models with no rows (every game dropped) are left out, as
// upstream; an empty table gives no rows. `answer_tokens` holds each model's
// answer token counts (token_len), for avg_tokens. Sorted by score,
// descending; equal scores by model name (upstream sorts by name first, and
// numpy's sort is stable for up to 16 rows; past that numpy's quicksort may
// order exactly equal scores differently). The bootstrap is anchored at the
// baseline; upstream anchors it at the name gpt-4-0314 whatever --baseline
// says, which is the same only for the default baseline. Errors: those of
// the fit, or rounds < 1.
harness::Result<std::vector<ArenaHardScore>>
arena_hard_scores(const ArenaHardBattles& battles,
                  const std::map<std::string, std::vector<long>>& answer_tokens,
                  const ArenaHardOptions& options = {});

// get_bootstrap_result: `rounds` refits, in order, each on the rows at
// NumpyRandomState(seed).sample_positions(n, n) of the n rows (one generator
// for all rounds: DataFrame.sample(frac=1.0, replace=True) after
// np.random.seed(seed)). Result[round][model]: ratings as
// bradley_terry_ratings gives them, anchored at `anchor`.
harness::Result<std::vector<std::vector<double>>>
arena_hard_bootstrap_ratings(const std::vector<Battle>& rows, int models, int anchor, int rounds,
                             std::uint32_t seed = 42);

// One cell of get_win_rate_column: 100 times the predicted probability that
// `model` (at `rating`) beats the baseline, Python-rounded to 2 decimals.
// Computed as predict_win_rate does, whose loop leaves 1 / (1 + 10^((R_b -
// R_m) / 400)) when the model's name sorts after the baseline's and 1 - 1 /
// (1 + 10^((R_m - R_b) / 400)) when before. The baseline, and a NaN rating,
// give 50 (fillna(0.5)).
double arena_hard_win_rate(const std::string& model, double rating, const std::string& baseline,
                           double baseline_rating);

// The printed line, byte for byte:
// f"{model : <30} | score: {round(score, 1) : ^5} | 95% CI: {interval : ^12} | average #tokens:
// {int(avg_tokens)}", where interval = str((round(lower - score, 1), round(upper - score, 1))).
std::string arena_hard_line(const ArenaHardScore& score);

} // namespace reports
