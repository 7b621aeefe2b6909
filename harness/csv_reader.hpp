#pragma once

#include <harness/error.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

// One data row of a CSV file: its fields, and the (1-based) line of the text
// on which the row starts (a quoted field may run over several lines).
struct CsvRow
{
  long line = 0;
  std::vector<std::string> fields;
};

// A parsed CSV text: the header (the first row), the data rows, each with as
// many fields as the header, and the file name used in error messages.
struct CsvTable
{
  std::string file_name;
  std::vector<std::string> header;
  std::vector<CsvRow> rows;
};

// Parses CSV text as pandas writes it (RFC 4180): fields separated by commas;
// a field in double quotes may hold commas, line breaks and doubled quotes
// (`""` for one quote); rows end with LF, CRLF or a lone CR, the last one
// optionally; a leading UTF-8 byte order mark is skipped; empty lines are
// skipped (as pandas does); a quote inside an unquoted field is kept as is.
// The first row is the header. A Kind::parse Error names `file_name`, the line
// and the fault: no header, an unterminated quoted field, a character after a
// closing quote, or a row whose number of fields differs from the header's.
Result<CsvTable> parse_csv(std::string_view text, std::string_view file_name);

// Position of the column named `name` in the header (the first one if the
// name repeats); a Kind::parse Error naming the file and the column if absent.
Result<size_t> csv_column(const CsvTable& table, std::string_view name);

// True for the texts pandas reads as a missing value by default: the empty
// field, "nan", "NaN", "NA", "N/A", "null", "None", "<NA>" and the like.
bool csv_is_missing(std::string_view field);

// The field of `row` at `column` as a number: decimals and exponents as
// pandas writes them ("0.25", "-1.5e-05", "inf"), with an optional sign and
// surrounding spaces. A Kind::parse Error names the file, the row's line, the
// column and the text when the field is missing or not a number.
Result<double> csv_number(const CsvTable& table, const CsvRow& row, size_t column);

// As csv_number, but a missing field (csv_is_missing) is nullopt, not an error.
Result<std::optional<double>> csv_optional_number(const CsvTable& table, const CsvRow& row,
                                                  size_t column);

// The field as a whole number (decimal digits, optional sign); errors as csv_number.
Result<long> csv_integer(const CsvTable& table, const CsvRow& row, size_t column);

// The field as a boolean as pandas writes and reads it ("True"/"False", also
// "TRUE"/"true" and "FALSE"/"false"); errors as csv_number.
Result<bool> csv_bool(const CsvTable& table, const CsvRow& row, size_t column);

} // namespace harness
