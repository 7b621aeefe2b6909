#include <judges/pairwise.hpp>

#include <harness/template.hpp>

#include <fmt/core.h>

namespace judges {

using harness::CallVerdict;
using harness::Error;
using harness::JudgeCall;
using harness::ParseStatus;
using harness::Result;

PairwiseJudge::PairwiseJudge(harness::RubricSpec rubric, const harness::JudgeSpec& spec)
    : RubricJudge(std::move(rubric), spec),
      m_reference_categories(spec.reference_categories.begin(), spec.reference_categories.end())
{}

Result<std::vector<JudgeCall>>
PairwiseJudge::build(const harness::JudgeInput& input) const
{
  const auto& item = input.item;
  const auto& model = input.answers;
  const auto& baseline = *input.baseline;
  const bool with_reference =
      m_reference_categories.count(item.category) > 0 || m_reference_categories.count("*") > 0;
  const bool multi_turn = input.turn > 0;
  if (input.turn > 1) {
    return Error(Error::Kind::config,
                 fmt::format("item {}: pairwise judges at most 2 turns", item.id));
  }
  std::string name = with_reference ? "pair-math-v1" : "pair-v2";
  if (multi_turn) {
    name += "-multi-turn";
  }
  auto prompt = m_rubric.prompts.find(name);
  if (prompt == m_rubric.prompts.end()) {
    return Error(Error::Kind::config,
                 fmt::format("rubric {} has no prompt '{}'", m_rubric.id(), name));
  }
  auto question = [&](size_t t) {
    return m_spec.show_system && item.system ? item.system->text + "\n" + item.turns[t]
                                             : item.turns[t];
  };
  harness::TemplateVars common;
  if (with_reference) {
    if (item.references.size() <= input.turn) {
      return Error(Error::Kind::config, fmt::format("item {} has no reference answer for turn {}",
                                                    item.id, input.turn + 1));
    }
    common["ref_answer_1"] = item.references[0];
    if (multi_turn) {
      common["ref_answer_2"] = item.references[1];
    }
  }
  std::vector<JudgeCall> calls;
  // Game 1: the model is A; game 2: the baseline is A.
  for (bool model_first : {true, false}) {
    const auto& a = model_first ? model : baseline;
    const auto& b = model_first ? baseline : model;
    harness::TemplateVars vars = common;
    if (multi_turn) {
      vars["question_1"] = question(0);
      vars["question_2"] = question(1);
      vars["answer_a_1"] = a[0];
      vars["answer_a_2"] = a[1];
      vars["answer_b_1"] = b[0];
      vars["answer_b_2"] = b[1];
    } else {
      vars["question"] = question(0);
      vars["answer_a"] = a[0];
      vars["answer_b"] = b[0];
    }
    auto user = harness::render_template(prompt->second.template_text, vars,
                                         harness::TemplateSyntax::mustache);
    if (!user) {
      return Error(Error::Kind::config, fmt::format("rubric {} prompt '{}': {}", m_rubric.id(),
                                                    name, user.error().message));
    }
    JudgeCall call;
    call.messages = {{harness::Role::system, prompt->second.system}, {harness::Role::user, *user}};
    call.params = m_params;
    call.prompt_id = name;
    call.position = model_first ? "model-first" : "baseline-first";
    calls.push_back(std::move(call));
  }
  return calls;
}

CallVerdict
PairwiseJudge::parse(const JudgeCall&, const harness::Response& reply) const
{
  CallVerdict v;
  const auto& text = reply.text;
  if (text.find("[[A]]") != std::string::npos) {
    v.label = "A";
  } else if (text.find("[[B]]") != std::string::npos) {
    v.label = "B";
  } else if (text.find("[[C]]") != std::string::npos) {
    v.label = "tie";
  } else {
    v.status = ParseStatus::parse_failed;
    v.detail = text.empty() ? "empty judgment" : "no [[A]], [[B]] or [[C]] in the judgment";
    return v;
  }
  v.status = ParseStatus::ok;
  return v;
}

harness::Verdict
PairwiseJudge::combine(const harness::JudgeInput&, const std::vector<CallVerdict>& calls) const
{
  harness::Verdict v;
  // Each game's label ("" unread), for the judge's diagnostics (swaps, places).
  for (const auto& call : calls) {
    v.labels.push_back(call.status == ParseStatus::ok ? call.label : "");
  }
  if (calls.size() != 2 || calls[0].status != ParseStatus::ok ||
      calls[1].status != ParseStatus::ok) {
    v.status = ParseStatus::parse_failed;
    v.detail = "a game has no verdict";
    return v;
  }
  // Map each game's A/B back to model/baseline.
  auto winner = [](const std::string& label, bool model_first) -> std::string {
    if (label == "tie") {
      return "tie";
    }
    return (label == "A") == model_first ? "model" : "baseline";
  };
  std::string g1 = winner(calls[0].label, true);
  std::string g2 = winner(calls[1].label, false);
  v.status = ParseStatus::ok;
  v.winner = g1 == "tie" || g1 != g2 ? "tie" : g1;
  v.detail = fmt::format("game 1 (model as A): {}; game 2 (baseline as A): {}{}", g1, g2,
                         g1 != g2 ? " (inconsistent: a tie)" : "");
  return v;
}

} // namespace judges
