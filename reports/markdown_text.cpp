#include <reports/markdown_text.hpp>

#include <algorithm>

namespace reports {

namespace {

size_t
longest_backtick_run(const std::string& text)
{
  size_t longest = 0;
  size_t run = 0;
  for (char ch : text) {
    run = ch == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest;
}

} // namespace

std::string
markdown_text(const std::string& text)
{
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
    case '\\': out += "\\\\"; break;
    case '|': out += "\\|"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '&': out += "&amp;"; break;
    case '\n':
    case '\r': out += ' '; break;
    default: out += ch;
    }
  }
  return out;
}

std::string
markdown_code_span(const std::string& text)
{
  std::string body = text;
  std::replace(body.begin(), body.end(), '\n', ' ');
  std::replace(body.begin(), body.end(), '\r', ' ');
  if (!body.empty() &&
      (body.front() == '`' || body.back() == '`' || body.front() == ' ' || body.back() == ' ')) {
    body = " " + body + " ";
  }
  const std::string ticks(longest_backtick_run(body) + 1, '`');
  return ticks + body + ticks;
}

std::string
markdown_fence(const std::string& content)
{
  return std::string(std::max<size_t>(3, longest_backtick_run(content) + 1), '`');
}

} // namespace reports
