// libFuzzer target: the CSV reader (harness/csv_reader) and what reads
// AlpacaEval's length-controlled side files with it (df_gamed.csv,
// instruction_difficulty.csv, the saved weights). Each gives rows or a
// Kind::parse Error with a message, never an exception.

#include "fuzz_check.hpp"

#include <reports/alpaca_eval_lc_files.hpp>

#include <harness/csv_reader.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace harness;

namespace {

template <typename T>
void
check(const Result<T>& r)
{
  FUZZ_CHECK(r || (r.error().kind == Error::Kind::parse && !r.error().message.empty()));
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto table = parse_csv(text, "fuzz.csv");
  check(table);
  if (table) {
    // Every cell through every field reader, as the side-file readers use them.
    for (const auto& row : table->rows) {
      FUZZ_CHECK(row.fields.size() == table->header.size());
      for (size_t column = 0; column < row.fields.size(); ++column) {
        check(csv_number(*table, row, column));
        check(csv_optional_number(*table, row, column));
        check(csv_integer(*table, row, column));
        check(csv_bool(*table, row, column));
        (void)csv_is_missing(row.fields[column]);
      }
    }
    for (const auto& name : table->header) {
      check(csv_column(*table, name));
    }
  }
  auto gamed = reports::parse_df_gamed_csv(text, "df_gamed.csv");
  check(gamed);
  if (gamed) {
    for (const auto& row : *gamed) {
      FUZZ_CHECK(std::isfinite(row.std_delta_len) && std::isfinite(row.instruction_difficulty));
    }
  }
  auto difficulty = reports::parse_instruction_difficulty_csv(text, "instruction_difficulty.csv");
  check(difficulty);
  if (difficulty) {
    for (const auto& row : *difficulty) {
      FUZZ_CHECK(std::isfinite(row.difficulty));
    }
  }
  auto weights = reports::parse_lc_weights_csv(text, "baseline_gpt4_1106_preview.csv");
  check(weights);
  if (weights) {
    // What is read is written back and read again as the same rows.
    auto again = reports::parse_lc_weights_csv(reports::lc_weights_csv(*weights), "again.csv");
    FUZZ_CHECK(again && again->size() == weights->size());
  }
  return 0;
}
