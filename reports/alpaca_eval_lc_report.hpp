#pragma once

#include <reports/alpaca_eval_lc_files.hpp>
#include <reports/length_controlled.hpp>

#include <harness/store.hpp>

#include <optional>
#include <string>
#include <vector>

namespace reports {

// AlpacaEval's side files for the length-controlled win rate, as read by the
// caller from the folder the user downloaded them into.
struct AlpacaEvalLcInputs
{
  std::string folder;
  std::vector<GamedRow> gamed;                   // df_gamed.csv (needed for the fit)
  std::vector<InstructionDifficulty> difficulty; // instruction_difficulty.csv (for the check)
  std::string missing;   // why LC cannot be computed (df_gamed.csv is missing, how to get it)
  std::string unchecked; // why the predict_winrate check is skipped (no difficulty file)
  std::optional<double> pinned_c; // the C to fit with, instead of cross-validation
};

// The length-controlled win rate of one AlpacaEval run, or why there is none.
struct AlpacaEvalLc
{
  std::optional<LengthControlledResult> result;
  // predict_winrate from the fitted weights against the baseline's (zero)
  // weights over instruction_difficulty.csv: equals the LC when that file
  // and df_gamed.csv agree on the difficulties.
  std::optional<double> from_weights;
  std::string baseline; // the model the weights are relative to (gpt4_1106_preview)
  long annotations = 0; // verdicts used (those with both outputs stored)
  std::string note;     // why it was not computed, or what to know about it
};

// The LC of an alpaca_eval run from its verdicts (AlpacaEval positions as
// item ids, "alpacaeval_<i>", read in position order) and the stored
// outputs of the model and the baseline. With no inputs, a note that says
// how to provide them.
AlpacaEvalLc alpaca_eval_lc(harness::Store& store, const harness::RunRecord& run,
                            const std::vector<harness::VerdictRecord>& verdicts,
                            const AlpacaEvalLcInputs* inputs);

} // namespace reports
