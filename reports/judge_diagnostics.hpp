#pragma once

#include <harness/store.hpp>

#include <optional>
#include <string>
#include <vector>

namespace reports {

// How far to trust a run's judge, from its own verdicts: how often it could
// not be read, how its two games of a pair agree when the answers swap
// places, whether the first place wins more often, and whether the longer
// answer does. Each count comes with the number it is a share of.
struct JudgeDiagnostics
{
  long verdicts = 0;
  long unreadable = 0; // status parse_failed or out_of_range

  // Protocols that play each pair twice, the answers swapped (pairwise,
  // arena_hard): pairs with both games read; of them, those whose games name
  // different outcomes for the model (one a win, the other a tie or a loss),
  // and those naming different winners (a win in one, a loss in the other).
  long pairs = 0;
  long swap_inconsistent = 0;
  // Their games, and those whose label could not be read (an Arena-Hard game
  // dropped: no label, or two that conflict; the verdict may still stand on
  // the other game).
  long games = 0;
  long games_unread = 0;
  long swap_flips = 0;
  // Games with a winner, and those won by the answer shown first.
  long decisive_games = 0;
  long first_position_wins = 0;

  // Pairwise: verdicts with a winner whose two answers differ in length, and
  // those won by the longer one.
  long decisive_with_lengths = 0;
  long longer_won = 0;
  // Scores (single, absolute, flask): Pearson's r between a verdict's score
  // and its answer's length in characters, over `scored_with_lengths`.
  std::optional<double> score_length_r;
  long scored_with_lengths = 0;

  // The judge calls behind the verdicts (Store::judge_call_counts): all,
  // those that re-asked (a reply that could not be read asked again, an
  // Arena-Hard game continued), and the verdicts with any re-ask.
  long judge_calls = 0;
  long resampled_calls = 0;
  long resampled_verdicts = 0;
};

// The diagnostics of a run's verdicts (as Store::verdicts reads them for
// reports: labels, positions, winner, score, the answers' lengths).
// `protocol` says how a verdict's labels name its games: pairwise ("A", "B",
// "tie") and arena_hard ("A>>B" ... "B>>A") have two games, in the order of
// the verdict's positions ("model-first", "baseline-first").
JudgeDiagnostics diagnose_judge(const std::string& protocol,
                                const std::vector<harness::VerdictRecord>& verdicts);

// How a verdict's two games (pairwise, arena_hard: the answers swapped)
// compare for the model: not both read (or one game only), the same outcome,
// different outcomes with a tie in one, or opposite winners.
enum class SwapOutcome { unpaired, consistent, inconsistent, flipped };
SwapOutcome swap_outcome(const std::string& protocol, const harness::VerdictRecord& verdict);

// The diagnostics as one line of text, only what applies to the protocol:
// "unreadable 0 of 160 (0.0%) · answers swapped: ... · the answer shown first won ...".
std::string describe_judge(const JudgeDiagnostics& d);

} // namespace reports
