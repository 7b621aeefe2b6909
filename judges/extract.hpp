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

} // namespace judges
