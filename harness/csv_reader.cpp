#include <harness/csv_reader.hpp>

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <system_error>

namespace harness {

namespace {

Error
parse_error(std::string message)
{
  return Error(Error::Kind::parse, std::move(message));
}

// "data.csv:12: column 'x': ..." for a fault in one field.
Error
field_error(const CsvTable& table, const CsvRow& row, size_t column, std::string_view what)
{
  std::string name = column < table.header.size() ? table.header[column] : std::to_string(column);
  return parse_error(fmt::format("{}:{}: column '{}': {}", table.file_name, row.line, name, what));
}

// The field, or an Error if the row is too short (a table not from parse_csv).
Result<std::string_view>
field_at(const CsvTable& table, const CsvRow& row, size_t column)
{
  if (column >= row.fields.size()) {
    return field_error(table, row, column, "no such field in this row");
  }
  return std::string_view(row.fields[column]);
}

std::string_view
trim_spaces(std::string_view text)
{
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// Drops a leading '+' (from_chars takes only '-'), unless a sign follows it.
std::string_view
drop_plus(std::string_view text)
{
  if (text.size() > 1 && text.front() == '+' && text[1] != '-' && text[1] != '+') {
    text.remove_prefix(1);
  }
  return text;
}

} // namespace

Result<CsvTable>
parse_csv(std::string_view text, std::string_view file_name)
{
  CsvTable table;
  table.file_name = std::string(file_name);
  if (text.starts_with("\xEF\xBB\xBF")) {
    text.remove_prefix(3);
  }
  const size_t n = text.size();
  size_t i = 0;
  long line = 1;
  bool have_header = false;
  // Moves past a line break at i (LF, CRLF or a lone CR) and counts the line.
  auto skip_line_break = [&] {
    if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') {
      ++i;
    }
    ++i;
    ++line;
  };
  while (i < n) {
    if (text[i] == '\n' || text[i] == '\r') { // an empty line
      skip_line_break();
      continue;
    }
    const long row_line = line;
    std::vector<std::string> fields;
    while (true) {
      std::string field;
      if (i < n && text[i] == '"') {
        const long quote_line = line;
        ++i;
        bool closed = false;
        while (i < n) {
          char ch = text[i];
          if (ch == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          if (ch == '\n' || (ch == '\r' && !(i + 1 < n && text[i + 1] == '\n'))) {
            ++line;
          }
          field += ch;
          ++i;
        }
        if (!closed) {
          return parse_error(fmt::format("{}:{}: unterminated quoted field (the quote opened on "
                                         "this line is never closed)",
                                         file_name, quote_line));
        }
        if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          return parse_error(fmt::format("{}:{}: unexpected character '{}' after a closing quote",
                                         file_name, line, text[i]));
        }
      } else {
        size_t end = text.find_first_of(",\r\n", i);
        if (end == std::string_view::npos) {
          end = n;
        }
        field.assign(text.substr(i, end - i));
        i = end;
      }
      fields.push_back(std::move(field));
      if (i < n && text[i] == ',') {
        ++i;
        continue;
      }
      if (i < n) {
        skip_line_break();
      }
      break;
    }
    if (!have_header) {
      table.header = std::move(fields);
      have_header = true;
    } else if (fields.size() != table.header.size()) {
      return parse_error(fmt::format("{}:{}: the row has {} fields, the header has {}", file_name,
                                     row_line, fields.size(), table.header.size()));
    } else {
      table.rows.push_back(CsvRow{row_line, std::move(fields)});
    }
  }
  if (!have_header) {
    return parse_error(fmt::format("{}:1: empty CSV text, no header", file_name));
  }
  return table;
}

Result<size_t>
csv_column(const CsvTable& table, std::string_view name)
{
  for (size_t i = 0; i < table.header.size(); ++i) {
    if (table.header[i] == name) {
      return i;
    }
  }
  return parse_error(fmt::format("{}: no column '{}' in the header", table.file_name, name));
}

bool
csv_is_missing(std::string_view field)
{
  // pandas' default na_values (pandas._libs.parsers.STR_NA_VALUES).
  static constexpr std::array<std::string_view, 19> missing = {
      "",     "#N/A",   "#N/A N/A", "#NA",  "-1.#IND", "-1.#QNAN", "-NaN",
      "-nan", "1.#IND", "1.#QNAN",  "<NA>", "N/A",     "NA",       "NULL",
      "NaN",  "None",   "n/a",      "nan",  "null"};
  for (auto m : missing) {
    if (field == m) {
      return true;
    }
  }
  return false;
}

Result<std::optional<double>>
csv_optional_number(const CsvTable& table, const CsvRow& row, size_t column)
{
  auto field = field_at(table, row, column);
  if (!field) {
    return field.error();
  }
  if (csv_is_missing(*field)) {
    return std::optional<double>();
  }
  std::string_view text = drop_plus(trim_spaces(*field));
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec == std::errc::invalid_argument || end != text.data() + text.size()) {
    return field_error(table, row, column, fmt::format("'{}' is not a number", *field));
  }
  if (ec == std::errc::result_out_of_range) {
    return field_error(table, row, column, fmt::format("'{}' is out of range", *field));
  }
  return std::optional<double>(value);
}

Result<double>
csv_number(const CsvTable& table, const CsvRow& row, size_t column)
{
  auto value = csv_optional_number(table, row, column);
  if (!value) {
    return value.error();
  }
  if (!*value) {
    return field_error(table, row, column,
                       fmt::format("a number is required, got '{}'", row.fields[column]));
  }
  return **value;
}

Result<long>
csv_integer(const CsvTable& table, const CsvRow& row, size_t column)
{
  auto field = field_at(table, row, column);
  if (!field) {
    return field.error();
  }
  std::string_view text = drop_plus(trim_spaces(*field));
  long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return field_error(table, row, column, fmt::format("'{}' is not a whole number", *field));
  }
  return value;
}

Result<bool>
csv_bool(const CsvTable& table, const CsvRow& row, size_t column)
{
  auto field = field_at(table, row, column);
  if (!field) {
    return field.error();
  }
  std::string_view text = trim_spaces(*field);
  if (text == "True" || text == "TRUE" || text == "true") {
    return true;
  }
  if (text == "False" || text == "FALSE" || text == "false") {
    return false;
  }
  return field_error(table, row, column, fmt::format("'{}' is not True or False", *field));
}

} // namespace harness
