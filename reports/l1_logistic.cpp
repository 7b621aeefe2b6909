#include <reports/l1_logistic.hpp>

#include <algorithm>
#include <cmath>

namespace reports {

namespace {

double
dot(const std::vector<double>& x, const std::vector<double>& b)
{
  double z = 0;
  for (size_t k = 0; k < b.size(); ++k) {
    z += x[k] * b[k];
  }
  return z;
}

// sigmoid(z) - p, without the cancellation of 1 - sigmoid(-z) for large z.
double
residual(double z, double p)
{
  return z >= 0 ? (1.0 - p) - sigmoid(-z) : sigmoid(z) - p;
}

double
l1_norm(const std::vector<double>& b)
{
  double s = 0;
  for (double v : b) {
    s += std::abs(v);
  }
  return s;
}

double
max_abs(const std::vector<double>& v)
{
  double m = 0;
  for (double x : v) {
    m = std::max(m, std::abs(x));
  }
  return m;
}

// Gradient of soft_logistic_loss at b.
std::vector<double>
gradient(const std::vector<SoftLabelRow>& rows, double c, const std::vector<double>& b)
{
  std::vector<double> g(b.size(), 0.0);
  for (const auto& row : rows) {
    double r = row.w * residual(dot(row.x, b), row.p);
    for (size_t k = 0; k < b.size(); ++k) {
      g[k] += r * row.x[k];
    }
  }
  for (double& v : g) {
    v *= c;
  }
  return g;
}

// Hessian of soft_logistic_loss at b, row-major features x features.
std::vector<double>
hessian(const std::vector<SoftLabelRow>& rows, double c, const std::vector<double>& b)
{
  const size_t n = b.size();
  std::vector<double> h(n * n, 0.0);
  for (const auto& row : rows) {
    double z = dot(row.x, b);
    double v = row.w * sigmoid(z) * sigmoid(-z);
    for (size_t k = 0; k < n; ++k) {
      for (size_t l = 0; l <= k; ++l) {
        h[k * n + l] += v * row.x[k] * row.x[l];
      }
    }
  }
  for (size_t k = 0; k < n; ++k) {
    for (size_t l = 0; l <= k; ++l) {
      h[k * n + l] *= c;
      h[l * n + k] = h[k * n + l];
    }
  }
  return h;
}

double
kkt_violation(const std::vector<double>& g, const std::vector<double>& b)
{
  double worst = 0;
  for (size_t k = 0; k < b.size(); ++k) {
    double v = b[k] > 0   ? std::abs(g[k] + 1.0)
               : b[k] < 0 ? std::abs(g[k] - 1.0)
                          : std::max(0.0, std::abs(g[k]) - 1.0);
    worst = std::max(worst, v);
  }
  return worst;
}

// The minimiser u of g.(u - b) + (u - b)'H(u - b)/2 + ||u||_1, by cyclic
// coordinate descent from u = b.
std::vector<double>
newton_direction_target(const std::vector<double>& g, const std::vector<double>& h,
                        const std::vector<double>& b, int max_sweeps)
{
  const size_t n = b.size();
  std::vector<double> u = b;
  for (int sweep = 0; sweep < max_sweeps; ++sweep) {
    double largest_change = 0;
    for (size_t k = 0; k < n; ++k) {
      const double a = h[k * n + k];
      double target = 0;
      if (a > 0) {
        // The coordinate's problem is a*u^2/2 + r*u + |u|.
        double r = g[k] - a * b[k];
        for (size_t l = 0; l < n; ++l) {
          if (l != k) {
            r += h[k * n + l] * (u[l] - b[l]);
          }
        }
        target = r < -1.0 ? -(r + 1.0) / a : r > 1.0 ? -(r - 1.0) / a : 0.0;
      }
      largest_change = std::max(largest_change, std::abs(target - u[k]));
      u[k] = target;
    }
    if (largest_change <= 1e-15 * (1.0 + max_abs(u))) {
      break;
    }
  }
  return u;
}

} // namespace

double
log1p_exp(double z)
{
  return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
}

double
sigmoid(double z)
{
  if (z >= 0) {
    return 1.0 / (1.0 + std::exp(-z));
  }
  double e = std::exp(z);
  return e / (1.0 + e);
}

double
soft_logistic_loss(const std::vector<SoftLabelRow>& rows, double c, const std::vector<double>& b)
{
  double sum = 0;
  for (const auto& row : rows) {
    double z = dot(row.x, b);
    sum += row.w * (row.p * log1p_exp(-z) + (1.0 - row.p) * log1p_exp(z));
  }
  return c * sum;
}

double
l1_logistic_objective(const std::vector<SoftLabelRow>& rows, double c, const std::vector<double>& b)
{
  return l1_norm(b) + soft_logistic_loss(rows, c, b);
}

double
l1_logistic_kkt_violation(const std::vector<SoftLabelRow>& rows, double c,
                          const std::vector<double>& b)
{
  return kkt_violation(gradient(rows, c, b), b);
}

L1LogisticFit
fit_l1_logistic(const std::vector<SoftLabelRow>& rows, size_t features, double c,
                const L1LogisticOptions& options)
{
  L1LogisticFit fit;
  fit.b.assign(features, 0.0);
  std::vector<double>& b = fit.b;

  double scale = 0;
  for (const auto& row : rows) {
    scale += row.w * max_abs(row.x);
  }
  const double tolerance = options.tolerance * std::max(1.0, c * scale);

  std::vector<double> g = gradient(rows, c, b);
  double violation = kkt_violation(g, b);
  for (fit.iterations = 0; fit.iterations < options.max_newton_iterations; ++fit.iterations) {
    if (violation <= tolerance) {
      fit.converged = true;
      break;
    }
    std::vector<double> u =
        newton_direction_target(g, hessian(rows, c, b), b, options.max_inner_sweeps);
    std::vector<double> d(features);
    double decrease = l1_norm(u) - l1_norm(b); // the model's predicted change, <= 0
    for (size_t k = 0; k < features; ++k) {
      d[k] = u[k] - b[k];
      decrease += g[k] * d[k];
    }
    if (max_abs(d) == 0) { // b solves its own quadratic model: optimal
      fit.converged = true;
      break;
    }
    const double f0 = l1_logistic_objective(rows, c, b);
    if (-decrease > 1e-11 * (std::abs(f0) + 1.0)) {
      // Backtracking (Armijo) line search on the objective, as newGLMNET.
      bool accepted = false;
      double alpha = 1.0;
      for (int halving = 0; halving < 60 && !accepted; ++halving, alpha /= 2) {
        std::vector<double> trial(features);
        for (size_t k = 0; k < features; ++k) {
          trial[k] = b[k] + alpha * d[k];
        }
        if (l1_logistic_objective(rows, c, trial) <= f0 + 0.01 * alpha * decrease) {
          b = trial;
          accepted = true;
        }
      }
      if (!accepted) {
        break;
      }
      g = gradient(rows, c, b);
      violation = kkt_violation(g, b);
    } else {
      // Objective differences are now rounding noise: take the full step
      // while it brings the gradient closer to optimality.
      std::vector<double> g_new = gradient(rows, c, u);
      double violation_new = kkt_violation(g_new, u);
      if (violation_new >= violation) {
        fit.converged = true;
        break;
      }
      b = u;
      g = g_new;
      violation = violation_new;
    }
  }
  if (!fit.converged && violation <= tolerance) {
    fit.converged = true;
  }
  fit.kkt_violation = violation;
  return fit;
}

} // namespace reports
