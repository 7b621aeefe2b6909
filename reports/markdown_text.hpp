#pragma once

#include <string>

namespace reports {

// Text from data (a model, bench or source name, a reason, a note) as inline
// Markdown that shows as itself and cannot break the line, a table or the
// page: '\' and '|' get a backslash ("\|" keeps a table cell whole), '<', '>'
// and '&' become "&lt;", "&gt;" and "&amp;" (no HTML from data), and line
// breaks become spaces.
std::string markdown_text(const std::string& text);

// `text` as a Markdown code span, shown verbatim (no HTML inside one):
// delimited by one backtick more than its longest run of backticks, padded
// with a space on each side when it starts or ends with a backtick or a
// space; line breaks become spaces. Not for table cells ('|' is not escaped).
std::string markdown_code_span(const std::string& text);

// The fence for a fenced code block holding `content` verbatim: "```", or one
// backtick more than the longest run of backticks in `content`, so that no
// line of it can close the block.
std::string markdown_fence(const std::string& content);

} // namespace reports
