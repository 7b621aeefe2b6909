#pragma once

#include <string>
#include <vector>

namespace cli {

// "a,b,,c" -> {"a", "b", "c"}: the comma-separated lists of the command line.
std::vector<std::string> split_commas(const std::string& text);

} // namespace cli
