#pragma once

#include <harness/store.hpp>

#include <optional>
#include <vector>

namespace reports {

// Outcomes of a pairwise run (model against its baseline). Rates are over
// n = wins + ties + losses; unparseable verdicts and failed requests are
// counted, not rated.
struct PairwiseScores
{
  long wins = 0;
  long ties = 0;
  long losses = 0;
  long parse_failures = 0;
  long errors = 0;
  long n = 0;
  std::optional<double> win_rate;     // W / n
  std::optional<double> tie_win_rate; // (W + T) / n, the Janus headline
  std::optional<double> adjusted;     // (W + 0.5 T) / n, FastChat's win_rate_adjusted
  // AlpacaEval: 100 * mean(preference - 1) over verdicts with a preference.
  std::optional<double> preference_win_rate;
};

PairwiseScores summarize_pairwise(const std::vector<harness::VerdictRecord>& verdicts);

} // namespace reports
