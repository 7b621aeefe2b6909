#pragma once

#include <reports/alpaca_eval_lc_report.hpp>
#include <reports/run_report.hpp>

#include <filesystem>
#include <optional>
#include <vector>

// AlpacaEval's length-controlled win rate on disk: the side files the user
// downloads once, and the fitted weights evalrun writes in upstream's layout.
namespace cli {

// The side files in `folder` (df_gamed.csv, instruction_difficulty.csv);
// nullopt when `folder` is empty. A missing folder or df_gamed.csv is kept in
// `missing` with the command that downloads it (reports print it); a file
// that does not parse throws harness::Fatal naming its line and column.
// `pinned_c`, when set, is the C the fit uses instead of cross-validating
// (--alpaca-eval-lc-c). Call it before any request is sent: a bad file must
// stop the command before the work, not after.
std::optional<reports::AlpacaEvalLcInputs>
read_length_controlled_inputs(const std::filesystem::path& folder,
                              std::optional<double> pinned_c = std::nullopt);

// The weights files of the runs' length-controlled win rates, in
// upstream's layout, with their content: `out`/weights/<judge
// model>/length_controlled_v1/baseline_<baseline>.csv, a row per model
// (the baseline's own row of zeros first, as upstream's files have it, so
// its predict_winrate(model, baseline) works on them), merged into the file
// already there as upstream merges. Reads only; throws Fatal for an existing
// file that does not parse, so nothing is written before all is known good.
std::vector<std::pair<std::filesystem::path, std::string>>
length_controlled_weights_files(const std::filesystem::path& out,
                                const std::vector<reports::RunReport>& reports);

// Writes what length_controlled_weights_files returned (atomically, folders
// created); throws Fatal on failure.
void write_files(const std::vector<std::pair<std::filesystem::path, std::string>>& files);

} // namespace cli
