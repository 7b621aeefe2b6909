#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace judges {

// The number captured by the first match of the first pattern (RE2 syntax,
// one capture group) that matches anywhere in `text`; nullopt when none
// does. Patterns are tried in order, e.g. "[[n]]" then the "[n]" fallback.
std::optional<double> first_number(std::string_view text, const std::vector<std::string>& patterns);

// Why `pattern` cannot serve as a verdict pattern (RE2 cannot compile it, or
// it has no capture group when `needs_capture`), or nullopt when it can.
std::optional<std::string> pattern_error(const std::string& pattern, bool needs_capture);

// The first capture group of every match of `pattern` in `text`, left to
// right, matches not overlapping (Python's re.findall with one group).
std::vector<std::string> all_captures(std::string_view text, const std::string& pattern);

// The first capture group of the first match of `pattern` in `text`.
std::optional<std::string> first_capture(std::string_view text, const std::string& pattern);

} // namespace judges
