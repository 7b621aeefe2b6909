#pragma once

#include <optional>
#include <string>
#include <vector>

namespace cli {

// The candidate nearest to `word` by edit distance (insertions, deletions,
// substitutions and swaps of neighbours each cost 1), when it is close enough
// to be a typo: at most 2 edits, and fewer than the word's length. Ties go to
// the earlier candidate.
std::optional<std::string> closest_name(const std::string& word,
                                        const std::vector<std::string>& candidates);

} // namespace cli
