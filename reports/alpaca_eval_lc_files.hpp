#pragma once

#include <reports/length_controlled.hpp>

#include <harness/error.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reports {

// The file layouts of AlpacaEval's length-controlled win rate: the two side
// files from the Hugging Face dataset tatsu-lab/alpaca_eval (df_gamed.csv,
// instruction_difficulty.csv) and the saved weights
// (weights/<annotator>/length_controlled_v1/baseline_<baseline>.csv). The
// caller reads and writes the files; errors are Kind::parse and name
// `file_name`, the line and the column.

// df_gamed.csv (upstream: pd.read_csv(path).drop(columns=["model"])): the
// columns index (whole number), preference (0..1, may be missing),
// std_delta_len, instruction_difficulty (finite numbers) and
// not_gamed_baseline (True/False), found by name; other columns (model, ...)
// are ignored. Rows in file order.
harness::Result<std::vector<GamedRow>> parse_df_gamed_csv(std::string_view text,
                                                          std::string_view file_name);

struct InstructionDifficulty
{
  long index = 0;
  double difficulty = 0;
};

// instruction_difficulty.csv (upstream: pd.read_csv(path, index_col=0).squeeze()):
// a header and two columns, the instruction index (whole number) and its
// difficulty (finite number). Rows in file order.
harness::Result<std::vector<InstructionDifficulty>>
parse_instruction_difficulty_csv(std::string_view text, std::string_view file_name);

// One row of the saved weights: a model and its coefficients.
struct LcModelWeights
{
  std::string model;
  LcWeights weights;
};

// The saved weights' header, as pandas writes it (the index has no name).
inline constexpr std::string_view lc_weights_header =
    ",np.tanh(std_delta_len),instruction_difficulty,not_gamed_baseline.astype(float)";

// Parses a saved weights file: lc_weights_header's three column names (the
// first header cell is not checked), then one row per model: its name and
// three numbers. Rows in file order, repeated models kept.
harness::Result<std::vector<LcModelWeights>> parse_lc_weights_csv(std::string_view text,
                                                                  std::string_view file_name);

// The weights file as upstream writes it (to_csv(float_format="%.16f")):
// lc_weights_header, then per model its name (quoted only when it holds a
// comma, a quote or a line break) and the three weights printed with "%.16f",
// each line ending in "\n". Data that alpaca_eval and evalrun read back by
// model name, not a report: names are not neutralised as csv_field does.
std::string lc_weights_csv(const std::vector<LcModelWeights>& rows);

// Upstream's update of the saved weights: `added` appended to `saved`, then
// only the last row of each model kept (pandas' duplicated(keep="last")), the
// kept rows in their order. So a new model comes last, and a model saved
// before moves from its old place to the end with its new weights.
std::vector<LcModelWeights> upsert_lc_weights(const std::vector<LcModelWeights>& saved,
                                              const LcModelWeights& added);

// The weights of `model` (its last row if repeated); nullopt if absent.
std::optional<LcWeights> find_lc_weights(const std::vector<LcModelWeights>& rows,
                                         std::string_view model);

} // namespace reports
