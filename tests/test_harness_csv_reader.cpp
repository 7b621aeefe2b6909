#include <harness/csv_reader.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

using namespace harness;

TEST_SUITE_BEGIN("harness::csv_reader");

namespace {

using Fields = std::vector<std::string>;

CsvTable
parsed(std::string_view text)
{
  auto table = parse_csv(text, "data.csv");
  REQUIRE_MESSAGE(table.has_value(), (table ? "" : table.error().message));
  return *table;
}

std::string
error_of(std::string_view text)
{
  auto table = parse_csv(text, "data.csv");
  REQUIRE_FALSE(table.has_value());
  CHECK(table.error().kind == Error::Kind::parse);
  return table.error().message;
}

} // namespace

TEST_CASE("plain rows with and without a trailing newline")
{
  for (std::string_view text : {"a,b\n1,2\n3,4\n", "a,b\n1,2\n3,4"}) {
    CsvTable t = parsed(text);
    CHECK(t.file_name == "data.csv");
    CHECK(t.header == Fields{"a", "b"});
    REQUIRE(t.rows.size() == 2);
    CHECK(t.rows[0].fields == Fields{"1", "2"});
    CHECK(t.rows[0].line == 2);
    CHECK(t.rows[1].fields == Fields{"3", "4"});
    CHECK(t.rows[1].line == 3);
  }
}

TEST_CASE("quoted fields: commas, doubled quotes and line breaks inside quotes")
{
  CsvTable t = parsed("name,text\n"
                      "x,\"he said \"\"hi, you\"\"\nbye\"\n"
                      "\"\",\"\"\"\"\n"
                      "y,z\n");
  REQUIRE(t.rows.size() == 3);
  CHECK(t.rows[0].fields == Fields{"x", "he said \"hi, you\"\nbye"});
  CHECK(t.rows[0].line == 2);
  CHECK(t.rows[1].fields == Fields{"", "\""}); // "" is an empty field, """" one quote
  CHECK(t.rows[1].line == 4);
  CHECK(t.rows[2].fields == Fields{"y", "z"});
  CHECK(t.rows[2].line == 5); // the quoted line break counted
}

TEST_CASE("CRLF line ends (kept inside quotes), empty fields, skipped empty lines and BOM")
{
  CsvTable t = parsed("\xEF\xBB\xBF"
                      "a,b,c\r\n1,\"x\r\ny\",\r\n\r\n,,\r\n");
  CHECK(t.header == Fields{"a", "b", "c"});
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0].fields == Fields{"1", "x\r\ny", ""});
  CHECK(t.rows[0].line == 2);
  CHECK(t.rows[1].fields == Fields{"", "", ""});
  CHECK(t.rows[1].line == 5);

  CsvTable lone_cr = parsed("a\r1\r2");
  REQUIRE(lone_cr.rows.size() == 2);
  CHECK(lone_cr.rows[1].fields == Fields{"2"});
  CHECK(lone_cr.rows[1].line == 3);

  CsvTable header_only = parsed("a,b\n");
  CHECK(header_only.rows.empty());
}

TEST_CASE("a quote inside an unquoted field is kept, as pandas reads it")
{
  CsvTable t = parsed("a\n5\"x\n");
  REQUIRE(t.rows.size() == 1);
  CHECK(t.rows[0].fields == Fields{"5\"x"});
}

TEST_CASE("malformed CSV: the error names the file, the line and the fault")
{
  CHECK(error_of("a,b\n1,2\n3\n") == "data.csv:3: the row has 1 fields, the header has 2");
  CHECK(error_of("a,b\n1,\"x\ny\"\n3,4,5\n") ==
        "data.csv:4: the row has 3 fields, the header has 2");
  CHECK(error_of("a,b\n1,2\n3,\"open\nmore\n") ==
        "data.csv:3: unterminated quoted field (the quote opened on this line is never closed)");
  CHECK(error_of("a\n\"x\"y\n") == "data.csv:2: unexpected character 'y' after a closing quote");
  CHECK(error_of("") == "data.csv:1: empty CSV text, no header");
  CHECK(error_of("\n\n") == "data.csv:1: empty CSV text, no header");
}

TEST_CASE("finding a column by name")
{
  CsvTable t = parsed("a,b,a\n1,2,3\n");
  CHECK(*csv_column(t, "a") == 0);
  CHECK(*csv_column(t, "b") == 1);
  auto missing = csv_column(t, "zzz");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message == "data.csv: no column 'zzz' in the header");
}

TEST_CASE("numbers as pandas writes them, missing values and errors")
{
  CsvTable t = parsed("v\n0.25\n-1.5e-05\n+3\n 7 \n1E3\ninf\n-inf\n.5\n\nnan\nNaN\nNA\nabc\n1.5x\n"
                      "1e999\n");
  auto number = [&](size_t row) {
    return csv_number(t, t.rows[row], 0);
  };
  CHECK(*number(0) == 0.25);
  CHECK(*number(1) == -1.5e-05);
  CHECK(*number(2) == 3.0);
  CHECK(*number(3) == 7.0);
  CHECK(*number(4) == 1000.0);
  CHECK(std::isinf(*number(5)));
  CHECK(*number(6) < 0);
  CHECK(*number(7) == 0.5);
  // The empty line is skipped, so "nan" is row 8 (line 11), "NaN" row 9, "NA" row 10.
  for (size_t row : {8u, 9u, 10u}) {
    auto optional = csv_optional_number(t, t.rows[row], 0);
    REQUIRE(optional.has_value());
    CHECK_FALSE(optional->has_value());
  }
  CHECK(number(8).error().message == "data.csv:11: column 'v': a number is required, got 'nan'");
  CHECK(number(11).error().message == "data.csv:14: column 'v': 'abc' is not a number");
  CHECK(number(12).error().message == "data.csv:15: column 'v': '1.5x' is not a number");
  CHECK(number(13).error().message == "data.csv:16: column 'v': '1e999' is out of range");
  CHECK(**csv_optional_number(t, t.rows[0], 0) == 0.25);

  CsvTable empty_field = parsed("a,v\n1,\n");
  CHECK(csv_number(empty_field, empty_field.rows[0], 1).error().message ==
        "data.csv:2: column 'v': a number is required, got ''");
  CHECK(csv_is_missing(""));
  CHECK(csv_is_missing("NULL"));
  CHECK_FALSE(csv_is_missing("0"));
}

TEST_CASE("whole numbers and booleans")
{
  CsvTable t = parsed("i,flag\n12,True\n-3,false\n1.5,yes\n");
  CHECK(*csv_integer(t, t.rows[0], 0) == 12);
  CHECK(*csv_integer(t, t.rows[1], 0) == -3);
  CHECK(csv_integer(t, t.rows[2], 0).error().message ==
        "data.csv:4: column 'i': '1.5' is not a whole number");
  CHECK(*csv_bool(t, t.rows[0], 1) == true);
  CHECK(*csv_bool(t, t.rows[1], 1) == false);
  CHECK(csv_bool(t, t.rows[2], 1).error().message ==
        "data.csv:4: column 'flag': 'yes' is not True or False");
}

TEST_SUITE_END();
