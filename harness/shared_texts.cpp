#include <harness/shared_texts.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace harness {

std::string
json_escaped(std::string_view text)
{
  // nlohmann::json's rules without ensure_ascii: the two-character escapes,
  // \u00xx (lower-case hex) for the other control characters, all else as is.
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (char c : text) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\b': out += "\\b"; break;
    case '\f': out += "\\f"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        out += "\\u00";
        out += k_hex[static_cast<unsigned char>(c) >> 4];
        out += k_hex[static_cast<unsigned char>(c) & 0xf];
      } else {
        out += c;
      }
    }
  }
  return out;
}

std::string
json_unescaped(std::string_view escaped)
{
  std::string out;
  out.reserve(escaped.size());
  for (size_t i = 0; i < escaped.size(); ++i) {
    if (escaped[i] != '\\') {
      out += escaped[i];
      continue;
    }
    const char next = i + 1 < escaped.size() ? escaped[i + 1] : '\0';
    const char* simple = nullptr;
    switch (next) {
    case '"': simple = "\""; break;
    case '\\': simple = "\\"; break;
    case '/': simple = "/"; break;
    case 'b': simple = "\b"; break;
    case 'f': simple = "\f"; break;
    case 'n': simple = "\n"; break;
    case 'r': simple = "\r"; break;
    case 't': simple = "\t"; break;
    default: break;
    }
    if (simple) {
      out += simple;
      ++i;
      continue;
    }
    // \uXXXX and anything malformed: the JSON parser's reading (or its error).
    std::string quoted;
    quoted.reserve(escaped.size() + 2);
    quoted.append("\"").append(escaped).append("\"");
    return nlohmann::json::parse(quoted).get<std::string>();
  }
  return out;
}

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
