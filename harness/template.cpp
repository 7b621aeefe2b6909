#include <harness/template.hpp>

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace harness {

namespace {

std::string_view
trim(std::string_view s)
{
  while (!s.empty() && s.front() == ' ') {
    s.remove_prefix(1);
  }
  while (!s.empty() && s.back() == ' ') {
    s.remove_suffix(1);
  }
  return s;
}

// Walks `text`, appending literal text to `out` and calling `on_var` for
// each variable; returns an Error on malformed syntax.
template <typename OnVar>
Result<bool>
walk(std::string_view text, TemplateSyntax syntax, std::string* out, OnVar&& on_var)
{
  auto append = [&](std::string_view s) {
    if (out) {
      out->append(s);
    }
  };
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (syntax == TemplateSyntax::python_format) {
      if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
        append("{");
        i += 2;
      } else if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
        append("}");
        i += 2;
      } else if (c == '{') {
        auto close = text.find('}', i);
        if (close == std::string_view::npos) {
          return Error(Error::Kind::config, fmt::format("unclosed '{{' at offset {}", i));
        }
        auto r = on_var(text.substr(i + 1, close - i - 1));
        if (!r) {
          return r;
        }
        i = close + 1;
      } else if (c == '}') {
        return Error(Error::Kind::config, fmt::format("single '}}' at offset {}", i));
      } else {
        // Literal text, up to the next brace, in one piece.
        const size_t brace = std::min(text.find_first_of("{}", i), text.size());
        append(text.substr(i, brace - i));
        i = brace;
      }
    } else {
      if (text.compare(i, 2, "{{") == 0) {
        auto close = text.find("}}", i + 2);
        if (close == std::string_view::npos) {
          return Error(Error::Kind::config, fmt::format("unclosed '{{{{' at offset {}", i));
        }
        auto r = on_var(trim(text.substr(i + 2, close - i - 2)));
        if (!r) {
          return r;
        }
        i = close + 2;
      } else {
        // Literal text, up to the next "{{" (a lone '{' is literal too), in one piece.
        const size_t open = std::min(text.find("{{", i + 1), text.size());
        append(text.substr(i, open - i));
        i = open;
      }
    }
  }
  return true;
}

Result<bool>
check_name(std::string_view name)
{
  if (name.empty()) {
    return Error(Error::Kind::config, "empty variable name");
  }
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) {
      return Error(Error::Kind::config, fmt::format("invalid variable name '{}'", name));
    }
  }
  return true;
}

} // namespace

Result<std::string>
render_template(std::string_view text, const TemplateVars& vars, TemplateSyntax syntax)
{
  std::string out;
  out.reserve(text.size() * 2);
  auto r = walk(text, syntax, &out, [&](std::string_view name) -> Result<bool> {
    auto ok = check_name(name);
    if (!ok) {
      return ok;
    }
    auto it = vars.find(std::string(name));
    if (it == vars.end()) {
      std::vector<std::string> known;
      for (const auto& kv : vars) {
        known.push_back(kv.first);
      }
      return Error(Error::Kind::config,
                   fmt::format("template variable '{}' is not set (this prompt has: {})", name,
                               fmt::join(known, ", ")));
    }
    out.append(it->second);
    return true;
  });
  if (!r) {
    return r.error();
  }
  return out;
}

Result<std::set<std::string>>
template_variables(std::string_view text, TemplateSyntax syntax)
{
  std::set<std::string> names;
  auto r = walk(text, syntax, nullptr, [&](std::string_view name) -> Result<bool> {
    auto ok = check_name(name);
    if (ok) {
      names.insert(std::string(name));
    }
    return ok;
  });
  if (!r) {
    return r.error();
  }
  return names;
}

} // namespace harness
