#include <reports/length_controlled.hpp>
#include <reports/statistics.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace reports {

using harness::Error;
using harness::Result;

namespace {

constexpr size_t feature_count = 3; // tanh(s), difficulty, not-gamed indicator

Error
lc_error(std::string message)
{
  return Error(Error::Kind::parse, "length-controlled win rate: " + std::move(message));
}

// scipy.special.expit as scikit-learn's predict_proba applies it.
double
expit(double z)
{
  return 1.0 / (1.0 + std::exp(-z));
}

bool
is_missing(const std::optional<double>& value)
{
  return !value || std::isnan(*value);
}

} // namespace

std::vector<double>
default_c_grid()
{
  // numpy.linspace(-4, 4, 10): i * step + start, the last point set to stop.
  const double start = -4.0;
  const double stop = 4.0;
  const double step = (stop - start) / 9.0;
  std::vector<double> grid;
  for (int i = 0; i < 10; ++i) {
    double exponent = i == 9 ? stop : static_cast<double>(i) * step + start;
    grid.push_back(std::pow(10.0, exponent));
  }
  return grid;
}

Result<LcDesign>
length_controlled_design(const std::vector<LcAnnotation>& annotations,
                         const std::vector<GamedRow>& gamed, double regularize_to_baseline_lambda)
{
  if (annotations.size() < 2) {
    return lc_error(fmt::format("needs at least 2 annotations, got {}", annotations.size()));
  }
  if (!(regularize_to_baseline_lambda >= 0) || !std::isfinite(regularize_to_baseline_lambda)) {
    return lc_error(
        fmt::format("lambda must be a finite number >= 0, got {}", regularize_to_baseline_lambda));
  }
  // Upstream: df_gamed.drop_duplicates("index")["instruction_difficulty"].
  std::unordered_map<long, double> difficulty_of;
  for (const auto& row : gamed) {
    difficulty_of.emplace(row.index, row.instruction_difficulty);
  }

  std::vector<double> deltas;
  deltas.reserve(annotations.size());
  for (const auto& a : annotations) {
    deltas.push_back(static_cast<double>(a.baseline_chars - a.model_chars));
  }
  const double sd = *sample_sd(deltas);
  if (!(sd > 0) || !std::isfinite(sd)) {
    return lc_error("the length differences (baseline - model) are all equal, so they cannot be "
                    "standardised");
  }

  LcDesign design;
  design.delta_sd = sd;
  if (regularize_to_baseline_lambda != 0) {
    for (size_t j = 0; j < gamed.size(); ++j) {
      const GamedRow& row = gamed[j];
      if (!std::isfinite(row.std_delta_len) || !std::isfinite(row.instruction_difficulty)) {
        return lc_error(
            fmt::format("gamed row {} (index {}) has a non-finite feature", j, row.index));
      }
      if (is_missing(row.preference)) {
        continue;
      }
      if (*row.preference < 0 || *row.preference > 1) {
        return lc_error(fmt::format("gamed row {} (index {}): preference {} is outside [0, 1]", j,
                                    row.index, *row.preference));
      }
      double weight = row.not_gamed_baseline ? 1.0 : regularize_to_baseline_lambda / 2.0;
      design.train.push_back(SoftLabelRow{{std::tanh(row.std_delta_len), row.instruction_difficulty,
                                           row.not_gamed_baseline ? 1.0 : 0.0},
                                          *row.preference,
                                          weight});
    }
  }
  for (size_t i = 0; i < annotations.size(); ++i) {
    const LcAnnotation& a = annotations[i];
    auto found = difficulty_of.find(a.index);
    if (found == difficulty_of.end()) {
      return lc_error(fmt::format(
          "annotation {}: no gamed row has index {}, so its difficulty is unknown", i, a.index));
    }
    design.difficulties.push_back(found->second);
    if (is_missing(a.preference)) {
      continue;
    }
    double preference = *a.preference == 0.0 ? 1.5 : *a.preference; // legacy 0 = a draw
    if (preference < 1 || preference > 2) {
      return lc_error(fmt::format("annotation {} (index {}): preference {} is outside [1, 2]", i,
                                  a.index, *a.preference));
    }
    design.train.push_back(
        SoftLabelRow{{std::tanh(deltas[i] / sd), found->second, 1.0}, preference - 1.0, 1.0});
  }
  return design;
}

std::vector<int>
group_kfold_folds(size_t rows, int folds)
{
  std::vector<int> fold(rows);
  const auto k = static_cast<size_t>(folds);
  for (size_t g = 0; g < rows; ++g) {
    fold[g] = static_cast<int>((rows - 1 - g) % k);
  }
  return fold;
}

double
soft_log_loss_score(const std::vector<SoftLabelRow>& rows, const std::vector<double>& b)
{
  if (rows.empty()) {
    return 0;
  }
  const double eps = 1e-15;
  double sum = 0;
  for (const auto& row : rows) {
    double z = 0;
    for (size_t k = 0; k < b.size(); ++k) {
      z += row.x[k] * b[k];
    }
    double q = std::clamp(expit(z), eps, 1.0 - eps);
    sum += row.w * (row.p * std::log(q) + (1.0 - row.p) * std::log(1.0 - q));
  }
  return sum / static_cast<double>(rows.size());
}

Result<CrossValidation>
cross_validate_c(const std::vector<SoftLabelRow>& rows, size_t features, int folds,
                 const std::vector<double>& c_grid)
{
  if (folds < 2) {
    return lc_error(fmt::format("cross-validation needs at least 2 folds, got {}", folds));
  }
  if (rows.size() < static_cast<size_t>(folds)) {
    return lc_error(fmt::format("{}-fold cross-validation needs at least {} training rows, got {}",
                                folds, folds, rows.size()));
  }
  if (c_grid.empty()) {
    return lc_error("the grid of C values is empty");
  }
  for (double c : c_grid) {
    if (!(c > 0) || !std::isfinite(c)) {
      return lc_error(fmt::format("C must be a finite number > 0, got {}", c));
    }
  }
  const std::vector<int> fold_of = group_kfold_folds(rows.size(), folds);
  CrossValidation cv;
  for (double c : c_grid) {
    CScore score;
    score.c = c;
    for (int f = 0; f < folds; ++f) {
      std::vector<SoftLabelRow> train;
      std::vector<SoftLabelRow> test;
      for (size_t j = 0; j < rows.size(); ++j) {
        (fold_of[j] == f ? test : train).push_back(rows[j]);
      }
      L1LogisticFit fit = fit_l1_logistic(train, features, c);
      score.fold_scores.push_back(soft_log_loss_score(test, fit.b));
      score.total += score.fold_scores.back();
    }
    cv.scores.push_back(std::move(score));
  }
  for (size_t i = 1; i < cv.scores.size(); ++i) {
    if (cv.scores[i].total > cv.scores[cv.best].total) {
      cv.best = i;
    }
  }
  return cv;
}

LcPrediction
predict_length_controlled(const LcWeights& weights, const std::vector<double>& difficulties)
{
  LcPrediction prediction;
  for (double d : difficulties) {
    // The design row (tanh(0), d, 1) times the coefficients, in column order.
    double z = 0.0 * weights.length + d * weights.difficulty + weights.not_gamed;
    prediction.probabilities.push_back(expit(z));
  }
  prediction.winrate = 100.0 * mean(prediction.probabilities).value_or(0.0);
  prediction.standard_error = 100.0 * sem(prediction.probabilities).value_or(0.0);
  return prediction;
}

Result<LengthControlledResult>
length_controlled_winrate(const std::vector<LcAnnotation>& annotations,
                          const std::vector<GamedRow>& gamed, const LcOptions& options)
{
  auto design = length_controlled_design(annotations, gamed, options.regularize_to_baseline_lambda);
  if (!design) {
    return design.error();
  }
  LengthControlledResult result;
  result.train_rows = design->train.size();
  double c = 0;
  if (options.pinned_c) {
    c = *options.pinned_c;
    if (!(c > 0) || !std::isfinite(c)) {
      return lc_error(fmt::format("the pinned C must be a finite number > 0, got {}", c));
    }
  } else {
    auto cv = cross_validate_c(design->train, feature_count, options.folds, options.c_grid);
    if (!cv) {
      return cv.error();
    }
    c = cv->scores[cv->best].c;
    result.cv_scores = std::move(cv->scores);
  }
  result.chosen_c = c;
  L1LogisticFit fit = fit_l1_logistic(design->train, feature_count, c);
  result.weights = LcWeights{fit.b[0], fit.b[1], fit.b[2]};
  LcPrediction prediction = predict_length_controlled(result.weights, design->difficulties);
  result.length_controlled_winrate = prediction.winrate;
  result.lc_standard_error = prediction.standard_error;
  result.glm_preferences = std::move(prediction.probabilities);
  return result;
}

LengthControlledResult
baseline_length_controlled(size_t annotations)
{
  LengthControlledResult result;
  result.length_controlled_winrate = 50.0;
  result.lc_standard_error = 0.0;
  result.glm_preferences.assign(annotations, 0.5);
  return result;
}

std::optional<double>
predict_winrate(const LcWeights& model, const LcWeights& baseline,
                const std::vector<double>& difficulties)
{
  if (difficulties.empty()) {
    return std::nullopt;
  }
  const double not_gamed = model.not_gamed - baseline.not_gamed;
  const double difficulty = model.difficulty - baseline.difficulty;
  double sum = 0;
  for (double d : difficulties) {
    sum += sigmoid(not_gamed + difficulty * d);
  }
  return 100.0 * sum / static_cast<double>(difficulties.size());
}

} // namespace reports
