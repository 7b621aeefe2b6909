#include <judges/extract.hpp>
#include <judges/relative.hpp>

#include <harness/template.hpp>

#include <fmt/core.h>

namespace judges {

using harness::CallVerdict;
using harness::Error;
using harness::JudgeCall;
using harness::ParseStatus;
using harness::Result;

Result<std::vector<JudgeCall>>
RelativeJudge::build(const harness::JudgeInput& input) const
{
  const auto& item = input.item;
  const auto& rubrics = item.rubrics.empty() ? m_rubric.criteria : item.rubrics;
  if (rubrics.empty()) {
    return Error(Error::Kind::config, fmt::format("item {} has no rubrics", item.id));
  }
  if (item.references.size() <= input.turn) {
    return Error(Error::Kind::config, fmt::format("item {} has no reference answer", item.id));
  }
  const auto& prompt = m_rubric.prompts.at("default");
  const auto& model = input.answers[input.turn];
  const auto& baseline = (*input.baseline)[input.turn];
  std::vector<JudgeCall> calls;
  for (size_t k = 0; k < rubrics.size(); ++k) {
    for (bool model_first : {true, false}) {
      auto user = harness::render_template(prompt.template_text,
                                           {{"instruction", item.turns[input.turn]},
                                            {"response_A", model_first ? model : baseline},
                                            {"response_B", model_first ? baseline : model},
                                            {"reference_answer", item.references[input.turn]},
                                            {"rubric", "[" + rubrics[k].criteria + "]"}},
                                           harness::TemplateSyntax::mustache);
      if (!user) {
        return Error(Error::Kind::config,
                     fmt::format("rubric {}: {}", m_rubric.id(), user.error().message));
      }
      JudgeCall call;
      call.messages = {{harness::Role::system, prompt.system}, {harness::Role::user, *user}};
      call.params = m_params;
      call.prompt_id = "relative";
      call.position =
          fmt::format("rubric {}, {}", k + 1, model_first ? "model-first" : "baseline-first");
      calls.push_back(std::move(call));
    }
  }
  return calls;
}

CallVerdict
RelativeJudge::parse(const JudgeCall&, const harness::Response& reply) const
{
  CallVerdict v;
  auto choice = first_capture(reply.text, m_rubric.pattern);
  if (!choice) {
    v.status = ParseStatus::parse_failed;
    v.detail =
        reply.text.empty() ? "empty judgment" : "no [RESULT] A or B at the end of the judgment";
    return v;
  }
  v.status = ParseStatus::ok;
  v.label = *choice == "a" ? "A" : *choice == "b" ? "B" : *choice;
  return v;
}

harness::Verdict
RelativeJudge::combine(const harness::JudgeInput&, const std::vector<CallVerdict>& calls) const
{
  harness::Verdict v;
  int model = 0;
  int baseline = 0;
  int counted = 0;
  for (size_t k = 0; k + 1 < calls.size(); k += 2) {
    const auto& g1 = calls[k];     // model is A
    const auto& g2 = calls[k + 1]; // model is B
    std::string name = fmt::format("rubric {}", k / 2 + 1);
    if (g1.status != ParseStatus::ok || g2.status != ParseStatus::ok) {
      v.criteria[name] = std::nullopt;
      continue;
    }
    ++counted;
    bool m1 = g1.label == "A";
    bool m2 = g2.label == "B";
    if (m1 && m2) {
      ++model;
      v.criteria[name] = 1.0;
    } else if (!m1 && !m2) {
      ++baseline;
      v.criteria[name] = 0.0;
    } else {
      v.criteria[name] = 0.5;
    }
  }
  if (counted == 0) {
    v.status = ParseStatus::parse_failed;
    v.detail = "no rubric has a verdict in both orders";
    return v;
  }
  v.status = ParseStatus::ok;
  v.winner = model > baseline ? "model" : baseline > model ? "baseline" : "tie";
  v.detail = fmt::format("rubrics won: model {}, baseline {}, of {}", model, baseline, counted);
  return v;
}

} // namespace judges
