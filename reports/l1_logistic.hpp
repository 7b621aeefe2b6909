#pragma once

#include <cstddef>
#include <vector>

namespace reports {

// One training row of a soft-label logistic regression: features x, target
// probability p in [0, 1] and weight w >= 0.
struct SoftLabelRow
{
  std::vector<double> x;
  double p = 0;
  double w = 1;
};

// log(1 + e^z) without overflow or loss of precision for large |z|.
double log1p_exp(double z);

// The logistic function 1 / (1 + e^-z), without overflow.
double sigmoid(double z);

// The smooth part of the objective below, C * sum_j w_j * [p_j * log(1 + e^-z_j)
// + (1 - p_j) * log(1 + e^z_j)] with z_j = b.x_j.
double soft_logistic_loss(const std::vector<SoftLabelRow>& rows, double c,
                          const std::vector<double>& b);

// The full objective ||b||_1 + soft_logistic_loss(rows, c, b).
double l1_logistic_objective(const std::vector<SoftLabelRow>& rows, double c,
                             const std::vector<double>& b);

struct L1LogisticOptions
{
  int max_newton_iterations = 200;
  int max_inner_sweeps = 100000; // coordinate-descent sweeps per Newton step
  // Converged when the largest KKT violation is at most this times
  // max(1, C * sum_j w_j * max_k |x_jk|), a bound on the gradient's size.
  double tolerance = 1e-15;
};

struct L1LogisticFit
{
  std::vector<double> b;    // the coefficients, one per feature
  int iterations = 0;       // proximal Newton steps taken
  double kkt_violation = 0; // largest KKT violation at b (see l1_logistic_kkt_violation)
  bool converged = false;   // tolerance met, or no step could improve further
};

// Largest violation of the optimality conditions of the objective at b, with
// g = the gradient of soft_logistic_loss: |g_k + sign(b_k)| where b_k != 0,
// max(0, |g_k| - 1) where b_k == 0. Zero exactly at the optimum.
double l1_logistic_kkt_violation(const std::vector<SoftLabelRow>& rows, double c,
                                 const std::vector<double>& b);

// Minimises ||b||_1 + C * sum_j w_j * [p_j * log(1 + e^-b.x_j) + (1 - p_j) * log(1 + e^b.x_j)]
// (no intercept): liblinear's L1-regularised logistic regression on the rows
// duplicated as a label-1 copy of weight w*p and a label-0 copy of weight
// w*(1-p). Proximal Newton: each step minimises the quadratic model plus the
// L1 term by coordinate descent, then a backtracking line search on the
// objective; near the optimum, where objective differences drown in rounding,
// a full step is taken while it lowers the KKT violation. Converges to the
// optimum itself, not to liblinear's looser stopping point. Every row must
// have `features` values; c > 0.
L1LogisticFit fit_l1_logistic(const std::vector<SoftLabelRow>& rows, size_t features, double c,
                              const L1LogisticOptions& options = {});

} // namespace reports
