#include <harness/utf8.hpp>

#include <cstdint>
#include <cstring>

namespace harness {

namespace {

// How many bytes at the start of `s` are ASCII (below 0x80), read eight at a
// time: most of what servers send is.
size_t
ascii_prefix(std::string_view s)
{
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if (word & 0x8080808080808080ULL) {
      break;
    }
  }
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) {
    ++i;
  }
  return i;
}

// The length of the well-formed sequence at the start of `s`, or 0.
size_t
sequence_length(std::string_view s)
{
  const auto b = [&](size_t i) {
    return static_cast<unsigned char>(s[i]);
  };
  const auto tail = [&](size_t i) {
    return i < s.size() && (b(i) & 0xC0) == 0x80;
  };
  const unsigned char c = b(0);
  if (c < 0x80) {
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) {
    return tail(1) ? 2 : 0;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (!tail(1) || !tail(2)) {
      return 0;
    }
    if ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) > 0x9F)) {
      return 0; // overlong, or a surrogate
    }
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!tail(1) || !tail(2) || !tail(3)) {
      return 0;
    }
    if ((c == 0xF0 && b(1) < 0x90) || (c == 0xF4 && b(1) > 0x8F)) {
      return 0; // overlong, or above U+10FFFF
    }
    return 4;
  }
  return 0;
}

// The value of the four hex digits at `s[at]`, or -1.
long
hex4(std::string_view s, size_t at)
{
  if (at + 4 > s.size()) {
    return -1;
  }
  long value = 0;
  for (size_t i = at; i < at + 4; ++i) {
    const char c = s[i];
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
    if (digit < 0) {
      return -1;
    }
    value = value * 16 + digit;
  }
  return value;
}

bool
is_high_surrogate(long u)
{
  return u >= 0xD800 && u <= 0xDBFF;
}

bool
is_low_surrogate(long u)
{
  return u >= 0xDC00 && u <= 0xDFFF;
}

} // namespace

bool
well_formed_utf8(std::string_view text)
{
  for (size_t i = ascii_prefix(text); i < text.size(); i += ascii_prefix(text.substr(i))) {
    const size_t length = sequence_length(text.substr(i));
    if (length == 0) {
      return false;
    }
    i += length;
  }
  return true;
}

std::string
valid_utf8(std::string_view text)
{
  if (well_formed_utf8(text)) {
    return std::string(text);
  }
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const size_t ascii = ascii_prefix(text);
    out.append(text.substr(0, ascii));
    text.remove_prefix(ascii);
    if (text.empty()) {
      break;
    }
    size_t n = sequence_length(text);
    if (n == 0) {
      out += "\xEF\xBF\xBD"; // U+FFFD for the one byte that cannot start a sequence here
      n = 1;
    } else {
      out.append(text.substr(0, n));
    }
    text.remove_prefix(n);
  }
  return out;
}

std::string
valid_json_text(std::string json)
{
  if (!well_formed_utf8(json)) {
    json = valid_utf8(json);
  }
  // Backslashes appear only inside strings: each escape is read from its
  // backslash, so "\\u..." (an escaped backslash, then "u") is left alone.
  for (size_t i = json.find('\\'); i != std::string::npos; i = json.find('\\', i)) {
    if (i + 1 >= json.size() || json[i + 1] != 'u') {
      i += 2;
      continue;
    }
    const long unit = hex4(json, i + 2);
    const bool paired = is_high_surrogate(unit) && json.compare(i + 6, 2, "\\u") == 0 &&
                        is_low_surrogate(hex4(json, i + 8));
    if (paired) {
      i += 12;
    } else if (is_high_surrogate(unit) || is_low_surrogate(unit)) {
      json.replace(i + 2, 4, "FFFD");
      i += 6;
    } else {
      i += 2;
    }
  }
  return json;
}

} // namespace harness
