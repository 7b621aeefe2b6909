#include <reports/arena_hard_scores.hpp>
#include <reports/bradley_terry.hpp>
#include <reports/numpy_random_state.hpp>
#include <reports/python_format.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace reports;

TEST_SUITE_BEGIN("reports::arena_hard");

namespace {

using Outcome = Battle::Outcome;

// `count` copies of one battle.
void
add(std::vector<Battle>& rows, int a, int b, Outcome outcome, int count)
{
  for (int k = 0; k < count; ++k) {
    rows.push_back(Battle{a, b, outcome});
  }
}

// An independent solver: Hunter's MM iteration (Zermelo's) for the
// Bradley–Terry strengths pi (P(i beats j) = pi_i / (pi_i + pi_j)), a tie
// half a win for each side, in long double. Returns 400 log10(pi_i / pi_0),
// rating differences from model 0.
std::vector<long double>
mm_ratings_from_model_0(const std::vector<Battle>& rows, std::size_t m)
{
  std::vector<long double> n(m * m, 0.0L);
  std::vector<long double> won(m, 0.0L); // wins plus half the ties
  for (const auto& r : rows) {
    const auto a = static_cast<std::size_t>(r.a);
    const auto b = static_cast<std::size_t>(r.b);
    n[a * m + b] += 1;
    n[b * m + a] += 1;
    won[a] += r.outcome == Outcome::a_wins ? 1.0L : r.outcome == Outcome::tie ? 0.5L : 0.0L;
    won[b] += r.outcome == Outcome::b_wins ? 1.0L : r.outcome == Outcome::tie ? 0.5L : 0.0L;
  }
  std::vector<long double> pi(m, 1.0L);
  for (int iteration = 0; iteration < 1000000; ++iteration) {
    long double change = 0;
    for (std::size_t i = 0; i < m; ++i) {
      long double denominator = 0;
      for (std::size_t j = 0; j < m; ++j) {
        if (j != i && n[i * m + j] > 0) {
          denominator += n[i * m + j] / (pi[i] + pi[j]);
        }
      }
      const long double next = won[i] / denominator;
      change = std::max(change, std::fabs(next / pi[i] - 1));
      pi[i] = next;
    }
    for (std::size_t i = m; i-- > 0;) {
      pi[i] /= pi[0];
    }
    if (change < 1e-17L) {
      break;
    }
  }
  std::vector<long double> out(m);
  for (std::size_t i = 0; i < m; ++i) {
    out[i] = 400.0L * std::log10(pi[i]);
  }
  return out;
}

ArenaHardScore
line_fixture(const std::string& model, double score, double lower, double upper, double tokens)
{
  ArenaHardScore s;
  s.model = model;
  s.score = score;
  s.lower = lower;
  s.upper = upper;
  s.avg_tokens = tokens;
  return s;
}

} // namespace

TEST_CASE("NumpyRandomState replays numpy's legacy randint")
{
  // Public numpy values: np.random.seed(42); np.random.randint(0, 10, 5).
  NumpyRandomState a(42);
  CHECK(a.sample_positions(10, 5) == std::vector<std::size_t>{6, 3, 7, 4, 6});
  // np.random.seed(42); np.random.randint(0, 100, 10).
  NumpyRandomState b(42);
  CHECK(b.sample_positions(100, 10) ==
        std::vector<std::size_t>{51, 92, 14, 71, 60, 20, 82, 86, 74, 74});

  // The same from the raw MT outputs: mt19937(42) starts 1608637542,
  // 3421126067, ...; n = 10 masks with 15: 1608637542 & 15 = 6, 3421126067 & 15 = 3.
  std::mt19937 engine(42);
  CHECK(engine() == 1608637542u);
  CHECK(engine() == 3421126067u);

  // n = 1 draws nothing: the next value is still the first MT output's.
  NumpyRandomState c(42);
  CHECK(c.randint(1) == 0);
  CHECK(c.randint(1) == 0);
  CHECK(c.randint(10) == 6);
  // n = 2^32: no mask, the raw output.
  NumpyRandomState d(42);
  CHECK(d.randint(std::size_t{1} << 32) == 1608637542u);
  CHECK_THROWS(d.randint(0));
  CHECK_THROWS(d.randint((std::size_t{1} << 32) + 1));
}

TEST_CASE("Bradley-Terry fit matches an independent MM solver on three models")
{
  std::vector<Battle> rows;
  add(rows, 0, 1, Outcome::a_wins, 7);
  add(rows, 0, 1, Outcome::b_wins, 3);
  add(rows, 1, 0, Outcome::tie, 2);
  add(rows, 2, 0, Outcome::a_wins, 5);
  add(rows, 0, 2, Outcome::a_wins, 4);
  add(rows, 0, 2, Outcome::tie, 1);
  add(rows, 1, 2, Outcome::a_wins, 6);
  add(rows, 2, 1, Outcome::a_wins, 2);
  add(rows, 2, 1, Outcome::tie, 3);
  const auto expected = mm_ratings_from_model_0(rows, 3);

  SUBCASE("anchored at model 0")
  {
    auto r = bradley_terry_ratings(rows, 3, 0);
    REQUIRE(r);
    CHECK((*r)[0] == 1000.0);
    for (std::size_t i = 0; i < 3; ++i) {
      CHECK(std::fabs((*r)[i] - static_cast<double>(1000.0L + expected[i])) < 1e-6);
    }
  }
  SUBCASE("anchored at model 2")
  {
    auto r = bradley_terry_ratings(rows, 3, 2);
    REQUIRE(r);
    CHECK((*r)[2] == 1000.0);
    for (std::size_t i = 0; i < 3; ++i) {
      CHECK(std::fabs((*r)[i] - static_cast<double>(1000.0L + expected[i] - expected[2])) < 1e-6);
    }
  }
  SUBCASE("unanchored: mean 1000")
  {
    auto r = bradley_terry_ratings(rows, 3);
    REQUIRE(r);
    const long double mean = (expected[0] + expected[1] + expected[2]) / 3;
    for (std::size_t i = 0; i < 3; ++i) {
      CHECK(std::fabs((*r)[i] - static_cast<double>(1000.0L + expected[i] - mean)) < 1e-6);
    }
  }
  SUBCASE("a model in no row is NaN; the row order does not matter")
  {
    std::vector<Battle> reversed(rows.rbegin(), rows.rend());
    auto r = bradley_terry_ratings(reversed, 5, 0);
    REQUIRE(r);
    CHECK(std::fabs((*r)[1] - static_cast<double>(1000.0L + expected[1])) < 1e-6);
    CHECK(std::isnan((*r)[3]));
    CHECK(std::isnan((*r)[4]));
  }
  SUBCASE("bad rows are errors")
  {
    CHECK_FALSE(bradley_terry_ratings({Battle{0, 3, Outcome::tie}}, 3));
    CHECK_FALSE(bradley_terry_ratings({Battle{-1, 0, Outcome::tie}}, 3));
    CHECK_FALSE(bradley_terry_ratings({Battle{1, 1, Outcome::tie}}, 3));
    CHECK_FALSE(bradley_terry_ratings(rows, std::vector<std::size_t>{999}, 3));
  }
}

TEST_CASE("Bradley-Terry fit without an MLE: infinite ratings")
{
  // Model 1 never loses (one win, one win over 2); models 0 and 2 are finite.
  std::vector<Battle> rows;
  add(rows, 0, 1, Outcome::b_wins, 1);
  add(rows, 1, 2, Outcome::a_wins, 1);
  add(rows, 0, 2, Outcome::a_wins, 3);
  add(rows, 0, 2, Outcome::b_wins, 1);
  add(rows, 3, 0, Outcome::b_wins, 2); // 3 never wins
  auto r = bradley_terry_ratings(rows, 4, 0);
  REQUIRE(r);
  CHECK((*r)[1] == std::numeric_limits<double>::infinity());
  CHECK((*r)[3] == -std::numeric_limits<double>::infinity());
  CHECK((*r)[0] == 1000.0);
  // 0 against 2 alone: s = 3/4, so 2 is 400 log10(3) below.
  CHECK((*r)[2] == doctest::Approx(1000.0 - 400.0 * std::log10(3.0)).epsilon(1e-13));

  // The anchor never loses: everyone else is -infinity, the anchor 1000.
  auto all_lose =
      bradley_terry_ratings({Battle{0, 1, Outcome::a_wins}, Battle{0, 2, Outcome::a_wins}}, 3, 0);
  REQUIRE(all_lose);
  CHECK((*all_lose)[0] == 1000.0);
  CHECK((*all_lose)[1] == -std::numeric_limits<double>::infinity());
  CHECK((*all_lose)[2] == -std::numeric_limits<double>::infinity());
}

TEST_CASE("Arena-Hard battles from the games' labels")
{
  const std::string base = "gpt-4-0314";
  std::vector<ArenaHardJudgment> judgments{
      {"m1", "A>B", "A>B"},         // game 1: baseline; game 2: model
      {"m2", "A>>B", "B>>A"},       // baseline x3; baseline x3
      {"m1", "A=B", std::nullopt},  // tie; dropped
      {"m1", "B>>A", "A<B"},        // model x3; dropped (not one of the five)
      {"m2", std::nullopt, "A>>B"}, // dropped; model x3
      {"m1", "B>A", "B>A"},         // model; baseline
  };
  auto battles = battles_from_games(judgments, base);
  REQUIRE(battles);
  CHECK(battles->models == std::vector<std::string>{base, "m1", "m2"});
  CHECK(battles->dropped_games == std::vector<long>{0, 2, 1});
  const auto A = Outcome::a_wins; // the baseline wins
  const auto B = Outcome::b_wins; // the model wins
  const auto T = Outcome::tie;
  const std::vector<std::pair<int, Outcome>> expected{
      {1, A}, {1, B},                                 // judgment 1
      {2, A}, {2, A}, {2, A}, {2, A}, {2, A}, {2, A}, // judgment 2
      {1, T},                                         // judgment 3
      {1, B}, {1, B}, {1, B},                         // judgment 4
      {2, B}, {2, B}, {2, B},                         // judgment 5
      {1, B}, {1, A},                                 // judgment 6
  };
  REQUIRE(battles->rows.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK(battles->rows[i].a == 0);
    CHECK(battles->rows[i].b == expected[i].first);
    CHECK(battles->rows[i].outcome == expected[i].second);
  }

  SUBCASE("first game only, weight 2")
  {
    ArenaHardOptions options;
    options.first_game_only = true;
    options.weight = 2;
    auto first = battles_from_games(judgments, base, options);
    REQUIRE(first);
    // Game 1 labels: A>B, A>>B, A=B, B>>A, null, B>A.
    const std::vector<std::pair<int, Outcome>> rows{{1, A}, {2, A}, {2, A}, {1, T},
                                                    {1, B}, {1, B}, {1, B}};
    REQUIRE(first->rows.size() == rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      CHECK(first->rows[i].b == rows[i].first);
      CHECK(first->rows[i].outcome == rows[i].second);
    }
    CHECK(first->dropped_games == std::vector<long>{0, 0, 1});
  }
  SUBCASE("the baseline judged against itself is an error")
  {
    CHECK_FALSE(battles_from_games({{base, "A>B", "A>B"}}, base));
  }
}

TEST_CASE("Arena-Hard with baseline battles only: the closed form")
{
  const std::string base = "gpt-4-0314";
  // m1: W = 1+1+3 = 5, L = 3+3+1 = 7, T = 2, N = 14: s = (5 + 1) / 14 = 3/7.
  // m2: W = 1+3 = 4, L = 1+1+3 = 5, T = 1, N = 10: s = 4.5 / 10 = 0.45.
  std::vector<ArenaHardJudgment> judgments{
      {"m1", "B>A", "A>B"},         {"m2", "A>B", "B>A"}, {"m1", "A>>B", "B>>A"},
      {"m2", "B>A", "A>>B"},        {"m1", "A=B", "A=B"}, {"m2", "A=B", "B>>A"},
      {"m1", "B>>A", std::nullopt}, {"m1", "A<B", "B>A"},
  };
  auto battles = battles_from_games(judgments, base);
  REQUIRE(battles);
  auto ratings = bradley_terry_ratings(battles->rows, 3, 0);
  REQUIRE(ratings);
  const double s1 = 3.0 / 7.0;
  const double s2 = 0.45;
  CHECK(std::fabs((*ratings)[1] - (1000 + 400 * std::log10(s1 / (1 - s1)))) < 1e-9);
  CHECK(std::fabs((*ratings)[2] - (1000 + 400 * std::log10(s2 / (1 - s2)))) < 1e-9);
  auto win_rate = [&](double r) {
    return 100.0 / (1.0 + std::pow(10.0, (1000.0 - r) / 400.0));
  };
  CHECK(std::fabs(win_rate((*ratings)[1]) - 100 * s1) < 1e-9);
  CHECK(std::fabs(win_rate((*ratings)[2]) - 100 * s2) < 1e-9);

  auto scores = arena_hard_scores(*battles, {{"m1", {10, 20, 31}}, {base, {423, 424}}});
  REQUIRE(scores);
  REQUIRE(scores->size() == 3);
  // Sorted by score: 50 (baseline), 45.0 (m2), 42.86 (m1: 42.857...).
  CHECK((*scores)[0].model == base);
  CHECK((*scores)[0].is_baseline);
  CHECK((*scores)[0].score == 50.0);
  CHECK((*scores)[0].lower == 50.0);
  CHECK((*scores)[0].upper == 50.0);
  CHECK((*scores)[0].rating == 1000.0);
  CHECK((*scores)[0].avg_tokens == 423.5);
  CHECK((*scores)[0].wins == 12); // L of m1 + L of m2
  CHECK((*scores)[0].losses == 9);
  CHECK((*scores)[0].ties == 3);
  CHECK((*scores)[1].model == "m2");
  CHECK((*scores)[1].score == 45.0);
  CHECK((*scores)[1].avg_tokens == 0.0);
  CHECK((*scores)[2].model == "m1");
  CHECK((*scores)[2].score == 42.86);
  CHECK((*scores)[2].wins == 5);
  CHECK((*scores)[2].losses == 7);
  CHECK((*scores)[2].ties == 2);
  CHECK((*scores)[2].dropped_games == 2);
  CHECK((*scores)[2].avg_tokens == doctest::Approx(61.0 / 3));
  CHECK((*scores)[2].lower <= (*scores)[2].score);
  CHECK((*scores)[2].upper >= (*scores)[2].score);
  CHECK(arena_hard_line((*scores)[0]) == "gpt-4-0314                     | score: 50.0  | 95% CI:  "
                                         "(0.0, 0.0)  | average #tokens: 423");
}

TEST_CASE("Arena-Hard bootstrap: the first round refits the rows numpy draws")
{
  // Six rows over three models; the first round's positions are
  // randint(0, 6) six times after seed 42: mask 7, so the MT outputs'
  // values mod 8 (their last three digits mod 8, as 1000 = 125 * 8):
  // 1608637542 -> 6 (redraw), 3421126067 -> 3, 4083286876 -> 4,
  // 787846414 -> 6 (redraw), 3143890026 -> 2, 3348747335 -> 7 (redraw),
  // 2571218620 -> 4, 2563451924 -> 4, 670094950 -> 6 (redraw),
  // 1914837113 -> 1: positions 3, 4, 2, 4, 4, 1. The second round
  // (the same by a pure-Python MT19937): 2, 2, 2, 4, 3, 2.
  const std::vector<Battle> rows{
      {0, 1, Outcome::a_wins}, {0, 1, Outcome::b_wins}, {0, 2, Outcome::tie},
      {1, 2, Outcome::b_wins}, {0, 2, Outcome::a_wins}, {1, 2, Outcome::a_wins},
  };
  CHECK(NumpyRandomState(42).sample_positions(6, 6) == std::vector<std::size_t>{3, 4, 2, 4, 4, 1});
  auto rounds = arena_hard_bootstrap_ratings(rows, 3, 0, 2);
  REQUIRE(rounds);
  REQUIRE(rounds->size() == 2);

  const std::vector<Battle> first{rows[3], rows[4], rows[2], rows[4], rows[4], rows[1]};
  auto direct = bradley_terry_ratings(first, 3, 0);
  REQUIRE(direct);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK((*rounds)[0][i] == doctest::Approx((*direct)[i]).epsilon(1e-12));
  }
  // And by the independent solver: 1 beat 0, 0 beat 2 three times and tied
  // once, 2 beat 1: strongly connected, so finite.
  const auto mm = mm_ratings_from_model_0(first, 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(std::fabs((*rounds)[0][i] - static_cast<double>(1000.0L + mm[i])) < 1e-6);
  }
  // Round 2: rows 2 (x4: ties 0-2), 4 (0 beats 2), 3 (2 beats 1). Model 1
  // never wins nor ties: -infinity; 0 against 2 has s = (1 + 4/2) / 5 = 0.6.
  CHECK((*rounds)[1][0] == 1000.0);
  CHECK((*rounds)[1][1] == -std::numeric_limits<double>::infinity());
  CHECK((*rounds)[1][2] == doctest::Approx(1000 - 400 * std::log10(0.6 / 0.4)).epsilon(1e-13));

  CHECK_FALSE(arena_hard_bootstrap_ratings(rows, 3, 0, 0));
}

TEST_CASE("Arena-Hard bootstrap rounds equal the closed form on each resample")
{
  // Baseline battles only, so each round's rating of model k is 1000 + 400
  // log10(s / (1 - s)) over the resampled rows. The resample is redrawn
  // here from std::mt19937(42) with the mask written out: n = 37 rows, so
  // values above 36 after masking with 63 are drawn again.
  std::vector<Battle> rows;
  const Outcome outcomes[] = {Outcome::a_wins, Outcome::b_wins, Outcome::tie, Outcome::b_wins};
  for (int i = 0; i < 37; ++i) {
    rows.push_back(Battle{0, 1 + i % 3, outcomes[(i * 7) % 4]});
  }
  const int rounds = 5;
  auto ratings = arena_hard_bootstrap_ratings(rows, 4, 0, rounds);
  REQUIRE(ratings);
  std::mt19937 engine(42);
  for (int round = 0; round < rounds; ++round) {
    double won[4] = {0, 0, 0, 0};
    double played[4] = {0, 0, 0, 0};
    for (int k = 0; k < 37; ++k) {
      std::uint32_t x = engine() & 63u;
      while (x > 36) {
        x = engine() & 63u;
      }
      const Battle& row = rows[x];
      const auto b = static_cast<std::size_t>(row.b);
      played[b] += 1;
      won[b] += row.outcome == Outcome::b_wins ? 1.0 : row.outcome == Outcome::tie ? 0.5 : 0.0;
    }
    const auto& r = (*ratings)[static_cast<std::size_t>(round)];
    CHECK(r[0] == 1000.0);
    for (std::size_t m = 1; m < 4; ++m) {
      const double share = won[m] / played[m];
      if (share == 0 || share == 1) {
        CHECK(std::isinf(r[m]));
      } else {
        CHECK(std::fabs(r[m] - (1000 + 400 * std::log10(share / (1 - share)))) < 1e-9);
      }
    }
  }
}

TEST_CASE("numpy.percentile, linear")
{
  // 1..5: position q/100 * 4; 2.5 -> 0.1 -> 1.1; 97.5 -> 3.9 -> 4.9 (from
  // the upper value: 5 - 1 * 0.1); 50 -> 3.
  CHECK(numpy_percentile({5, 1, 4, 2, 3}, 2.5) == doctest::Approx(1.1).epsilon(1e-15));
  CHECK(numpy_percentile({5, 1, 4, 2, 3}, 97.5) == doctest::Approx(4.9).epsilon(1e-15));
  CHECK(numpy_percentile({5, 1, 4, 2, 3}, 50) == 3.0);
  CHECK(numpy_percentile({5, 1, 4, 2, 3}, 0) == 1.0);
  CHECK(numpy_percentile({5, 1, 4, 2, 3}, 100) == 5.0);
  // 0..99 (100 values): 2.5 -> 99 * 0.025 = 2.475; 97.5 -> 96.525.
  std::vector<double> hundred;
  for (int i = 99; i >= 0; --i) {
    hundred.push_back(i);
  }
  CHECK(numpy_percentile(hundred, 2.5) == doctest::Approx(2.475).epsilon(1e-14));
  CHECK(numpy_percentile(hundred, 97.5) == doctest::Approx(96.525).epsilon(1e-14));
  CHECK(numpy_percentile({7.0}, 97.5) == 7.0);
  CHECK(std::isnan(numpy_percentile({}, 50)));
  CHECK(std::isnan(numpy_percentile({1, std::nan(""), 3}, 50)));
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(numpy_percentile({-inf, -inf, -inf, 1, 2}, 2.5) == -inf);
  CHECK(numpy_percentile({1, 2, inf}, 97.5) == inf);
  CHECK(numpy_percentile({1, 2, inf}, 50) == 2.0);
}

TEST_CASE("Arena-Hard win rates against the baseline")
{
  // 200 points above: 1 / (1 + 10^-0.5) = 0.75974...: 75.97.
  CHECK(arena_hard_win_rate("zz", 1200, "gpt-4-0314", 1000) == 75.97);
  CHECK(arena_hard_win_rate("aa", 1200, "gpt-4-0314", 1000) == 75.97);
  CHECK(arena_hard_win_rate("gpt-4-0314", 1000, "gpt-4-0314", 1000) == 50.0);
  CHECK(arena_hard_win_rate("zz", std::nan(""), "gpt-4-0314", 1000) == 50.0);
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(arena_hard_win_rate("zz", inf, "gpt-4-0314", 1000) == 100.0);
  CHECK(arena_hard_win_rate("aa", inf, "gpt-4-0314", 1000) == 100.0);
  CHECK(arena_hard_win_rate("zz", -inf, "gpt-4-0314", 1000) == 0.0);
  CHECK(arena_hard_win_rate("aa", -inf, "gpt-4-0314", 1000) == 0.0);
  // A rating whose win rate is 0.20849999: 100 x = 20.849999, 2 decimals
  // 20.85, printed 20.9 (see the line test).
  const double p = 0.20849999;
  CHECK(arena_hard_win_rate("zz", 1000 + 400 * std::log10(p / (1 - p)), "gpt-4-0314", 1000) ==
        20.85);
}

TEST_CASE("Arena-Hard: a model that never loses scores 100")
{
  std::vector<ArenaHardJudgment> judgments{
      {"strong", "B>A", "A>>B"},
      {"strong", "B>>A", "A>B"},
      {"weak", "A>B", "B>A"},
      {"weak", "B>A", "A=B"},
  };
  auto battles = battles_from_games(judgments, "base");
  REQUIRE(battles);
  auto scores = arena_hard_scores(*battles, {});
  REQUIRE(scores);
  REQUIRE(scores->size() == 3);
  CHECK((*scores)[0].model == "strong");
  CHECK((*scores)[0].rating == std::numeric_limits<double>::infinity());
  CHECK((*scores)[0].score == 100.0);
  CHECK((*scores)[0].lower == 100.0);
  CHECK((*scores)[0].upper == 100.0);
  CHECK(
      arena_hard_line((*scores)[0]) ==
      "strong                         | score: 100.0 | 95% CI:  (0.0, 0.0)  | average #tokens: 0");
  CHECK((*scores)[1].model == "base");
  // weak: W = 1, L = 2, T = 1: s = 1.5 / 4 = 37.5.
  CHECK((*scores)[2].model == "weak");
  CHECK((*scores)[2].score == 37.5);
}

TEST_CASE("Python float formatting")
{
  // round: the exact binary value, half to even only on exact ties.
  CHECK(python_round(0.125, 2) == 0.12); // an exact tie: to even
  CHECK(python_round(0.375, 2) == 0.38); // an exact tie: to even
  CHECK(python_round(2.5, 0) == 2.0);
  CHECK(python_round(3.5, 0) == 4.0);
  CHECK(python_round(2.675, 2) == 2.67); // 2.67499999999999982236431605997495353221893310546875
  // 20.85 is 20.85000000000000142...: 20.9, though 20.85 * 10 is exactly 208.5
  // (numpy's rint(x * 10) / 10 would give 20.8).
  CHECK(python_round(20.85, 1) == 20.9);
  CHECK(python_round(20.849999, 1) == 20.8);
  CHECK(python_round(python_round(20.849999, 2), 1) == 20.9);
  CHECK(std::signbit(python_round(-0.04, 1)));
  CHECK(python_round(1e300, 2) == 1e300);
  CHECK(std::isnan(python_round(std::nan(""), 1)));

  CHECK(python_float_repr(50.0) == "50.0");
  CHECK(python_float_repr(-0.0) == "-0.0");
  CHECK(python_float_repr(0.0) == "0.0");
  CHECK(python_float_repr(-2.2) == "-2.2");
  CHECK(python_float_repr(0.1 + 0.2) == "0.30000000000000004");
  CHECK(python_float_repr(123.0) == "123.0");
  CHECK(python_float_repr(1e16) == "1e+16");
  CHECK(python_float_repr(1234567890123456.0) == "1234567890123456.0");
  CHECK(python_float_repr(0.0001) == "0.0001");
  CHECK(python_float_repr(0.00001) == "1e-05");
  CHECK(python_float_repr(1.5e-7) == "1.5e-07");
  CHECK(python_float_repr(1e22) == "1e+22");
  CHECK(python_float_repr(5e-324) == "5e-324");
  CHECK(python_float_repr(1.7976931348623157e308) == "1.7976931348623157e+308");
  CHECK(python_float_repr(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(python_float_repr(-std::numeric_limits<double>::infinity()) == "-inf");
  CHECK(python_float_repr(std::nan("")) == "nan");

  // format(x, "^w"): the smaller half of the padding on the left
  // ("ab".center(5) would be "  ab ").
  CHECK(python_align_center("ab", 5) == " ab  ");
  CHECK(python_align_center("abc", 6) == " abc  ");
  CHECK(python_align_center("9.5", 5) == " 9.5 ");
  CHECK(python_align_center("100.0", 5) == "100.0");
  CHECK(python_align_center("toolongtext", 5) == "toolongtext");
  CHECK(python_align_left("ab", 4) == "ab  ");
  CHECK(python_align_left("\xc3\xa9t\xc3\xa9", 4) == "\xc3\xa9t\xc3\xa9 "); // 3 code points
}

TEST_CASE("Arena-Hard printed lines")
{
  // FORMAT.md's example: the baseline, 50.0 (4 characters) centred in 5 is
  // "50.0 "; "(0.0, 0.0)" (10) centred in 12 is " (0.0, 0.0) "; 423.262 -> 423.
  CHECK(arena_hard_line(line_fixture("gpt-4-0314", 50, 50, 50, 423.262)) ==
        "gpt-4-0314                     | score: 50.0  | 95% CI:  (0.0, 0.0)  | average #tokens: "
        "423");
  // 21.15 - 23.34 = -2.19000000000000128 -> -2.2; 25.53 - 23.34 =
  // 2.19000000000000128 -> 2.2; "(-2.2, 2.2)" is 11: no space left, one
  // right. The name (18) gets 12 spaces; 329.8 truncates to 329.
  CHECK(arena_hard_line(line_fixture("gpt-3.5-turbo-0125", 23.34, 21.15, 25.53, 329.8)) ==
        "gpt-3.5-turbo-0125             | score: 23.3  | 95% CI: (-2.2, 2.2)  | average #tokens: "
        "329");
  // 9.98 - 10.02 = -0.0399999999999991 rounds to -0.0, printed "-0.0";
  // 10.31 - 10.02 = 0.29000000000000092 -> 0.3.
  CHECK(
      arena_hard_line(line_fixture("x", 10.02, 9.98, 10.31, 0)) ==
      "x                              | score: 10.0  | 95% CI: (-0.0, 0.3)  | average #tokens: 0");
  // The 2-decimal score 20.85 (from 20.849999) prints 20.9, though 20.849999
  // itself would round to 20.8. 19.6 and 20.85 are both 0.00000000000000142...
  // above their decimals (19.600000000000001421085..., 20.850000000000001421085...),
  // so 19.6 - 20.85 is exactly -1.25: a tie, to even, -1.2. 22.0 - 20.85 =
  // 1.149999999999998578... -> 1.1.
  CHECK(
      arena_hard_line(line_fixture("m", 20.85, 19.6, 22.0, 12.0)) ==
      "m                              | score: 20.9  | 95% CI: (-1.2, 1.1)  | average #tokens: 12");
  // A name past 30 characters is not cut; "100.0" fills its 5; "(-12.3,
  // 0.0)" (13) is wider than 12 (87.7 - 100 = -12.299999999999997).
  CHECK(arena_hard_line(
            line_fixture("a-very-long-model-name-over-thirty-chars", 100.0, 87.7, 100.0, 1000.9)) ==
        "a-very-long-model-name-over-thirty-chars | score: 100.0 | 95% CI: (-12.3, 0.0) | average "
        "#tokens: 1000");
  // "9.5" (3) centred in 5: " 9.5 "; 8.0 - 9.54 = -1.5399999999999991 -> -1.5,
  // 11.21 - 9.54 = 1.6700000000000017 -> 1.7.
  CHECK(
      arena_hard_line(line_fixture("w", 9.54, 8.0, 11.21, 7.0)) ==
      "w                              | score:  9.5  | 95% CI: (-1.5, 1.7)  | average #tokens: 7");
}

TEST_SUITE_END();
