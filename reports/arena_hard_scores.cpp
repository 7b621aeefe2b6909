#include <reports/arena_hard_scores.hpp>
#include <reports/numpy_random_state.hpp>
#include <reports/python_format.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace reports {

namespace {

using harness::Error;

// The rows one label gives: the winner (nullopt: a dropped game) and how
// many rows. `swapped` reads it as game 2, where the model is Assistant A.
struct Rows
{
  std::optional<Battle::Outcome> outcome;
  int count = 0;
};

Rows
rows_for(const std::optional<std::string>& label, bool swapped, int weight)
{
  const auto baseline_wins = Battle::Outcome::a_wins;
  const auto model_wins = Battle::Outcome::b_wins;
  const auto a_side = swapped ? model_wins : baseline_wins; // Assistant A won
  const auto b_side = swapped ? baseline_wins : model_wins; // Assistant B won
  const int strong = std::max(weight, 0);
  if (!label) {
    return {};
  }
  if (*label == "A=B") {
    return {Battle::Outcome::tie, 1};
  }
  if (*label == "A>B") {
    return {a_side, 1};
  }
  if (*label == "A>>B") {
    return {a_side, strong};
  }
  if (*label == "B>A") {
    return {b_side, 1};
  }
  if (*label == "B>>A") {
    return {b_side, strong};
  }
  return {};
}

} // namespace

harness::Result<ArenaHardBattles>
battles_from_games(const std::vector<ArenaHardJudgment>& judgments, const std::string& baseline,
                   const ArenaHardOptions& options)
{
  ArenaHardBattles battles;
  battles.models.push_back(baseline);
  battles.dropped_games.push_back(0);
  std::map<std::string, int> index;
  for (const auto& judgment : judgments) {
    if (judgment.model == baseline) {
      return Error(Error::Kind::config, "Arena-Hard battles: a judgment of the baseline " +
                                            baseline + " against itself");
    }
    auto [it, inserted] =
        index.try_emplace(judgment.model, static_cast<int>(battles.models.size()));
    if (inserted) {
      battles.models.push_back(judgment.model);
      battles.dropped_games.push_back(0);
    }
    const int model = it->second;
    auto add = [&](const std::optional<std::string>& label, bool swapped) {
      const Rows rows = rows_for(label, swapped, options.weight);
      if (!rows.outcome) {
        ++battles.dropped_games[static_cast<std::size_t>(model)];
        return;
      }
      for (int k = 0; k < rows.count; ++k) {
        battles.rows.push_back(Battle{0, model, *rows.outcome});
      }
    };
    add(judgment.game1, false);
    if (!options.first_game_only) {
      add(judgment.game2, true);
    }
  }
  return battles;
}

harness::Result<std::vector<std::vector<double>>>
arena_hard_bootstrap_ratings(const std::vector<Battle>& rows, int models, int anchor, int rounds,
                             std::uint32_t seed)
{
  if (rounds < 1) {
    return Error(Error::Kind::config,
                 "Arena-Hard bootstrap: the number of rounds must be at least 1");
  }
  if (rows.size() > 0xFFFFFFFFu) {
    return Error(Error::Kind::config, "Arena-Hard bootstrap: more than 2^32 battle rows");
  }
  NumpyRandomState random(seed);
  std::vector<std::vector<double>> ratings;
  ratings.reserve(static_cast<std::size_t>(rounds));
  for (int round = 0; round < rounds; ++round) {
    auto fitted = bradley_terry_ratings(rows, random.sample_positions(rows.size(), rows.size()),
                                        models, anchor);
    if (!fitted) {
      return Error(Error::Kind::config, "Arena-Hard bootstrap round " + std::to_string(round + 1) +
                                            ": " + fitted.error().message);
    }
    ratings.push_back(std::move(*fitted));
  }
  return ratings;
}

double
arena_hard_win_rate(const std::string& model, double rating, const std::string& baseline,
                    double baseline_rating)
{
  if (model == baseline) {
    return 50.0;
  }
  double p = 0;
  if (model < baseline) {
    p = 1.0 - 1.0 / (1.0 + std::pow(10.0, (rating - baseline_rating) / 400.0));
  } else {
    p = 1.0 / (1.0 + std::pow(10.0, (baseline_rating - rating) / 400.0));
  }
  if (std::isnan(p)) {
    p = 0.5;
  }
  return python_round(p * 100.0, 2);
}

harness::Result<std::vector<ArenaHardScore>>
arena_hard_scores(const ArenaHardBattles& battles,
                  const std::map<std::string, std::vector<long>>& answer_tokens,
                  const ArenaHardOptions& options)
{
  std::vector<ArenaHardScore> scores;
  if (battles.rows.empty() || battles.models.empty()) {
    return scores;
  }
  const auto m = battles.models.size();
  const int models = static_cast<int>(m);
  auto point = bradley_terry_ratings(battles.rows, models, 0);
  if (!point) {
    return point.error();
  }
  auto bootstrap =
      arena_hard_bootstrap_ratings(battles.rows, models, 0, options.rounds, options.seed);
  if (!bootstrap) {
    return bootstrap.error();
  }

  std::vector<long> wins(m, 0);
  std::vector<long> ties(m, 0);
  std::vector<long> losses(m, 0);
  for (const auto& row : battles.rows) {
    const auto a = static_cast<std::size_t>(row.a);
    const auto b = static_cast<std::size_t>(row.b);
    switch (row.outcome) {
    case Battle::Outcome::a_wins: ++wins[a], ++losses[b]; break;
    case Battle::Outcome::b_wins: ++wins[b], ++losses[a]; break;
    case Battle::Outcome::tie: ++ties[a], ++ties[b]; break;
    }
  }

  auto percentile_of = [&](std::size_t model, double q) {
    std::vector<double> column;
    column.reserve(bootstrap->size());
    for (const auto& round : *bootstrap) {
      column.push_back(round[model]);
    }
    return numpy_percentile(std::move(column), q);
  };
  const std::string& baseline = battles.models[0];
  const double baseline_lower = percentile_of(0, 2.5);
  const double baseline_upper = percentile_of(0, 97.5);

  for (std::size_t i = 0; i < m; ++i) {
    if (wins[i] + ties[i] + losses[i] == 0) {
      continue;
    }
    ArenaHardScore s;
    s.model = battles.models[i];
    s.is_baseline = i == 0;
    s.rating = (*point)[i];
    s.rating_lower = percentile_of(i, 2.5);
    s.rating_upper = percentile_of(i, 97.5);
    s.score = arena_hard_win_rate(s.model, s.rating, baseline, (*point)[0]);
    s.lower = arena_hard_win_rate(s.model, s.rating_lower, baseline, baseline_lower);
    s.upper = arena_hard_win_rate(s.model, s.rating_upper, baseline, baseline_upper);
    s.wins = wins[i];
    s.ties = ties[i];
    s.losses = losses[i];
    s.dropped_games = i < battles.dropped_games.size() ? battles.dropped_games[i] : 0;
    if (auto tokens = answer_tokens.find(s.model);
        tokens != answer_tokens.end() && !tokens->second.empty()) {
      long long total = 0;
      for (long t : tokens->second) {
        total += t;
      }
      s.avg_tokens = static_cast<double>(total) / static_cast<double>(tokens->second.size());
    }
    scores.push_back(std::move(s));
  }
  std::sort(scores.begin(), scores.end(),
            [](const ArenaHardScore& x, const ArenaHardScore& y) { return x.model < y.model; });
  std::stable_sort(
      scores.begin(), scores.end(),
      [](const ArenaHardScore& x, const ArenaHardScore& y) { return x.score > y.score; });
  return scores;
}

std::string
arena_hard_line(const ArenaHardScore& score)
{
  const double lower = python_round(score.lower - score.score, 1);
  const double upper = python_round(score.upper - score.score, 1);
  const std::string interval =
      "(" + python_float_repr(lower) + ", " + python_float_repr(upper) + ")";
  const auto tokens = static_cast<long long>(std::trunc(score.avg_tokens));
  return python_align_left(score.model, 30) +
         " | score: " + python_align_center(python_float_repr(python_round(score.score, 1)), 5) +
         " | 95% CI: " + python_align_center(interval, 12) +
         " | average #tokens: " + std::to_string(tokens);
}

} // namespace reports
