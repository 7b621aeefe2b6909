#include <harness/json_string.hpp>
#include <harness/shared_texts.hpp>

#include <algorithm>
#include <map>

namespace harness {

std::vector<TextPiece>
split_shared_texts(std::string_view json_text, const std::vector<std::string_view>& shared)
{
  std::vector<std::string> needles;
  for (auto text : shared) {
    if (text.size() < k_min_shared_text) {
      continue;
    }
    // Text that is not valid UTF-8 is in no serialised request either: never found.
    needles.push_back(json_escaped(text));
  }
  std::sort(needles.begin(), needles.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
  needles.erase(std::unique(needles.begin(), needles.end()), needles.end());

  std::map<size_t, size_t> found; // offset -> length, non-overlapping
  auto overlaps = [&found](size_t at, size_t length) {
    auto next = found.lower_bound(at);
    if (next != found.end() && next->first < at + length) {
      return true;
    }
    return next != found.begin() && std::prev(next)->first + std::prev(next)->second > at;
  };
  for (const auto& needle : needles) {
    for (size_t at = json_text.find(needle); at != std::string_view::npos;
         at = json_text.find(needle, at + 1)) {
      if (!overlaps(at, needle.size())) {
        found.emplace(at, needle.size());
      }
    }
  }

  std::vector<TextPiece> pieces;
  size_t at = 0;
  for (const auto& [offset, length] : found) {
    if (offset > at) {
      pieces.push_back({at, offset - at, false});
    }
    pieces.push_back({offset, length, true});
    at = offset + length;
  }
  if (at < json_text.size() || pieces.empty()) {
    pieces.push_back({at, json_text.size() - at, false});
  }
  return pieces;
}

} // namespace harness
