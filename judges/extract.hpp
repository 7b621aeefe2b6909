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

// The first capture group of the first match of `pattern` in `text`.
std::optional<std::string> first_capture(std::string_view text, const std::string& pattern);

} // namespace judges
