#pragma once

#include <optional>
#include <string>
#include <vector>

namespace reports {

// AlpacaEval 2.0's leaderboard metrics, as the alpaca_eval package computes
// them (metrics/winrate.py get_winrate and main.py), from the preferences
// (1 = the baseline wins, 2 = the model wins; nullopt = a failed annotation,
// left out) and the model's outputs.
struct AlpacaEvalMetrics
{
  double win_rate = 0;          // 100 * mean(preference - 1)
  double standard_error = 0;    // 100 * sem(preference - 1), ddof = 1
  long n_wins = 0;              // preference > 1.5
  long n_wins_base = 0;         // preference < 1.5
  long n_draws = 0;             // preference == 1.5
  long n_total = 0;             // preferences that are not null
  double discrete_win_rate = 0; // each preference rounded to 1 or 2 (1.5 a draw), then as win_rate
  long avg_length = 0; // int(mean(characters of each output)), code points as Python counts
  // What to know about the length-controlled win rate (alpaca_eval_lc_report):
  // why it was not computed, or what was left out.
  std::string length_controlled_note;
};

AlpacaEvalMetrics alpaca_eval_metrics(const std::vector<std::optional<double>>& preferences,
                                      const std::vector<std::string>& model_outputs);

// Characters of a UTF-8 string as Python's len() counts them (code points).
long utf8_length(const std::string& text);

} // namespace reports
