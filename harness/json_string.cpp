#include <harness/json_string.hpp>
#include <harness/utf8.hpp>

#include <nlohmann/json.hpp>

#include <array>

namespace harness {

namespace {

// The escape of each byte that needs one (empty for the others).
constexpr std::array<std::string_view, 256>
escapes()
{
  std::array<std::string_view, 256> out{};
  constexpr std::string_view k_controls[32] = {
      "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
      "\\b",     "\\t",     "\\n",     "\\u000b", "\\f",     "\\r",     "\\u000e", "\\u000f",
      "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
      "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f"};
  for (size_t c = 0; c < 32; ++c) {
    out[c] = k_controls[c];
  }
  out['"'] = "\\\"";
  out['\\'] = "\\\\";
  return out;
}

constexpr std::array<std::string_view, 256> k_escapes = escapes();

void
append_escaped_bytes(std::string& out, std::string_view text)
{
  size_t run = 0; // the start of the bytes not yet appended, which need no escape
  for (size_t i = 0; i < text.size(); ++i) {
    const std::string_view escape = k_escapes[static_cast<unsigned char>(text[i])];
    if (!escape.empty()) {
      out.append(text.data() + run, i - run);
      out.append(escape);
      run = i + 1;
    }
  }
  out.append(text.data() + run, text.size() - run);
}

} // namespace

bool
append_json_escaped(std::string& out, std::string_view text)
{
  if (!well_formed_utf8(text)) {
    return false;
  }
  out.reserve(out.size() + text.size() + 16);
  append_escaped_bytes(out, text);
  return true;
}

std::string
json_escaped(std::string_view text)
{
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  append_escaped_bytes(out, text);
  return out;
}

std::string
json_unescaped(std::string_view escaped)
{
  std::string out;
  out.reserve(escaped.size());
  size_t run = 0; // the start of the bytes not yet appended, none of them a backslash
  for (size_t i = 0; i < escaped.size(); ++i) {
    if (escaped[i] != '\\') {
      continue;
    }
    out.append(escaped.data() + run, i - run);
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
    if (!simple) {
      // \uXXXX and anything malformed: the JSON parser's reading (or its error).
      std::string quoted;
      quoted.reserve(escaped.size() + 2);
      quoted.append("\"").append(escaped).append("\"");
      return nlohmann::json::parse(quoted).get<std::string>();
    }
    out += simple;
    ++i;
    run = i + 1;
  }
  out.append(escaped.data() + run, escaped.size() - run);
  return out;
}

} // namespace harness
