#pragma once

#include <harness/error.hpp>

#include <cstddef>
#include <optional>
#include <vector>

namespace reports {

// One battle between models a and b (indices 0..models-1). A verdict worth
// several battles (Arena-Hard's weight-3 "strong" verdicts) is that many
// identical rows.
struct Battle
{
  enum class Outcome { a_wins, b_wins, tie };
  int a = 0;
  int b = 0;
  Outcome outcome = Outcome::tie;
};

// The Bradley–Terry maximum-likelihood ratings of Arena-Hard-Auto's
// compute_mle_elo (show_result.py): P(a beats b) = 1 / (1 + 10^((R_b - R_a) /
// 400)), a tie counting as half a win for each side, ratings = 400 beta +
// 1000. Solved to the exact MLE (damped Newton on the per-pair win counts,
// to about 1e-10 Elo) where upstream stops lbfgs at its tolerance.
//
// Returns one rating per model index. A model in no row is NaN. Within each
// connected group of models, the ratings have mean 1000 (what lbfgs started
// from zero gives); with an anchor that appears in some row, every rating is
// then shifted so that the anchor is exactly 1000 (upstream's anchor at
// gpt-4-0314).
//
// Where the MLE does not exist (a model that never loses, say), the fit is
// done on the strongly connected part of the "won or tied at least once
// against" graph that holds the anchor (without an anchor, the group's
// largest such part, lowest index first). Models that lead into it (a model
// that never loses) are +infinity, models it leads into (one that never wins
// nor ties) are -infinity, and models related to it by neither are NaN (not
// determined).
//
// Errors: an index outside [0, models), a battle of a model against itself,
// or a fit that does not converge.
harness::Result<std::vector<double>>
bradley_terry_ratings(const std::vector<Battle>& battles, int models,
                      std::optional<int> anchor = std::nullopt);

// The same fit on the rows at `positions` of `battles` (repeats allowed, as a
// bootstrap resample draws them), without copying the rows.
harness::Result<std::vector<double>>
bradley_terry_ratings(const std::vector<Battle>& battles, const std::vector<std::size_t>& positions,
                      int models, std::optional<int> anchor = std::nullopt);

} // namespace reports
