#include <reports/bradley_terry.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

namespace reports {

namespace {

using harness::Error;

// Rating points per unit of the natural-log strength theta: P(i beats j) =
// 1 / (1 + exp(theta_j - theta_i)) = 1 / (1 + 10^((R_j - R_i) / 400)).
constexpr double k_elo_per_unit = 400.0 / std::numbers::ln10;
constexpr double k_tolerance_elo = 1e-10;
constexpr int k_max_iterations = 200;

// The sufficient statistics: per ordered pair, battles and win shares.
struct PairCounts
{
  std::size_t m = 0;
  std::vector<double> n; // n[i * m + j]: battles between i and j (symmetric)
  std::vector<double> s; // s[i * m + j]: i's wins against j, plus half the ties
};

// log(1 / (1 + exp(-d))) without overflow.
double
log_logistic(double d)
{
  return d >= 0 ? -std::log1p(std::exp(-d)) : d - std::log1p(std::exp(d));
}

double
logistic(double d)
{
  return 1.0 / (1.0 + std::exp(-d));
}

// Log-likelihood of strengths `theta` for the q models with counts n, s (q x q).
double
log_likelihood(const std::vector<double>& theta, const std::vector<double>& n,
               const std::vector<double>& s, std::size_t q)
{
  double ll = 0;
  for (std::size_t i = 0; i < q; ++i) {
    for (std::size_t j = i + 1; j < q; ++j) {
      if (n[i * q + j] > 0) {
        const double d = theta[i] - theta[j];
        ll += s[i * q + j] * log_logistic(d) + s[j * q + i] * log_logistic(-d);
      }
    }
  }
  return ll;
}

// Solves a x = b for a symmetric positive definite f x f matrix (Cholesky);
// false when a is not positive definite.
bool
cholesky_solve(std::vector<double> a, std::vector<double>& b, std::size_t f)
{
  for (std::size_t j = 0; j < f; ++j) {
    double d = a[j * f + j];
    for (std::size_t k = 0; k < j; ++k) {
      d -= a[j * f + k] * a[j * f + k];
    }
    if (!(d > 0)) {
      return false;
    }
    d = std::sqrt(d);
    a[j * f + j] = d;
    for (std::size_t i = j + 1; i < f; ++i) {
      double v = a[i * f + j];
      for (std::size_t k = 0; k < j; ++k) {
        v -= a[i * f + k] * a[j * f + k];
      }
      a[i * f + j] = v / d;
    }
  }
  for (std::size_t i = 0; i < f; ++i) { // L y = b
    double v = b[i];
    for (std::size_t k = 0; k < i; ++k) {
      v -= a[i * f + k] * b[k];
    }
    b[i] = v / a[i * f + i];
  }
  for (std::size_t i = f; i-- > 0;) { // L^T x = y
    double v = b[i];
    for (std::size_t k = i + 1; k < f; ++k) {
      v -= a[k * f + i] * b[k];
    }
    b[i] = v / a[i * f + i];
  }
  return true;
}

// The MLE strengths of q models whose "won or tied against" graph is strongly
// connected (so the MLE exists), with model 0 fixed at 0: damped Newton on
// the log-likelihood. nullopt when it does not converge.
std::optional<std::vector<double>>
newton_fit(const std::vector<double>& n, const std::vector<double>& s, std::size_t q)
{
  std::vector<double> theta(q, 0.0);
  if (q < 2) {
    return theta;
  }
  const std::size_t f = q - 1; // free strengths: models 1..q-1
  std::vector<double> grad(q);
  std::vector<double> hess(q * q);
  std::vector<double> candidate(q);
  for (int iteration = 0; iteration < k_max_iterations; ++iteration) {
    std::fill(grad.begin(), grad.end(), 0.0);
    std::fill(hess.begin(), hess.end(), 0.0);
    for (std::size_t i = 0; i < q; ++i) {
      for (std::size_t j = i + 1; j < q; ++j) {
        const double nij = n[i * q + j];
        if (nij > 0) {
          const double p = logistic(theta[i] - theta[j]);
          const double g = s[i * q + j] - nij * p;
          const double w = nij * p * (1.0 - p);
          grad[i] += g;
          grad[j] -= g;
          hess[i * q + i] += w;
          hess[j * q + j] += w;
          hess[i * q + j] -= w;
          hess[j * q + i] -= w;
        }
      }
    }
    std::vector<double> reduced(f * f);
    std::vector<double> step(f);
    for (std::size_t i = 0; i < f; ++i) {
      step[i] = grad[i + 1];
      for (std::size_t j = 0; j < f; ++j) {
        reduced[i * f + j] = hess[(i + 1) * q + (j + 1)];
      }
    }
    if (!cholesky_solve(std::move(reduced), step, f)) {
      return std::nullopt;
    }
    double largest = 0;
    for (double v : step) {
      largest = std::max(largest, std::abs(v));
    }
    if (!std::isfinite(largest)) {
      return std::nullopt;
    }
    // Backtrack until the likelihood does not drop (beyond rounding).
    const double ll = log_likelihood(theta, n, s, q);
    double t = 1.0;
    for (int halving = 0;; ++halving) {
      candidate[0] = 0.0;
      for (std::size_t i = 0; i < f; ++i) {
        candidate[i + 1] = theta[i + 1] + t * step[i];
      }
      if (log_likelihood(candidate, n, s, q) >= ll - 1e-13 * (1.0 + std::abs(ll))) {
        break;
      }
      if (halving == 60) {
        return std::nullopt;
      }
      t /= 2;
    }
    theta.swap(candidate);
    if (t == 1.0 && largest * k_elo_per_unit < k_tolerance_elo) {
      return theta;
    }
  }
  return std::nullopt;
}

// Adds the rows to the counts; an Error for a bad index.
std::optional<Error>
add_row(PairCounts& counts, const Battle& battle)
{
  const auto m = static_cast<long long>(counts.m);
  if (battle.a < 0 || battle.b < 0 || battle.a >= m || battle.b >= m) {
    return Error(Error::Kind::config,
                 "Bradley-Terry fit: a battle's model index (" + std::to_string(battle.a) + " or " +
                     std::to_string(battle.b) + ") is outside [0, " + std::to_string(m) + ")");
  }
  if (battle.a == battle.b) {
    return Error(Error::Kind::config, "Bradley-Terry fit: a battle of model " +
                                          std::to_string(battle.a) + " against itself");
  }
  const auto a = static_cast<std::size_t>(battle.a);
  const auto b = static_cast<std::size_t>(battle.b);
  counts.n[a * counts.m + b] += 1.0;
  counts.n[b * counts.m + a] += 1.0;
  switch (battle.outcome) {
  case Battle::Outcome::a_wins: counts.s[a * counts.m + b] += 1.0; break;
  case Battle::Outcome::b_wins: counts.s[b * counts.m + a] += 1.0; break;
  case Battle::Outcome::tie:
    counts.s[a * counts.m + b] += 0.5;
    counts.s[b * counts.m + a] += 0.5;
    break;
  }
  return std::nullopt;
}

// Models reachable from `from` along edges i -> j where i won (or tied)
// against j at least once; reach[from] itself is true.
std::vector<char>
reachable(const PairCounts& counts, std::size_t from)
{
  const std::size_t m = counts.m;
  std::vector<char> seen(m, 0);
  std::vector<std::size_t> stack{from};
  seen[from] = 1;
  while (!stack.empty()) {
    const std::size_t i = stack.back();
    stack.pop_back();
    for (std::size_t j = 0; j < m; ++j) {
      if (!seen[j] && counts.s[i * m + j] > 0) {
        seen[j] = 1;
        stack.push_back(j);
      }
    }
  }
  return seen;
}

harness::Result<std::vector<double>>
fit(const PairCounts& counts, std::optional<int> anchor)
{
  const std::size_t m = counts.m;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> ratings(m, nan);

  std::vector<char> present(m, 0);
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < m; ++j) {
      present[i] = present[i] || counts.n[i * m + j] > 0;
    }
  }
  std::vector<std::vector<char>> reach(m);
  for (std::size_t i = 0; i < m; ++i) {
    if (present[i]) {
      reach[i] = reachable(counts, i);
    }
  }
  std::optional<std::size_t> anchor_index;
  if (anchor && *anchor >= 0 && static_cast<std::size_t>(*anchor) < m &&
      present[static_cast<std::size_t>(*anchor)]) {
    anchor_index = static_cast<std::size_t>(*anchor);
  }

  // Each connected group: its finite part fitted, ratings relative to the
  // part's mean (in `ratings`, still without the +1000 and the anchor shift).
  std::vector<int> group(m, -1);
  double anchor_shift = 0; // the anchor's rating relative to its part's mean
  int groups = 0;
  for (std::size_t start = 0; start < m; ++start) {
    if (!present[start] || group[start] >= 0) {
      continue;
    }
    std::vector<std::size_t> members{start};
    group[start] = groups;
    for (std::size_t k = 0; k < members.size(); ++k) {
      for (std::size_t j = 0; j < m; ++j) {
        if (group[j] < 0 && counts.n[members[k] * m + j] > 0) {
          group[j] = groups;
          members.push_back(j);
        }
      }
    }
    std::sort(members.begin(), members.end());
    ++groups;

    auto same_part = [&](std::size_t i, std::size_t j) {
      return reach[i][j] && reach[j][i];
    };
    std::size_t reference = members.front();
    if (anchor_index && group[*anchor_index] == group[start]) {
      reference = *anchor_index;
    } else {
      std::size_t best = 0;
      for (std::size_t i : members) {
        std::size_t size = 0;
        for (std::size_t j : members) {
          size += same_part(i, j) ? 1u : 0u;
        }
        if (size > best) {
          best = size;
          reference = i;
        }
      }
    }
    std::vector<std::size_t> part{reference}; // the reference first: fixed at 0
    for (std::size_t j : members) {
      if (j == reference) {
        continue;
      }
      if (same_part(reference, j)) {
        part.push_back(j);
      } else if (reach[j][reference]) {
        ratings[j] = inf;
      } else if (reach[reference][j]) {
        ratings[j] = -inf;
      } // else NaN: not determined
    }

    const std::size_t q = part.size();
    std::vector<double> n(q * q);
    std::vector<double> s(q * q);
    for (std::size_t i = 0; i < q; ++i) {
      for (std::size_t j = 0; j < q; ++j) {
        n[i * q + j] = counts.n[part[i] * m + part[j]];
        s[i * q + j] = counts.s[part[i] * m + part[j]];
      }
    }
    auto theta = newton_fit(n, s, q);
    if (!theta) {
      return Error(Error::Kind::config, "Bradley-Terry fit: Newton's method did not converge (" +
                                            std::to_string(q) + " models, " + std::to_string(m) +
                                            " in all)");
    }
    double mean = 0;
    for (double t : *theta) {
      mean += k_elo_per_unit * t;
    }
    mean /= static_cast<double>(q);
    for (std::size_t i = 0; i < q; ++i) {
      const double relative = k_elo_per_unit * (*theta)[i];
      if (part[i] == anchor_index) {
        anchor_shift = mean; // the anchor is 0 here, mean below its part's mean
      }
      // The anchor's own part is kept relative to the anchor (at 0), so that
      // its ratings need no second shift; the others relative to their mean.
      ratings[part[i]] = (anchor_index && reference == *anchor_index) ? relative : relative - mean;
    }
  }

  // Unanchored: mean 1000 per group. Anchored: everything shifted by the same
  // amount so that the anchor is 1000; its own group was kept relative to it.
  for (std::size_t i = 0; i < m; ++i) {
    if (!std::isfinite(ratings[i])) {
      continue;
    }
    const bool anchors_group = anchor_index && group[i] == group[*anchor_index];
    ratings[i] =
        anchor_index && !anchors_group ? 1000.0 + ratings[i] + anchor_shift : 1000.0 + ratings[i];
  }
  return ratings;
}

harness::Result<PairCounts>
empty_counts(int models)
{
  if (models < 0) {
    return Error(Error::Kind::config, "Bradley-Terry fit: a negative number of models");
  }
  PairCounts counts;
  counts.m = static_cast<std::size_t>(models);
  counts.n.assign(counts.m * counts.m, 0.0);
  counts.s.assign(counts.m * counts.m, 0.0);
  return counts;
}

} // namespace

harness::Result<std::vector<double>>
bradley_terry_ratings(const std::vector<Battle>& battles, int models, std::optional<int> anchor)
{
  auto counts = empty_counts(models);
  if (!counts) {
    return counts.error();
  }
  for (const auto& battle : battles) {
    if (auto error = add_row(*counts, battle)) {
      return *error;
    }
  }
  return fit(*counts, anchor);
}

harness::Result<std::vector<double>>
bradley_terry_ratings(const std::vector<Battle>& battles, const std::vector<std::size_t>& positions,
                      int models, std::optional<int> anchor)
{
  auto counts = empty_counts(models);
  if (!counts) {
    return counts.error();
  }
  for (std::size_t position : positions) {
    if (position >= battles.size()) {
      return Error(Error::Kind::config, "Bradley-Terry fit: row position " +
                                            std::to_string(position) + " is past the " +
                                            std::to_string(battles.size()) + " rows");
    }
    if (auto error = add_row(*counts, battles[position])) {
      return *error;
    }
  }
  return fit(*counts, anchor);
}

} // namespace reports
