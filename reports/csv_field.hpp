#pragma once

#include <string>

namespace reports {

// `text` as one text field of a CSV report (RFC 4180), safe to open in a
// spreadsheet: a field starting with '=', '+', '-', '@', a tab or a carriage
// return, which a spreadsheet would run as a formula, gets a single quote in
// front (OWASP's CSV-injection advice); then it is quoted as csv_quoted does.
// Numbers are not text: write them as they are (-1.5 stays -1.5).
std::string csv_field(const std::string& text);

// `text` as one RFC 4180 field and nothing more, for a file that programs read
// back as data (upstream's weights file): as is, or quoted with its quotes
// doubled when it holds a comma, a quote or a line break.
std::string csv_quoted(const std::string& text);

} // namespace reports
