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
std::optional<reports::AlpacaEvalLcInputs>
read_length_controlled_inputs(const std::filesystem::path& folder);

// Writes the fitted weights of the runs' length-controlled win rates into
// `out`/weights/<judge model>/length_controlled_v1/baseline_<baseline>.csv,
// upstream's layout (a row per model, updated in place as upstream does);
// returns the files written.
std::vector<std::filesystem::path>
write_length_controlled_weights(const std::filesystem::path& out,
                                const std::vector<reports::RunReport>& reports);

} // namespace cli
