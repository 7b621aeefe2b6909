#include <judges/extract.hpp>
#include <judges/single.hpp>

#include <harness/template.hpp>

#include <fmt/core.h>

namespace judges {

using harness::CallVerdict;
using harness::Error;
using harness::JudgeCall;
using harness::ParseStatus;
using harness::Result;

harness::CallVerdict
read_score(const harness::RubricSpec& rubric, std::string_view text)
{
  CallVerdict v;
  std::vector<std::string> patterns = {rubric.pattern};
  if (!rubric.fallback.empty()) {
    patterns.push_back(rubric.fallback);
  }
  auto score = first_number(text, patterns);
  if (!score) {
    v.status = ParseStatus::parse_failed;
    v.detail = text.empty() ? "empty judgment" : "no score matching the rubric's pattern";
    return v;
  }
  if ((rubric.scale_min && *score < *rubric.scale_min) ||
      (rubric.scale_max && *score > *rubric.scale_max)) {
    v.status = ParseStatus::out_of_range;
    v.detail = fmt::format("score {} is outside {}..{}", *score, rubric.scale_min.value_or(0),
                           rubric.scale_max.value_or(0));
    return v;
  }
  v.status = ParseStatus::ok;
  v.value = *score;
  return v;
}

SingleJudge::SingleJudge(harness::RubricSpec rubric, const harness::JudgeSpec& spec)
    : RubricJudge(std::move(rubric), spec),
      m_reference_categories(spec.reference_categories.begin(), spec.reference_categories.end())
{}

Result<std::vector<JudgeCall>>
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
  harness::TemplateVars vars;
  std::string name;
  if (m_rubric.prompts.count("default")) {
    // An ad-hoc rubric: one prompt for every item.
    name = "default";
    vars["question"] = item.turns[input.turn];
    vars["answer"] = input.answers[input.turn];
    vars["reference"] = item.references.size() > input.turn ? item.references[input.turn] : "";
    vars["system"] = item.system ? item.system->text : "";
  } else {
    name = with_reference ? "single-math-v1" : "single-v1";
    if (multi_turn) {
      name += "-multi-turn";
    }
    if (with_reference) {
      if (item.references.size() <= input.turn) {
        return Error(Error::Kind::config,
                     fmt::format("item {} (category {}) has no reference answer for turn {}",
                                 item.id, item.category, input.turn + 1));
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
  }
  auto prompt = m_rubric.prompts.find(name);
  if (prompt == m_rubric.prompts.end()) {
    return Error(Error::Kind::config,
                 fmt::format("rubric {} has no prompt '{}'", m_rubric.id(), name));
  }
  auto user = harness::render_template(prompt->second.template_text, vars,
                                       harness::TemplateSyntax::mustache);
  if (!user) {
    return Error(Error::Kind::config, fmt::format("rubric {} prompt '{}': {}", m_rubric.id(), name,
                                                  user.error().message));
  }
  JudgeCall call;
  if (!prompt->second.system.empty()) {
    call.messages.push_back({harness::Role::system, prompt->second.system});
  }
  call.messages.push_back({harness::Role::user, std::move(*user)});
  call.params = m_params;
  call.prompt_id = name;
  call.position = "single";
  return std::vector<JudgeCall>{std::move(call)};
}

CallVerdict
SingleJudge::parse(const JudgeCall&, const harness::Response& reply) const
{
  return read_score(m_rubric, reply.text);
}

harness::Verdict
SingleJudge::combine(const harness::JudgeInput&, const std::vector<CallVerdict>& calls) const
{
  return harness::single_call_verdict(calls);
}

} // namespace judges
