#include <harness/utf8.hpp>

namespace harness {

namespace {

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

} // namespace

std::string
valid_utf8(std::string_view text)
{
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
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

} // namespace harness
