#include <judges/absolute.hpp>
#include <judges/alpaca_eval.hpp>
#include <judges/arena_hard.hpp>
#include <judges/extract.hpp>
#include <judges/flask.hpp>
#include <judges/pairwise.hpp>
#include <judges/registry.hpp>
#include <judges/relative.hpp>
#include <judges/single.hpp>

#include <fmt/format.h>

namespace judges {

using harness::Error;
using harness::Result;

namespace {

template <typename J>
Result<std::unique_ptr<harness::Judge>>
make(const harness::RubricSpec& rubric, const harness::JudgeSpec& spec)
{
  return std::unique_ptr<harness::Judge>(std::make_unique<J>(rubric, spec));
}

struct Entry
{
  const char* protocol;
  Result<std::unique_ptr<harness::Judge>> (*make)(const harness::RubricSpec&,
                                                  const harness::JudgeSpec&);
};

// The one table of judging protocols.
constexpr Entry k_judges[] = {
    {"single", make<SingleJudge>},        {"pairwise", make<PairwiseJudge>},
    {"absolute", make<AbsoluteJudge>},    {"alpaca_eval", make<AlpacaEvalJudge>},
    {"flask", make<FlaskJudge>},          {"relative", make<RelativeJudge>},
    {"arena_hard", make<ArenaHardJudge>},
};

} // namespace

Result<std::unique_ptr<harness::Judge>>
make_judge(const harness::RubricSpec& rubric, const harness::JudgeSpec& spec)
{
  // single, absolute and relative read the verdict from the pattern's capture
  // group; pairwise tests FastChat's fixed labels and keeps it as documentation.
  const bool needs_capture = rubric.protocol == "single" || rubric.protocol == "absolute" ||
                             rubric.protocol == "relative" || rubric.protocol == "arena_hard";
  for (const auto& [field, pattern] :
       {std::pair{"output.pattern", &rubric.pattern}, {"output.fallback", &rubric.fallback}}) {
    if (pattern->empty()) {
      continue;
    }
    if (auto why = pattern_error(*pattern, needs_capture)) {
      return Error(Error::Kind::config,
                   fmt::format("{}: field '{}': '{}': {}", rubric.defined_in.string(), field,
                               *pattern, *why));
    }
  }
  if (rubric.protocol == "arena_hard" && rubric.pattern.empty()) {
    return Error(
        Error::Kind::config,
        fmt::format("{}: field 'output.pattern': the arena_hard protocol reads its verdict "
                    "label with it (Arena-Hard: \\[\\[([AB<>=]+)\\]\\])",
                    rubric.defined_in.string()));
  }
  for (const auto& entry : k_judges) {
    if (rubric.protocol == entry.protocol) {
      return entry.make(rubric, spec);
    }
  }
  return Error(Error::Kind::config,
               fmt::format("{}: field 'protocol': unknown protocol '{}' (known: {})",
                           rubric.defined_in.string(), rubric.protocol,
                           fmt::join(protocols(), ", ")));
}

std::vector<std::string>
protocols()
{
  std::vector<std::string> out;
  for (const auto& entry : k_judges) {
    out.emplace_back(entry.protocol);
  }
  return out;
}

} // namespace judges
