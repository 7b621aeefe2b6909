#include <judges/extract.hpp>
#include <judges/single.hpp>

#include <harness/template.hpp>

#include <fmt/core.h>

namespace judges {

using harness::Error;
using harness::JudgeCall;
using harness::Result;
using harness::Verdict;

SingleJudge::SingleJudge(FastChatPrompts prompts, std::string prompts_version,
                         std::set<std::string> reference_categories, harness::GenParams params)
    : m_prompts(std::move(prompts)), m_version(std::move(prompts_version)),
      m_reference_categories(std::move(reference_categories)), m_params(std::move(params))
{}

std::string
SingleJudge::rubric() const
{
  return "fastchat-single@" + m_version;
}

Result<JudgeCall>
SingleJudge::build(const harness::JudgeInput& input) const
{
  const auto& item = input.item;
  const bool with_reference =
      m_reference_categories.count(item.category) > 0 || m_reference_categories.count("*") > 0;
  const bool multi_turn = input.turn > 0;
  if (input.turn > 1) {
    return Error(Error::Kind::config,
                 fmt::format("item {}: single grading judges at most 2 turns", item.id));
  }
  if (input.answers.size() <= input.turn) {
    return Error(Error::Kind::config, fmt::format("item {}: no answer to judge", item.id));
  }
  std::string name = with_reference ? "single-math-v1" : "single-v1";
  if (multi_turn) {
    name += "-multi-turn";
  }
  auto prompt = m_prompts.find(name);
  if (prompt == m_prompts.end()) {
    return Error(Error::Kind::config, fmt::format("judge prompt '{}' is missing", name));
  }

  harness::TemplateVars vars;
  if (with_reference) {
    if (item.references.size() <= input.turn) {
      return Error(Error::Kind::config,
                   fmt::format("item {} (category {}) has no reference answer for turn {}", item.id,
                               item.category, input.turn + 1));
    }
    vars["ref_answer_1"] = item.references[0];
    if (multi_turn) {
      vars["ref_answer_2"] = item.references[1];
    }
  }
  if (multi_turn) {
    vars["question_1"] = item.turns[0];
    vars["answer_1"] = input.answers[0];
    vars["question_2"] = item.turns[1];
    vars["answer_2"] = input.answers[1];
  } else {
    vars["question"] = item.turns[0];
    vars["answer"] = input.answers[0];
  }
  auto user = harness::render_template(prompt->second.prompt_template, vars,
                                       harness::TemplateSyntax::python_format);
  if (!user) {
    return Error(Error::Kind::config,
                 fmt::format("judge prompt '{}': {}", name, user.error().message));
  }
  JudgeCall call;
  call.messages.push_back({harness::Role::system, prompt->second.system_prompt});
  call.messages.push_back({harness::Role::user, std::move(*user)});
  call.params = m_params;
  call.prompt_id = name;
  return call;
}

Verdict
SingleJudge::parse(std::string_view judgment) const
{
  // FastChat's one_score_pattern, then its one_score_pattern_backup.
  static const std::vector<std::string> k_patterns = {R"(\[\[(\d+\.?\d*)\]\])",
                                                      R"(\[(\d+\.?\d*)\])"};
  Verdict v;
  auto score = first_number(judgment, k_patterns);
  if (!score) {
    v.status = Verdict::Status::parse_failed;
    v.detail = judgment.empty() ? "empty judgment" : "no [[rating]] or [rating] in the judgment";
    return v;
  }
  if (*score < k_min_score || *score > k_max_score) {
    v.status = Verdict::Status::out_of_range;
    v.detail = fmt::format("rating {} is outside {}..{}", *score, k_min_score, k_max_score);
    return v;
  }
  v.status = Verdict::Status::ok;
  v.score = *score;
  return v;
}

} // namespace judges
