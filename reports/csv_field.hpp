#pragma once

#include <string>

namespace reports {

// `text` as one CSV field (RFC 4180): as is, or quoted with its quotes
// doubled when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& text);

} // namespace reports
