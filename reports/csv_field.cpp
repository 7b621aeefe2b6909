#include <reports/csv_field.hpp>

namespace reports {

std::string
csv_field(const std::string& text)
{
  // A formula character first, or after leading spaces (which spreadsheets skip).
  const auto first = text.find_first_not_of(' ');
  if (first != std::string::npos &&
      std::string("=+-@\t\r").find(text[first]) != std::string::npos) {
    return csv_quoted("'" + text);
  }
  return csv_quoted(text);
}

std::string
csv_quoted(const std::string& text)
{
  if (text.find_first_of(",\"\n\r") == std::string::npos) {
    return text;
  }
  std::string out = "\"";
  for (char ch : text) {
    out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  }
  return out + "\"";
}

} // namespace reports
