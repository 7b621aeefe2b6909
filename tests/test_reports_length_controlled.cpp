#include <reports/alpaca_eval_lc_files.hpp>
#include <reports/l1_logistic.hpp>
#include <reports/length_controlled.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

using namespace reports;

TEST_SUITE_BEGIN("reports::length_controlled");

namespace {

// Everything below is an independent reference: long double arithmetic, and
// minimisation by exact coordinate-wise minimisation (bisection on each
// coordinate's subgradient), sharing no code with the solver under test.
using LD = long double;

LD
ld_softplus(LD z)
{
  return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
}

LD
ld_sigmoid(LD z)
{
  return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z));
}

LD
ld_dot(const std::vector<double>& x, const std::vector<LD>& b)
{
  LD z = 0;
  for (size_t k = 0; k < b.size(); ++k) {
    z += static_cast<LD>(x[k]) * b[k];
  }
  return z;
}

std::vector<LD>
to_ld(const std::vector<double>& b)
{
  return std::vector<LD>(b.begin(), b.end());
}

// d/db_k of C * sum_j w_j [p_j softplus(-z_j) + (1 - p_j) softplus(z_j)].
LD
ld_partial(const std::vector<SoftLabelRow>& rows, double c, const std::vector<LD>& b, size_t k)
{
  LD g = 0;
  for (const auto& r : rows) {
    g += static_cast<LD>(r.w) * (ld_sigmoid(ld_dot(r.x, b)) - static_cast<LD>(r.p)) *
         static_cast<LD>(r.x[k]);
  }
  return static_cast<LD>(c) * g;
}

LD
ld_objective(const std::vector<SoftLabelRow>& rows, double c, const std::vector<LD>& b)
{
  LD loss = 0;
  for (const auto& r : rows) {
    LD z = ld_dot(r.x, b);
    loss += static_cast<LD>(r.w) *
            (static_cast<LD>(r.p) * ld_softplus(-z) + (1 - static_cast<LD>(r.p)) * ld_softplus(z));
  }
  LD l1 = 0;
  for (LD v : b) {
    l1 += std::abs(v);
  }
  return l1 + static_cast<LD>(c) * loss;
}

// The root of the increasing function f on (lo, hi), f(lo) < 0 < f(hi), by bisection.
template <typename F>
LD
bisect(F f, LD lo, LD hi)
{
  for (int i = 0; i < 400; ++i) {
    LD mid = (lo + hi) / 2;
    if (mid <= lo || mid >= hi) {
      break;
    }
    (f(mid) < 0 ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

// Minimises ||b||_1 + C * loss by cyclic exact coordinate minimisation: each
// coordinate is set to the zero of its subgradient, found by bisection.
std::vector<double>
reference_minimiser(const std::vector<SoftLabelRow>& rows, size_t features, double c)
{
  std::vector<LD> b(features, 0);
  for (int sweep = 0; sweep < 200000; ++sweep) {
    LD largest_change = 0;
    for (size_t k = 0; k < features; ++k) {
      auto partial_at = [&](LD t) {
        b[k] = t;
        return ld_partial(rows, c, b, k);
      };
      const LD old = b[k];
      const LD g0 = partial_at(0);
      LD t = 0;
      if (g0 < -1) { // the minimum is at t > 0, where partial + 1 = 0
        LD hi = 1;
        while (partial_at(hi) + 1 < 0) {
          hi *= 2;
        }
        t = bisect([&](LD s) { return partial_at(s) + 1; }, 0, hi);
      } else if (g0 > 1) { // at t < 0, where partial - 1 = 0
        LD lo = -1;
        while (partial_at(lo) - 1 > 0) {
          lo *= 2;
        }
        t = bisect([&](LD s) { return partial_at(s) - 1; }, lo, 0);
      }
      b[k] = t;
      largest_change = std::max(largest_change, std::abs(t - old));
    }
    if (largest_change < 1e-16L) {
      break;
    }
  }
  return std::vector<double>(b.begin(), b.end());
}

// The CV score written out again: mean of w [p log q + (1 - p) log(1 - q)],
// q clipped to [1e-15, 1 - 1e-15].
LD
reference_score(const std::vector<SoftLabelRow>& rows, const std::vector<double>& b)
{
  LD sum = 0;
  for (const auto& r : rows) {
    LD q = ld_sigmoid(ld_dot(r.x, to_ld(b)));
    q = std::min(std::max(q, 1e-15L), 1 - 1e-15L);
    sum += static_cast<LD>(r.w) *
           (static_cast<LD>(r.p) * std::log(q) + (1 - static_cast<LD>(r.p)) * std::log(1 - q));
  }
  return sum / static_cast<LD>(rows.size());
}

// scikit-learn's GroupKFold._iter_test_indices simulated for groups of equal
// size (2 rows each), numpy's argsort taken as the identity: groups in
// reversed order, each to the lightest fold (the first on ties).
std::vector<int>
simulated_group_kfold(size_t groups, int folds)
{
  std::vector<int> fold_of(groups);
  std::vector<int> load(static_cast<size_t>(folds), 0);
  for (size_t k = 0; k < groups; ++k) {
    size_t group = groups - 1 - k;
    auto lightest = std::min_element(load.begin(), load.end()) - load.begin();
    load[static_cast<size_t>(lightest)] += 2;
    fold_of[group] = static_cast<int>(lightest);
  }
  return fold_of;
}

// A portable uniform [0, 1) generator (64-bit LCG), for fixtures.
struct Lcg
{
  std::uint64_t state;
  double next()
  {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) * 0x1.0p-53;
  }
};

// Rows shaped like the LC design: gamed rows (tanh, difficulty, 0; weight
// 0.1) and model rows (tanh, difficulty, 1; weight 1), soft targets from a
// logistic model plus noise, some exactly 0 or 1.
std::vector<SoftLabelRow>
synthetic_rows(size_t gamed, size_t model, std::uint64_t seed)
{
  Lcg rng{seed};
  std::vector<SoftLabelRow> rows;
  for (size_t j = 0; j < gamed + model; ++j) {
    bool is_model = j >= gamed;
    double t = std::tanh(4 * rng.next() - 2);
    double d = 0.3 + 1.4 * rng.next();
    double z = -1.5 * t + 0.9 * d + (is_model ? -0.6 : 0.0);
    double p = 1 / (1 + std::exp(-z)) + 0.6 * (rng.next() - 0.5);
    p = std::min(1.0, std::max(0.0, p));
    rows.push_back(SoftLabelRow{{t, d, is_model ? 1.0 : 0.0}, p, is_model ? 1.0 : 0.1});
  }
  return rows;
}

// The KKT conditions at b, checked with the reference gradient: |g_k| <= 1
// where b_k = 0, g_k = -sign(b_k) elsewhere, within `tolerance` times the
// gradient's scale C * sum_j w_j * max_k |x_jk|.
void
check_kkt(const std::vector<SoftLabelRow>& rows, double c, const std::vector<double>& b,
          double tolerance)
{
  LD scale = 0;
  for (const auto& r : rows) {
    double m = 0;
    for (double v : r.x) {
      m = std::max(m, std::abs(v));
    }
    scale += static_cast<LD>(r.w * m);
  }
  const LD allowed = static_cast<LD>(tolerance) * std::max(1.0L, static_cast<LD>(c) * scale);
  for (size_t k = 0; k < b.size(); ++k) {
    LD g = ld_partial(rows, c, to_ld(b), k);
    CAPTURE(k);
    CAPTURE(b[k]);
    CAPTURE(static_cast<double>(g));
    if (b[k] == 0) {
      CHECK(std::abs(g) <= 1 + allowed);
    } else {
      CHECK(std::abs(g + (b[k] > 0 ? 1 : -1)) <= allowed);
    }
  }
}

double
max_difference(const std::vector<double>& a, const std::vector<double>& b)
{
  double m = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    m = std::max(m, std::abs(a[k] - b[k]));
  }
  return m;
}

} // namespace

TEST_CASE("log1p_exp and sigmoid are stable")
{
  CHECK(log1p_exp(0) == doctest::Approx(std::log(2.0)).epsilon(1e-15));
  CHECK(log1p_exp(1000) == 1000.0);
  CHECK(log1p_exp(-1000) == 0.0);
  CHECK(log1p_exp(-40) == doctest::Approx(std::exp(-40.0)).epsilon(1e-14));
  CHECK(log1p_exp(40) == doctest::Approx(40.0).epsilon(1e-15));
  for (double z : {-30.0, -3.5, -0.25, 0.5, 2.0, 30.0}) {
    CHECK(log1p_exp(z) ==
          doctest::Approx(static_cast<double>(std::log1p(std::exp(static_cast<LD>(z)))))
              .epsilon(1e-15));
    CHECK(sigmoid(z) ==
          doctest::Approx(static_cast<double>(1 / (1 + std::exp(-static_cast<LD>(z)))))
              .epsilon(1e-15));
  }
  CHECK(sigmoid(0) == 0.5);
  CHECK(sigmoid(-1000) == 0.0);
  CHECK(sigmoid(1000) == 1.0);
  CHECK(sigmoid(std::log(3.0)) == doctest::Approx(0.75).epsilon(1e-15));
}

TEST_CASE("a soft-label row equals its label-1 and label-0 copies weighted w p and w (1 - p)")
{
  std::vector<SoftLabelRow> soft = {{{1.0, -0.5}, 0.3, 2.0}, {{0.25, 2.0}, 0.9, 0.5}};
  std::vector<SoftLabelRow> hard = {{{1.0, -0.5}, 1.0, 2.0 * 0.3},
                                    {{1.0, -0.5}, 0.0, 2.0 * 0.7},
                                    {{0.25, 2.0}, 1.0, 0.5 * 0.9},
                                    {{0.25, 2.0}, 0.0, 0.5 * 0.1}};
  for (std::vector<double> b : {std::vector<double>{0.7, -1.1}, std::vector<double>{-3, 0.2}}) {
    CHECK(soft_logistic_loss(soft, 2.5, b) ==
          doctest::Approx(soft_logistic_loss(hard, 2.5, b)).epsilon(1e-14));
    CHECK(l1_logistic_objective(soft, 2.5, b) ==
          doctest::Approx(soft_logistic_loss(soft, 2.5, b) + std::abs(b[0]) + std::abs(b[1]))
              .epsilon(1e-15));
  }
}

TEST_CASE("one feature, one row: the optimum by hand")
{
  // With x = 1: the stationarity condition C (sigmoid(b) - p) + sign(b) = 0.
  // p = 0.9, C = 10: sigmoid(b) = 0.9 - 0.1 = 0.8, b = log(4).
  auto fit = fit_l1_logistic({{{1.0}, 0.9, 1.0}}, 1, 10.0);
  CHECK(fit.converged);
  CHECK(fit.b[0] == doctest::Approx(std::log(4.0)).epsilon(1e-13));
  // p = 0.1, C = 10: sigmoid(b) = 0.2, b = -log(4).
  fit = fit_l1_logistic({{{1.0}, 0.1, 1.0}}, 1, 10.0);
  CHECK(fit.b[0] == doctest::Approx(-std::log(4.0)).epsilon(1e-13));
  // p = 0.9, C = 2: |C (0.5 - p)| = 0.8 <= 1, so b = 0 exactly.
  fit = fit_l1_logistic({{{1.0}, 0.9, 1.0}}, 1, 2.0);
  CHECK(fit.converged);
  CHECK(fit.b[0] == 0.0);
  // Weight and feature scale the gradient: C w x (sigmoid(b x) - p) + 1 = 0 for b > 0;
  // C = 2, w = 4, x = 0.5, p = 1: sigmoid(b / 2) = 1 - 1/4 = 0.75, b = 2 log(3).
  fit = fit_l1_logistic({{{0.5}, 1.0, 4.0}}, 1, 2.0);
  CHECK(fit.b[0] == doctest::Approx(2 * std::log(3.0)).epsilon(1e-13));
}

TEST_CASE("three features: the optimum meets the KKT conditions and matches a reference minimiser")
{
  const auto rows = synthetic_rows(30, 40, 7);
  int zeros_seen = 0;
  for (double c : {1e-4, 0.02, 0.05, 0.3593813663804626, 21.54434690031882, 1e4}) {
    CAPTURE(c);
    L1LogisticFit fit = fit_l1_logistic(rows, 3, c);
    CHECK(fit.converged);
    CHECK(fit.kkt_violation == doctest::Approx(l1_logistic_kkt_violation(rows, c, fit.b)));
    check_kkt(rows, c, fit.b, 1e-11);
    std::vector<double> reference = reference_minimiser(rows, 3, c);
    CAPTURE(reference[0]);
    CAPTURE(reference[1]);
    CAPTURE(reference[2]);
    CHECK(max_difference(fit.b, reference) < 1e-9);
    // Not worse than the reference, up to rounding of the objective.
    LD f_fit = ld_objective(rows, c, to_ld(fit.b));
    LD f_ref = ld_objective(rows, c, to_ld(reference));
    CHECK(f_fit <= f_ref + 1e-13L * (1 + std::abs(f_ref)));
    for (size_t k = 0; k < 3; ++k) {
      if (std::abs(reference[k]) < 1e-12) {
        CHECK(fit.b[k] == 0.0); // a zero at the optimum is exactly zero
        ++zeros_seen;
      }
    }
  }
  // C <= 0.05 zeroes all three coefficients, C = 0.359... the indicator's alone.
  CHECK(zeros_seen == 3 * 3 + 1);
}

TEST_CASE("default C grid: numpy.logspace(-4, 4, 10)")
{
  std::vector<double> grid = default_c_grid();
  REQUIRE(grid.size() == 10);
  for (size_t i = 0; i < grid.size(); ++i) {
    LD exact = std::pow(10.0L, -4.0L + 8.0L * static_cast<LD>(i) / 9.0L);
    CHECK(grid[i] == doctest::Approx(static_cast<double>(exact)).epsilon(4e-15));
  }
  // Bit for bit: scikit-learn's LogisticRegressionCV(Cs=10).Cs_ as a published
  // run printed them with 17 significant digits.
  CHECK(grid == std::vector<double>{0.0001, 0.00077426368268112698, 0.0059948425031894088,
                                    0.046415888336127774, 0.35938136638046259, 2.7825594022071258,
                                    21.544346900318821, 166.81005372000558, 1291.5496650148827,
                                    10000.0});
}

TEST_CASE("features by hand")
{
  // Length differences baseline - model: 3, -1, 1, -3, 0: mean 0, sum of
  // squares 20, sd = sqrt(20 / 4) = sqrt(5); s = delta / sqrt(5).
  std::vector<LcAnnotation> annotations = {
      {0, 10, 7, 2.0},         // p = 1
      {1, 5, 6, 1.0},          // p = 0
      {2, 8, 7, 0.0},          // legacy draw: p = 0.5
      {3, 4, 7, std::nullopt}, // failed: not trained on, still predicted
      {4, 9, 9, 1.25},         // p = 0.25
  };
  std::vector<GamedRow> gamed = {
      {0, 0.8, 0.5, 1.5, false},
      {1, std::nullopt, -0.2, 0.7, false}, // no target; still gives index 1 its difficulty
      {2, 0.3, 1.0, -0.4, false},
      {0, 0.6, -0.5, 9.0, false}, // index 0 again: its difficulty is not used
      {3, 0.5, 0.0, 2.0, false},
      {4, 0.1, 2.0, 0.25, true}, // stored True: indicator 1, weight 1
  };
  auto design = length_controlled_design(annotations, gamed, 0.2);
  REQUIRE_MESSAGE(design.has_value(), (design ? "" : design.error().message));
  CHECK(design->delta_sd == doctest::Approx(std::sqrt(5.0)).epsilon(1e-15));
  CHECK(design->difficulties == std::vector<double>{1.5, 0.7, -0.4, 2.0, 0.25});
  const double r5 = std::sqrt(5.0);
  struct Expected
  {
    double t, d, ng, p, w;
  };
  std::vector<Expected> expected = {
      {std::tanh(0.5), 1.5, 0, 0.8, 0.1},
      {std::tanh(1.0), -0.4, 0, 0.3, 0.1},
      {std::tanh(-0.5), 9.0, 0, 0.6, 0.1},
      {0.0, 2.0, 0, 0.5, 0.1},
      {std::tanh(2.0), 0.25, 1, 0.1, 1.0},
      {std::tanh(3 / r5), 1.5, 1, 1.0, 1.0},
      {std::tanh(-1 / r5), 0.7, 1, 0.0, 1.0},
      {std::tanh(1 / r5), -0.4, 1, 0.5, 1.0},
      {0.0, 0.25, 1, 0.25, 1.0},
  };
  REQUIRE(design->train.size() == expected.size());
  for (size_t j = 0; j < expected.size(); ++j) {
    CAPTURE(j);
    const SoftLabelRow& row = design->train[j];
    CHECK(row.x[0] == doctest::Approx(expected[j].t).epsilon(1e-15));
    CHECK(row.x[1] == expected[j].d);
    CHECK(row.x[2] == expected[j].ng);
    CHECK(row.p == expected[j].p);
    CHECK(row.w == doctest::Approx(expected[j].w).epsilon(1e-15));
  }

  // lambda = 0: the gamed rows only supply difficulties.
  auto no_gamed = length_controlled_design(annotations, gamed, 0.0);
  REQUIRE(no_gamed.has_value());
  REQUIRE(no_gamed->train.size() == 4);
  CHECK(no_gamed->train[0].x[1] == 1.5);
  CHECK(no_gamed->train[3].p == 0.25);
}

TEST_CASE("design errors")
{
  std::vector<GamedRow> gamed = {{0, 0.5, 0.0, 1.0, false}, {1, 0.5, 0.0, 1.0, false}};
  auto message = [&](const std::vector<LcAnnotation>& annotations) {
    auto design = length_controlled_design(annotations, gamed, 0.2);
    REQUIRE_FALSE(design.has_value());
    return design.error().message;
  };
  CHECK(message({{0, 5, 4, 2.0}}) ==
        "length-controlled win rate: needs at least 2 annotations, got 1");
  CHECK(message({{0, 5, 4, 2.0}, {1, 6, 5, 1.0}}).find("all equal") != std::string::npos);
  CHECK(message({{0, 5, 4, 2.0}, {7, 6, 2, 1.0}}) ==
        "length-controlled win rate: annotation 1: no gamed row has index 7, so its difficulty "
        "is unknown");
  CHECK(message({{0, 5, 4, 2.5}, {1, 6, 2, 1.0}}) ==
        "length-controlled win rate: annotation 0 (index 0): preference 2.5 is outside [1, 2]");
}

TEST_CASE("GroupKFold fold assignment")
{
  // By hand, 7 rows and 5 folds: rows in reversed order 6, 5, 4, 3, 2, 1, 0
  // go to folds 0, 1, 2, 3, 4, 0, 1.
  CHECK(group_kfold_folds(7, 5) == std::vector<int>{1, 0, 4, 3, 2, 1, 0});
  for (int folds : {2, 3, 5}) {
    for (size_t rows = 1; rows <= 23; ++rows) {
      CAPTURE(folds);
      CAPTURE(rows);
      CHECK(group_kfold_folds(rows, folds) == simulated_group_kfold(rows, folds));
    }
  }
}

TEST_CASE("cross-validation score by hand")
{
  // b = log(3): x = 1 gives q = 0.75, x = 0 gives q = 0.5.
  std::vector<SoftLabelRow> rows = {{{1.0}, 1.0, 2.0}, {{0.0}, 0.25, 1.0}};
  double expected = (2 * std::log(0.75) + (0.25 * std::log(0.5) + 0.75 * std::log(0.5))) / 2;
  CHECK(soft_log_loss_score(rows, {std::log(3.0)}) == doctest::Approx(expected).epsilon(1e-15));
  // q = sigmoid(100) rounds to 1 and is clipped to 1 - 1e-15: log(1 - q) ~ log(1e-15).
  CHECK(soft_log_loss_score({{{1.0}, 0.0, 1.0}}, {100.0}) ==
        doctest::Approx(std::log(1e-15)).epsilon(1e-4));
  CHECK(soft_log_loss_score({}, {1.0}) == 0.0);
}

TEST_CASE("cross-validation picks the C with the best summed fold score")
{
  const auto rows = synthetic_rows(8, 10, 5);
  const std::vector<double> grid = {1e-3, 0.03, 0.3, 3.0, 300.0};
  auto cv = cross_validate_c(rows, 3, 5, grid);
  REQUIRE_MESSAGE(cv.has_value(), (cv ? "" : cv.error().message));
  REQUIRE(cv->scores.size() == grid.size());

  // The same, independently: folds simulated, reference minimiser, reference score.
  const std::vector<int> fold_of = simulated_group_kfold(rows.size(), 5);
  std::vector<LD> totals;
  for (size_t i = 0; i < grid.size(); ++i) {
    CAPTURE(grid[i]);
    CHECK(cv->scores[i].c == grid[i]);
    REQUIRE(cv->scores[i].fold_scores.size() == 5);
    LD total = 0;
    for (int f = 0; f < 5; ++f) {
      std::vector<SoftLabelRow> train;
      std::vector<SoftLabelRow> test;
      for (size_t j = 0; j < rows.size(); ++j) {
        (fold_of[j] == f ? test : train).push_back(rows[j]);
      }
      LD score = reference_score(test, reference_minimiser(train, 3, grid[i]));
      CHECK(cv->scores[i].fold_scores[static_cast<size_t>(f)] ==
            doctest::Approx(static_cast<double>(score)).epsilon(1e-10));
      total += score;
    }
    CHECK(cv->scores[i].total == doctest::Approx(static_cast<double>(total)).epsilon(1e-10));
    totals.push_back(total);
  }
  size_t best =
      static_cast<size_t>(std::max_element(totals.begin(), totals.end()) - totals.begin());
  CHECK(cv->best == best);
  // The fixture is chosen so that the best C is inside the grid and clearly ahead.
  CHECK(best > 0);
  CHECK(best < grid.size() - 1);
  for (size_t i = 0; i < totals.size(); ++i) {
    if (i != best) {
      CHECK(totals[best] - totals[i] > 1e-4L);
    }
  }

  // Ties go to the first: the same C twice.
  auto tied = cross_validate_c(rows, 3, 5, {grid[best], grid[best]});
  REQUIRE(tied.has_value());
  CHECK(tied->best == 0);

  CHECK_FALSE(cross_validate_c(rows, 3, 5, {}).has_value());
  CHECK_FALSE(cross_validate_c(rows, 3, 5, {1.0, 0.0}).has_value());
  CHECK_FALSE(cross_validate_c(rows, 3, 1, {1.0}).has_value());
  CHECK(cross_validate_c({rows.begin(), rows.begin() + 4}, 3, 5, {1.0}).error().message ==
        "length-controlled win rate: 5-fold cross-validation needs at least 5 training rows, got "
        "4");
}

TEST_CASE("prediction and standard error by hand")
{
  // b_diff = log 3, b_ng = 0; d = 0, 1, -1 give q = 1/2, 3/4, 1/4: mean 1/2;
  // sd = sqrt((0 + 1/16 + 1/16) / 2) = 1/4; SE = (1/4) / sqrt(3).
  // The length weight does not enter (tanh(0) = 0).
  LcPrediction p = predict_length_controlled({5.0, std::log(3.0), 0.0}, {0.0, 1.0, -1.0});
  REQUIRE(p.probabilities.size() == 3);
  CHECK(p.probabilities[0] == doctest::Approx(0.5).epsilon(1e-15));
  CHECK(p.probabilities[1] == doctest::Approx(0.75).epsilon(1e-15));
  CHECK(p.probabilities[2] == doctest::Approx(0.25).epsilon(1e-15));
  CHECK(p.winrate == doctest::Approx(50.0).epsilon(1e-14));
  CHECK(p.standard_error == doctest::Approx(25.0 / std::sqrt(3.0)).epsilon(1e-14));
  // b_ng = log 3 alone: every q = 3/4, LC 75, SE 0.
  p = predict_length_controlled({0.0, 0.0, std::log(3.0)}, {0.3, -2.0});
  CHECK(p.winrate == doctest::Approx(75.0).epsilon(1e-14));
  CHECK(p.standard_error == doctest::Approx(0.0));
}

TEST_CASE("predict_winrate from saved weights, in percent")
{
  // dw = (ng: log 3, diff: 0) whatever the shared parts: every q = 3/4.
  LcWeights model{-1.0, 1.0, std::log(3.0) + 0.5};
  LcWeights baseline{-2.0, 1.0, 0.5};
  CHECK(*predict_winrate(model, baseline, {0.1, 0.7, 2.0}) == doctest::Approx(75.0).epsilon(1e-14));
  // dw_diff = log 3: d = 0, 1, -1 give 1/2, 3/4, 1/4.
  CHECK(*predict_winrate({0, std::log(3.0), 0}, {}, {0.0, 1.0, -1.0}) ==
        doctest::Approx(50.0).epsilon(1e-14));
  CHECK(*predict_winrate(model, model, {0.3}) == 50.0);
  CHECK_FALSE(predict_winrate(model, baseline, {}).has_value());
  // Against the all-zero row of the gpt4_1106_preview baseline it is the LC itself.
  LcWeights fitted{-1.3, 0.8, -0.4};
  std::vector<double> d = {0.2, 1.1, 0.9, 1.7};
  CHECK(*predict_winrate(fitted, {}, d) ==
        doctest::Approx(predict_length_controlled(fitted, d).winrate).epsilon(1e-14));
}

TEST_CASE("the model that is the baseline")
{
  LengthControlledResult r = baseline_length_controlled(4);
  CHECK(r.length_controlled_winrate == 50.0);
  CHECK(r.lc_standard_error == 0.0);
  CHECK(r.weights.length == 0.0);
  CHECK(r.weights.difficulty == 0.0);
  CHECK(r.weights.not_gamed == 0.0);
  CHECK(r.glm_preferences == std::vector<double>(4, 0.5));
  CHECK_FALSE(r.chosen_c.has_value());
}

namespace {

// 40 instructions: the baseline against a verbose and a concise version of
// itself (80 gamed rows, verbose first), and the model's 40 annotations, with
// soft preferences from known coefficients (-1.5, 0.9, -0.6) plus noise.
struct Fixture
{
  std::vector<GamedRow> gamed;
  std::vector<LcAnnotation> annotations;
};

Fixture
full_fixture()
{
  Fixture fx;
  Lcg rng{2024};
  const size_t n = 40;
  std::vector<double> difficulty(n);
  for (size_t i = 0; i < n; ++i) {
    difficulty[i] = 0.4 + 1.2 * rng.next();
  }
  for (int version = 0; version < 2; ++version) {
    for (size_t i = 0; i < n; ++i) {
      double s = version == 0 ? -0.4 - 1.5 * rng.next() : 0.2 + 1.2 * rng.next();
      double q = 1 / (1 + std::exp(-(-1.5 * std::tanh(s) + 0.9 * (difficulty[i] - 1.0))));
      double p = std::min(1.0, std::max(0.0, q + 0.4 * (rng.next() - 0.5)));
      std::optional<double> pref = p;
      if (i == 9 && version == 1) {
        pref = std::nullopt;
      }
      fx.gamed.push_back(GamedRow{static_cast<long>(i), pref, s, difficulty[i], false});
    }
  }
  for (size_t i = 0; i < n; ++i) {
    long baseline_chars = 900 + static_cast<long>(600 * rng.next());
    long model_chars = 400 + static_cast<long>(1400 * rng.next());
    double s = static_cast<double>(baseline_chars - model_chars) / 450.0;
    double q = 1 / (1 + std::exp(-(-1.5 * std::tanh(s) + 0.9 * difficulty[i] - 0.6)));
    double p = std::min(1.0, std::max(0.0, q + 0.5 * (rng.next() - 0.5)));
    std::optional<double> pref = 1.0 + p;
    if (i == 5 || i == 31) {
      pref = std::nullopt;
    } else if (i == 11) {
      pref = 0.0; // legacy draw
    } else if (i == 17) {
      pref = 2.0;
    } else if (i == 23) {
      pref = 1.0;
    }
    fx.annotations.push_back(LcAnnotation{static_cast<long>(i), baseline_chars, model_chars, pref});
  }
  return fx;
}

// The design rebuilt independently from the fixture (long double statistics).
std::vector<SoftLabelRow>
reference_training_rows(const Fixture& fx)
{
  std::vector<SoftLabelRow> rows;
  for (const auto& g : fx.gamed) {
    if (g.preference) {
      rows.push_back(
          {{std::tanh(g.std_delta_len), g.instruction_difficulty, 0.0}, *g.preference, 0.1});
    }
  }
  const size_t n = fx.annotations.size();
  LD sum = 0;
  for (const auto& a : fx.annotations) {
    sum += static_cast<LD>(a.baseline_chars - a.model_chars);
  }
  LD m = sum / static_cast<LD>(n);
  LD ss = 0;
  for (const auto& a : fx.annotations) {
    LD d = static_cast<LD>(a.baseline_chars - a.model_chars) - m;
    ss += d * d;
  }
  LD sd = std::sqrt(ss / static_cast<LD>(n - 1));
  for (const auto& a : fx.annotations) {
    if (!a.preference) {
      continue;
    }
    double p = *a.preference == 0.0 ? 0.5 : *a.preference - 1.0;
    double t =
        static_cast<double>(std::tanh(static_cast<LD>(a.baseline_chars - a.model_chars) / sd));
    // Difficulty: the verbose (first) gamed row of the same instruction.
    rows.push_back(
        {{t, fx.gamed[static_cast<size_t>(a.index)].instruction_difficulty, 1.0}, p, 1.0});
  }
  return rows;
}

} // namespace

TEST_CASE("full fixture: LC with a pinned C against an independent computation")
{
  Fixture fx = full_fixture();
  const double c = 3.0;
  LcOptions options;
  options.pinned_c = c;
  auto result = length_controlled_winrate(fx.annotations, fx.gamed, options);
  REQUIRE_MESSAGE(result.has_value(), (result ? "" : result.error().message));
  CHECK(result->chosen_c == c);
  CHECK(result->cv_scores.empty());

  const std::vector<SoftLabelRow> rows = reference_training_rows(fx);
  CHECK(result->train_rows == rows.size());
  CHECK(rows.size() == 79 + 38);
  std::vector<double> b = reference_minimiser(rows, 3, c);
  CAPTURE(b[0]);
  CAPTURE(b[1]);
  CAPTURE(b[2]);
  CHECK(std::abs(result->weights.length - b[0]) < 1e-9);
  CHECK(std::abs(result->weights.difficulty - b[1]) < 1e-9);
  CHECK(std::abs(result->weights.not_gamed - b[2]) < 1e-9);

  // q_i = sigmoid(b_ng + b_diff d_i) for all 40 instructions.
  std::vector<LD> q;
  for (const auto& a : fx.annotations) {
    LD d = static_cast<LD>(fx.gamed[static_cast<size_t>(a.index)].instruction_difficulty);
    q.push_back(ld_sigmoid(static_cast<LD>(b[2]) + static_cast<LD>(b[1]) * d));
  }
  LD mean = 0;
  for (LD v : q) {
    mean += v;
  }
  mean /= static_cast<LD>(q.size());
  LD ss = 0;
  for (LD v : q) {
    ss += (v - mean) * (v - mean);
  }
  LD se = std::sqrt(ss / static_cast<LD>(q.size() - 1)) / std::sqrt(static_cast<LD>(q.size()));
  CHECK(result->glm_preferences.size() == 40);
  CHECK(std::abs(result->length_controlled_winrate - static_cast<double>(100 * mean)) < 1e-8);
  CHECK(std::abs(result->lc_standard_error - static_cast<double>(100 * se)) < 1e-8);
  // The shrinkage of the noisy fit stays near the generating coefficients.
  CHECK(result->weights.length < 0);
  CHECK(result->weights.difficulty > 0);
}

TEST_CASE("full fixture: LC with cross-validated C")
{
  Fixture fx = full_fixture();
  auto result = length_controlled_winrate(fx.annotations, fx.gamed);
  REQUIRE_MESSAGE(result.has_value(), (result ? "" : result.error().message));
  REQUIRE(result->cv_scores.size() == 10);
  size_t best = 0;
  for (size_t i = 0; i < 10; ++i) {
    const CScore& s = result->cv_scores[i];
    CHECK(s.c == default_c_grid()[i]);
    REQUIRE(s.fold_scores.size() == 5);
    double total = 0;
    for (double v : s.fold_scores) {
      total += v;
    }
    CHECK(s.total == total);
    if (s.total > result->cv_scores[best].total) {
      best = i;
    }
  }
  REQUIRE(result->chosen_c.has_value());
  CHECK(*result->chosen_c == default_c_grid()[best]);

  // Independent check of the CV on the design rebuilt by the test: each fold
  // fitted with the reference minimiser and scored with the reference score.
  const std::vector<SoftLabelRow> rows = reference_training_rows(fx);
  const std::vector<int> fold_of = simulated_group_kfold(rows.size(), 5);
  for (size_t i : {size_t{0}, size_t{3}, best}) {
    for (int f = 0; f < 5; ++f) {
      std::vector<SoftLabelRow> train;
      std::vector<SoftLabelRow> test;
      for (size_t j = 0; j < rows.size(); ++j) {
        (fold_of[j] == f ? test : train).push_back(rows[j]);
      }
      LD score = reference_score(test, reference_minimiser(train, 3, default_c_grid()[i]));
      CHECK(result->cv_scores[i].fold_scores[static_cast<size_t>(f)] ==
            doctest::Approx(static_cast<double>(score)).epsilon(1e-9));
    }
  }

  // The refit is the fit on all rows with the chosen C.
  LcOptions pinned;
  pinned.pinned_c = *result->chosen_c;
  auto refit = length_controlled_winrate(fx.annotations, fx.gamed, pinned);
  REQUIRE(refit.has_value());
  CHECK(refit->weights.length == result->weights.length);
  CHECK(refit->weights.difficulty == result->weights.difficulty);
  CHECK(refit->weights.not_gamed == result->weights.not_gamed);
  CHECK(refit->length_controlled_winrate == result->length_controlled_winrate);

  LcOptions bad;
  bad.pinned_c = 0.0;
  CHECK_FALSE(length_controlled_winrate(fx.annotations, fx.gamed, bad).has_value());
}

TEST_CASE("weights CSV: round trip byte for byte in upstream's layout")
{
  const std::string text =
      ",np.tanh(std_delta_len),instruction_difficulty,not_gamed_baseline.astype(float)\n"
      "gpt4_1106_preview,0.0000000000000000,0.0000000000000000,0.0000000000000000\n"
      "gpt4,-1.6932957655004517,0.9437877797808294,-0.5280788018374943\n"
      "Meta-Llama-3-8B-Instruct,-1.5260415796284870,1.0601549714712668,-1.6185347123220444\n";
  auto rows = parse_lc_weights_csv(text, "baseline_gpt4_1106_preview.csv");
  REQUIRE_MESSAGE(rows.has_value(), (rows ? "" : rows.error().message));
  REQUIRE(rows->size() == 3);
  CHECK((*rows)[2].model == "Meta-Llama-3-8B-Instruct");
  CHECK((*rows)[2].weights.length == -1.5260415796284870);
  CHECK((*rows)[2].weights.difficulty == 1.0601549714712668);
  CHECK((*rows)[2].weights.not_gamed == -1.6185347123220444);
  CHECK(lc_weights_csv(*rows) == text);

  // A new model is appended (its name quoted for the comma); a model saved
  // before moves to the end with its new weights (pandas keep="last").
  auto added = upsert_lc_weights(*rows, {"my,model", {-1.25, 0.5, 0.125}});
  auto updated = upsert_lc_weights(added, {"gpt4", {-1.0, 1.0 / 3.0, 2.0}});
  CHECK(lc_weights_csv(updated) ==
        ",np.tanh(std_delta_len),instruction_difficulty,not_gamed_baseline.astype(float)\n"
        "gpt4_1106_preview,0.0000000000000000,0.0000000000000000,0.0000000000000000\n"
        "Meta-Llama-3-8B-Instruct,-1.5260415796284870,1.0601549714712668,-1.6185347123220444\n"
        "\"my,model\",-1.2500000000000000,0.5000000000000000,0.1250000000000000\n"
        "gpt4,-1.0000000000000000,0.3333333333333333,2.0000000000000000\n");
  auto reparsed = parse_lc_weights_csv(lc_weights_csv(updated), "w.csv");
  REQUIRE(reparsed.has_value());
  CHECK((*reparsed)[2].model == "my,model");
  CHECK(lc_weights_csv(*reparsed) == lc_weights_csv(updated));

  // Repeated rows in a saved file collapse to the last one, at its place.
  auto repeated = parse_lc_weights_csv(
      std::string(lc_weights_header) + "\na,1,2,3\nb,4,5,6\na,7,8,9\n", "w.csv");
  REQUIRE(repeated.has_value());
  CHECK(find_lc_weights(*repeated, "a")->not_gamed == 9.0);
  CHECK_FALSE(find_lc_weights(*repeated, "zzz").has_value());
  CHECK(lc_weights_csv(upsert_lc_weights(*repeated, {"c", {0, 0, 0}})) ==
        std::string(lc_weights_header) +
            "\nb,4.0000000000000000,5.0000000000000000,6.0000000000000000\n"
            "a,7.0000000000000000,8.0000000000000000,9.0000000000000000\n"
            "c,0.0000000000000000,0.0000000000000000,0.0000000000000000\n");

  // predict_winrate from the parsed file: Meta-Llama-3-8B-Instruct against
  // the all-zero baseline row at d = 0 and d = 1.
  LcWeights llama = *find_lc_weights(*rows, "Meta-Llama-3-8B-Instruct");
  LcWeights base = *find_lc_weights(*rows, "gpt4_1106_preview");
  double by_hand = 100 *
                   (1 / (1 + std::exp(1.6185347123220444)) +
                    1 / (1 + std::exp(1.6185347123220444 - 1.0601549714712668))) /
                   2;
  CHECK(*predict_winrate(llama, base, {0.0, 1.0}) == doctest::Approx(by_hand).epsilon(1e-14));
}

TEST_CASE("weights CSV errors")
{
  auto bad_header = parse_lc_weights_csv(",a,b,c\nm,1,2,3\n", "w.csv");
  REQUIRE_FALSE(bad_header.has_value());
  CHECK(bad_header.error().message ==
        "w.csv:1: expected the header ',np.tanh(std_delta_len),instruction_difficulty,"
        "not_gamed_baseline.astype(float)'");
  auto bad_number =
      parse_lc_weights_csv(std::string(lc_weights_header) + "\nm,1,2,3\nn,1,x,3\n", "w.csv");
  REQUIRE_FALSE(bad_number.has_value());
  CHECK(bad_number.error().message ==
        "w.csv:3: column 'instruction_difficulty': 'x' is not a number");
}

TEST_CASE("df_gamed.csv: columns by name, others ignored")
{
  const std::string text = "model,index,output_len,preference,std_delta_len,"
                           "instruction_difficulty,not_gamed_baseline\n"
                           "\"gpt4_1106_preview_verbose\",0,1200,0.25,-1.5,0.875,False\n"
                           "gpt4_1106_preview_verbose,1,\"1,300\",,0.5,1.25,False\n"
                           "gpt4_1106_preview_concise,0,400,1.0,2.5e-1,0.875,True\n";
  auto rows = parse_df_gamed_csv(text, "df_gamed.csv");
  REQUIRE_MESSAGE(rows.has_value(), (rows ? "" : rows.error().message));
  REQUIRE(rows->size() == 3);
  CHECK((*rows)[0].index == 0);
  CHECK((*rows)[0].preference == 0.25);
  CHECK((*rows)[0].std_delta_len == -1.5);
  CHECK((*rows)[0].instruction_difficulty == 0.875);
  CHECK_FALSE((*rows)[0].not_gamed_baseline);
  CHECK((*rows)[1].index == 1);
  CHECK_FALSE((*rows)[1].preference.has_value());
  CHECK((*rows)[2].std_delta_len == 0.25);
  CHECK((*rows)[2].not_gamed_baseline);

  auto error = [](const std::string& csv) {
    auto r = parse_df_gamed_csv(csv, "df_gamed.csv");
    REQUIRE_FALSE(r.has_value());
    return r.error().message;
  };
  CHECK(error("index,preference,instruction_difficulty,not_gamed_baseline\n0,1,1,False\n") ==
        "df_gamed.csv: no column 'std_delta_len' in the header");
  const std::string header =
      "index,preference,std_delta_len,instruction_difficulty,not_gamed_baseline\n";
  CHECK(error(header + "0,0.5,0.1,0.2,False\n1,0.5,,0.2,False\n") ==
        "df_gamed.csv:3: column 'std_delta_len': a number is required, got ''");
  CHECK(error(header + "0,1.5,0.1,0.2,False\n") ==
        "df_gamed.csv:2: column 'preference': '1.5' is outside [0, 1]");
  CHECK(error(header + "0.5,0.5,0.1,0.2,False\n") ==
        "df_gamed.csv:2: column 'index': '0.5' is not a whole number");
  CHECK(error(header + "0,0.5,inf,0.2,False\n") ==
        "df_gamed.csv:2: column 'std_delta_len': 'inf' is not a finite number");
  CHECK(error(header + "0,0.5,0.1,0.2,0\n") ==
        "df_gamed.csv:2: column 'not_gamed_baseline': '0' is not True or False");
}

TEST_CASE("instruction_difficulty.csv")
{
  auto rows = parse_instruction_difficulty_csv("index,instruction_difficulty\n0,0.5\n1,-1.25\n",
                                               "instruction_difficulty.csv");
  REQUIRE(rows.has_value());
  REQUIRE(rows->size() == 2);
  CHECK((*rows)[1].index == 1);
  CHECK((*rows)[1].difficulty == -1.25);
  auto three = parse_instruction_difficulty_csv("a,b,c\n0,1,2\n", "instruction_difficulty.csv");
  REQUIRE_FALSE(three.has_value());
  CHECK(three.error().message ==
        "instruction_difficulty.csv:1: expected 2 columns (instruction index, difficulty), got 3");
  auto missing =
      parse_instruction_difficulty_csv("index,d\n0,0.5\n1,nan\n", "instruction_difficulty.csv");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message ==
        "instruction_difficulty.csv:3: column 'd': a number is required, got 'nan'");
}

TEST_SUITE_END();
