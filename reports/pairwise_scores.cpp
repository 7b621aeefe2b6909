#include <reports/pairwise_scores.hpp>

namespace reports {

PairwiseScores
summarize_pairwise(const std::vector<harness::VerdictRecord>& verdicts)
{
  PairwiseScores s;
  double preference_sum = 0;
  long preferences = 0;
  for (const auto& v : verdicts) {
    if (v.status == "ok") {
      if (v.winner == "model") {
        ++s.wins;
      } else if (v.winner == "baseline") {
        ++s.losses;
      } else {
        ++s.ties;
      }
      if (v.score) {
        preference_sum += *v.score - 1.0;
        ++preferences;
      }
    } else if (v.status == "parse_failed" || v.status == "out_of_range") {
      ++s.parse_failures;
    } else {
      ++s.errors;
    }
  }
  s.n = s.wins + s.ties + s.losses;
  if (s.n > 0) {
    const auto n = static_cast<double>(s.n);
    s.win_rate = static_cast<double>(s.wins) / n;
    s.tie_win_rate = static_cast<double>(s.wins + s.ties) / n;
    s.adjusted = (static_cast<double>(s.wins) + 0.5 * static_cast<double>(s.ties)) / n;
  }
  if (preferences > 0) {
    s.preference_win_rate = 100.0 * preference_sum / static_cast<double>(preferences);
  }
  return s;
}

} // namespace reports
