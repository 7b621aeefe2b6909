#include <reports/alpaca_eval_lc_files.hpp>
#include <reports/csv_field.hpp>

#include <harness/csv_reader.hpp>

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <unordered_set>

namespace reports {

using harness::CsvRow;
using harness::CsvTable;
using harness::Error;
using harness::Result;

namespace {

// A required number that must also be finite.
Result<double>
finite_number(const CsvTable& table, const CsvRow& row, size_t column)
{
  auto value = harness::csv_number(table, row, column);
  if (value && !std::isfinite(*value)) {
    return Error(Error::Kind::parse,
                 fmt::format("{}:{}: column '{}': '{}' is not a finite number", table.file_name,
                             row.line, table.header[column], row.fields[column]));
  }
  return value;
}

// "%.16f", as Python's "%" operator and glibc both print it (exactly rounded).
std::string
fixed16(double value)
{
  std::array<char, 400> buffer{};
  int n = std::snprintf(buffer.data(), buffer.size(), "%.16f", value);
  return std::string(buffer.data(), static_cast<size_t>(n));
}

} // namespace

Result<std::vector<GamedRow>>
parse_df_gamed_csv(std::string_view text, std::string_view file_name)
{
  auto table = harness::parse_csv(text, file_name);
  if (!table) {
    return table.error();
  }
  std::array<size_t, 5> col{};
  const std::array<std::string_view, 5> names = {"index", "preference", "std_delta_len",
                                                 "instruction_difficulty", "not_gamed_baseline"};
  for (size_t i = 0; i < names.size(); ++i) {
    auto c = harness::csv_column(*table, names[i]);
    if (!c) {
      return c.error();
    }
    col[i] = *c;
  }
  std::vector<GamedRow> rows;
  for (const CsvRow& row : table->rows) {
    auto index = harness::csv_integer(*table, row, col[0]);
    auto preference = harness::csv_optional_number(*table, row, col[1]);
    auto std_delta_len = finite_number(*table, row, col[2]);
    auto difficulty = finite_number(*table, row, col[3]);
    auto not_gamed = harness::csv_bool(*table, row, col[4]);
    if (!index) {
      return index.error();
    }
    if (!preference) {
      return preference.error();
    }
    if (!std_delta_len) {
      return std_delta_len.error();
    }
    if (!difficulty) {
      return difficulty.error();
    }
    if (!not_gamed) {
      return not_gamed.error();
    }
    if (*preference && !(**preference >= 0 && **preference <= 1)) {
      return Error(Error::Kind::parse,
                   fmt::format("{}:{}: column 'preference': '{}' is outside [0, 1]", file_name,
                               row.line, row.fields[col[1]]));
    }
    rows.push_back(GamedRow{*index, *preference, *std_delta_len, *difficulty, *not_gamed});
  }
  return rows;
}

Result<std::vector<InstructionDifficulty>>
parse_instruction_difficulty_csv(std::string_view text, std::string_view file_name)
{
  auto table = harness::parse_csv(text, file_name);
  if (!table) {
    return table.error();
  }
  if (table->header.size() != 2) {
    return Error(Error::Kind::parse,
                 fmt::format("{}:1: expected 2 columns (instruction index, difficulty), got {}",
                             file_name, table->header.size()));
  }
  std::vector<InstructionDifficulty> rows;
  for (const CsvRow& row : table->rows) {
    auto index = harness::csv_integer(*table, row, 0);
    if (!index) {
      return index.error();
    }
    auto difficulty = finite_number(*table, row, 1);
    if (!difficulty) {
      return difficulty.error();
    }
    rows.push_back(InstructionDifficulty{*index, *difficulty});
  }
  return rows;
}

Result<std::vector<LcModelWeights>>
parse_lc_weights_csv(std::string_view text, std::string_view file_name)
{
  auto table = harness::parse_csv(text, file_name);
  if (!table) {
    return table.error();
  }
  const std::array<std::string_view, 3> names = {"np.tanh(std_delta_len)", "instruction_difficulty",
                                                 "not_gamed_baseline.astype(float)"};
  bool layout_ok = table->header.size() == 4;
  for (size_t i = 0; layout_ok && i < names.size(); ++i) {
    layout_ok = table->header[i + 1] == names[i];
  }
  if (!layout_ok) {
    return Error(Error::Kind::parse,
                 fmt::format("{}:1: expected the header '{}'", file_name, lc_weights_header));
  }
  std::vector<LcModelWeights> rows;
  for (const CsvRow& row : table->rows) {
    std::array<double, 3> w{};
    for (size_t i = 0; i < w.size(); ++i) {
      auto value = finite_number(*table, row, i + 1);
      if (!value) {
        return value.error();
      }
      w[i] = *value;
    }
    rows.push_back(LcModelWeights{row.fields[0], LcWeights{w[0], w[1], w[2]}});
  }
  return rows;
}

std::string
lc_weights_csv(const std::vector<LcModelWeights>& rows)
{
  std::string out(lc_weights_header);
  out += '\n';
  for (const auto& row : rows) {
    out += csv_quoted(row.model);
    for (double v : {row.weights.length, row.weights.difficulty, row.weights.not_gamed}) {
      out += ',';
      out += fixed16(v);
    }
    out += '\n';
  }
  return out;
}

std::vector<LcModelWeights>
upsert_lc_weights(const std::vector<LcModelWeights>& saved, const LcModelWeights& added)
{
  std::vector<LcModelWeights> all = saved;
  all.push_back(added);
  // Walk backwards so the last row of each model is the one seen first.
  std::unordered_set<std::string> seen;
  std::vector<LcModelWeights> kept;
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (seen.insert(it->model).second) {
      kept.push_back(*it);
    }
  }
  return std::vector<LcModelWeights>(kept.rbegin(), kept.rend());
}

std::optional<LcWeights>
find_lc_weights(const std::vector<LcModelWeights>& rows, std::string_view model)
{
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    if (it->model == model) {
      return it->weights;
    }
  }
  return std::nullopt;
}

} // namespace reports
