#pragma once

#include <reports/l1_logistic.hpp>

#include <harness/error.hpp>

#include <cstddef>
#include <optional>
#include <vector>

namespace reports {

// AlpacaEval 2.0's length-controlled (LC) win rate, as alpaca_eval's
// metrics/glm_winrate.py computes it with the formula length_controlled_v1
// (see shared/benchmarks/alpaca_eval/LENGTH_CONTROLLED.md): a logistic model
// of the model's preferences on tanh(standardised length difference),
// instruction difficulty and a "not gamed baseline" indicator, fitted with L1
// regularisation and 5-fold cross-validation of C, then predicted with the
// length term switched off.

// One annotation of the model against the baseline, in evaluation-set order.
struct LcAnnotation
{
  long index = 0;          // the instruction's key (its position in the evaluation set)
  long baseline_chars = 0; // length of the baseline's output (output_1) in code points
  long model_chars = 0;    // length of the model's output (output_2) in code points
  // 1 = the baseline wins, 2 = the model wins, in between a soft preference;
  // a legacy 0 means a draw (1.5); nullopt (or NaN) = a failed annotation.
  std::optional<double> preference;
};

// One row of alpaca_eval's df_gamed.csv: the baseline against its own
// verbose / concise ("gamed") versions, with features precomputed.
struct GamedRow
{
  long index = 0;                   // instruction key
  std::optional<double> preference; // already in [0, 1]; nullopt = missing
  double std_delta_len = 0;         // standardised length difference (before tanh)
  double instruction_difficulty = 0;
  bool not_gamed_baseline = false; // False in the published file
};

// The three coefficients, named after upstream's saved columns.
struct LcWeights
{
  double length = 0;     // "np.tanh(std_delta_len)"
  double difficulty = 0; // "instruction_difficulty"
  double not_gamed = 0;  // "not_gamed_baseline.astype(float)"
};

// numpy.logspace(-4, 4, 10) as numpy computes it (scikit-learn's Cs=10):
// 10 ** (i * (8 / 9) - 4) for i < 9, and 10 ** 4.
std::vector<double> default_c_grid();

struct LcOptions
{
  double regularize_to_baseline_lambda = 0.2; // 0: the gamed rows are not used in the fit
  int folds = 5;
  std::vector<double> c_grid = default_c_grid();
  std::optional<double> pinned_c; // set: fit with this C, no cross-validation
};

// The fit's inputs. Features are, in this order, tanh(s), difficulty and the
// not-gamed indicator.
struct LcDesign
{
  // Training rows: the gamed rows (weight lambda/2, or 1 where stored
  // not_gamed_baseline is True), then the model's rows (weight 1, indicator 1,
  // p = preference - 1); rows without a target left out. Empty of gamed rows
  // when lambda is 0.
  std::vector<SoftLabelRow> train;
  std::vector<double> difficulties; // per model annotation, all of them, in order
  double delta_sd = 0;              // sd(baseline_chars - model_chars), ddof = 1
};

// Builds the design: delta_i = baseline_chars - model_chars, s_i = delta_i /
// sd(delta) over all the model's annotations (ddof = 1, no centring),
// features (tanh(s_i), d_i, 1) with d_i the difficulty of the first gamed row
// with the same index; the gamed rows' features are (tanh(std_delta_len),
// instruction_difficulty, not_gamed_baseline) as stored. A Kind::parse Error
// when there are fewer than 2 annotations, sd(delta) is 0, an index has no
// gamed row, or a preference is outside [1, 2] (gamed: [0, 1]).
harness::Result<LcDesign> length_controlled_design(const std::vector<LcAnnotation>& annotations,
                                                   const std::vector<GamedRow>& gamed,
                                                   double regularize_to_baseline_lambda);

// scikit-learn's GroupKFold(folds) fold of each of `rows` training rows when
// every row is its own group (both copies of a duplicated row share it): row g
// goes to fold (rows - 1 - g) % folds. GroupKFold fills folds round-robin in
// the reversed order of numpy's argsort of the (all equal) group sizes; that
// argsort order is implementation-defined (it differs between numpy versions),
// and this takes it as the identity.
std::vector<int> group_kfold_folds(size_t rows, int folds);

// The cross-validation score upstream uses (minus its logloss): the mean over
// `rows` of w_j * [p_j * log(q_j) + (1 - p_j) * log(1 - q_j)], q_j =
// sigmoid(b.x_j) clipped to [1e-15, 1 - 1e-15]. Higher is better; 0 for no rows.
double soft_log_loss_score(const std::vector<SoftLabelRow>& rows, const std::vector<double>& b);

struct CScore
{
  double c = 0;
  std::vector<double> fold_scores; // per fold: fit on the other folds, score this one
  double total = 0;                // sum over folds
};

struct CrossValidation
{
  std::vector<CScore> scores; // one per grid value, in grid order
  size_t best = 0;            // the largest total, the first on ties
};

// LogisticRegressionCV's choice of C: for each C of the grid and each fold of
// group_kfold_folds, fit_l1_logistic on the other folds' rows and score the
// fold with soft_log_loss_score. A Kind::parse Error for fewer rows than
// folds, fewer than 2 folds, an empty grid or a C that is not positive.
harness::Result<CrossValidation> cross_validate_c(const std::vector<SoftLabelRow>& rows,
                                                  size_t features, int folds,
                                                  const std::vector<double>& c_grid);

struct LcPrediction
{
  std::vector<double> probabilities; // q_i = sigmoid(not_gamed + difficulty * d_i)
  double winrate = 0;                // 100 * mean(q)
  double standard_error = 0;         // 100 * sd(q, ddof = 1) / sqrt(n); 0 for n < 2
};

// Predicts every instruction with the length term off (tanh(0) = 0) and the
// indicator on.
LcPrediction predict_length_controlled(const LcWeights& weights,
                                       const std::vector<double>& difficulties);

struct LengthControlledResult
{
  double length_controlled_winrate = 0; // percent
  double lc_standard_error = 0;         // percent; spread of the predictions, not of the fit
  LcWeights weights;
  std::optional<double> chosen_c;      // nullopt for the baseline itself
  std::vector<CScore> cv_scores;       // empty when C was pinned
  std::vector<double> glm_preferences; // q_i per annotation, in order
  size_t train_rows = 0;               // gamed and model rows with a target
};

// The LC win rate of a model that is not the baseline: design, choice of C by
// cross-validation (or options.pinned_c), refit on all training rows with it,
// prediction. Errors as length_controlled_design and cross_validate_c, and for
// a pinned C that is not positive.
harness::Result<LengthControlledResult>
length_controlled_winrate(const std::vector<LcAnnotation>& annotations,
                          const std::vector<GamedRow>& gamed, const LcOptions& options = {});

// The result for the model that is the baseline itself (upstream compares the
// generator names): every q_i = 0.5, LC 50, standard error 0, weights 0.
LengthControlledResult baseline_length_controlled(size_t annotations);

// Upstream's predict_winrate, in percent (upstream returns the fraction):
// 100 * mean_i sigmoid(dw.not_gamed + dw.difficulty * d_i) with dw = model -
// baseline weights and d_i from instruction_difficulty.csv. nullopt for no
// difficulties.
std::optional<double> predict_winrate(const LcWeights& model, const LcWeights& baseline,
                                      const std::vector<double>& difficulties);

} // namespace reports
