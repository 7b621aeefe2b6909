#include <judges/extract.hpp>

#include <re2/re2.h>

#include <charconv>
#include <map>
#include <memory>
#include <mutex>

namespace judges {

namespace {

// Compiled patterns, kept for the life of the process (RE2 is thread-safe).
const re2::RE2&
compiled(const std::string& pattern)
{
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<re2::RE2>> cache;
  std::lock_guard lock(mutex);
  auto& slot = cache[pattern];
  if (!slot) {
    slot = std::make_unique<re2::RE2>(pattern);
  }
  return *slot;
}

} // namespace

std::optional<std::string>
pattern_error(const std::string& pattern, bool needs_capture)
{
  re2::RE2 re(pattern, re2::RE2::Quiet);
  if (!re.ok()) {
    return "RE2 cannot compile it: " + re.error();
  }
  if (needs_capture && re.NumberOfCapturingGroups() < 1) {
    return "it has no capture group for the verdict";
  }
  return std::nullopt;
}

std::optional<double>
first_number(std::string_view text, const std::vector<std::string>& patterns)
{
  for (const auto& pattern : patterns) {
    const re2::RE2& re = compiled(pattern);
    std::string captured;
    if (re.ok() &&
        re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re, &captured)) {
      double value = 0;
      auto [p, ec] = std::from_chars(captured.data(), captured.data() + captured.size(), value);
      if (ec == std::errc()) {
        return value;
      }
    }
  }
  return std::nullopt;
}

std::vector<std::string>
all_captures(std::string_view text, const std::string& pattern)
{
  std::vector<std::string> out;
  const re2::RE2& re = compiled(pattern);
  if (!re.ok()) {
    return out;
  }
  re2::StringPiece rest(text.data(), text.size());
  std::string captured;
  while (!rest.empty()) {
    const char* before = rest.data();
    if (!re2::RE2::FindAndConsume(&rest, re, &captured)) {
      break;
    }
    out.push_back(captured);
    if (rest.data() == before) {
      rest.remove_prefix(1); // an empty match: step over a character, as findall does
    }
  }
  return out;
}

std::optional<std::string>
first_capture(std::string_view text, const std::string& pattern)
{
  const re2::RE2& re = compiled(pattern);
  std::string captured;
  if (re.ok() &&
      re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re, &captured)) {
    return captured;
  }
  return std::nullopt;
}

} // namespace judges
