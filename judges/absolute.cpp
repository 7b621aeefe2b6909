#include <judges/absolute.hpp>
#include <judges/single.hpp>

#include <harness/template.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

namespace judges {

using harness::CallVerdict;
using harness::Error;
using harness::JudgeCall;
using harness::ParseStatus;
using harness::Result;

std::string
python_json_rubric(const harness::Rubric& rubric)
{
  // nlohmann orders keys alphabetically: "criteria" before "score_descriptions",
  // "1".."5" in order, as the Janus data holds them.
  nlohmann::json doc = {{"criteria", rubric.criteria},
                        {"score_descriptions", rubric.score_descriptions}};
  return doc.dump(4, ' ', true);
}

const std::vector<harness::Rubric>&
AbsoluteJudge::rubrics_of(const harness::Item& item) const
{
  return item.rubrics.empty() ? m_rubric.criteria : item.rubrics;
}

Result<std::vector<JudgeCall>>
AbsoluteJudge::build(const harness::JudgeInput& input) const
{
  const auto& item = input.item;
  const auto& rubrics = rubrics_of(item);
  if (rubrics.empty()) {
    return Error(Error::Kind::config, fmt::format("item {} has no rubrics", item.id));
  }
  if (item.references.size() <= input.turn) {
    return Error(Error::Kind::config, fmt::format("item {} has no reference answer", item.id));
  }
  auto prompt = m_rubric.prompts.find("default");
  if (prompt == m_rubric.prompts.end()) {
    return Error(Error::Kind::config, fmt::format("rubric {} has no template", m_rubric.id()));
  }
  std::string instruction = item.turns[input.turn];
  if (m_spec.show_system && item.system) {
    instruction = item.system->text + "\n" + instruction;
  }
  std::vector<JudgeCall> calls;
  for (int run = 0; run < m_spec.runs; ++run) {
    for (size_t k = 0; k < rubrics.size(); ++k) {
      auto user = harness::render_template(prompt->second.template_text,
                                           {{"instruction", instruction},
                                            {"response", input.answers[input.turn]},
                                            {"reference_answer", item.references[input.turn]},
                                            {"score_rubric", python_json_rubric(rubrics[k])}},
                                           harness::TemplateSyntax::mustache);
      if (!user) {
        return Error(Error::Kind::config,
                     fmt::format("rubric {}: {}", m_rubric.id(), user.error().message));
      }
      JudgeCall call;
      call.messages = {{harness::Role::system, prompt->second.system},
                       {harness::Role::user, *user}};
      call.params = m_params;
      if (run > 0) {
        call.params.seed = run; // independent samples, distinct cache keys
      }
      call.prompt_id = "absolute";
      call.position = fmt::format("rubric {}, run {}", k + 1, run + 1);
      calls.push_back(std::move(call));
    }
  }
  return calls;
}

CallVerdict
AbsoluteJudge::parse(const JudgeCall&, const harness::Response& reply) const
{
  return read_score(m_rubric, reply.text);
}

harness::Verdict
AbsoluteJudge::combine(const harness::JudgeInput& input,
                       const std::vector<CallVerdict>& calls) const
{
  const size_t per_run = rubrics_of(input.item).size();
  harness::Verdict v;
  std::vector<double> rubric_sum(per_run, 0);
  std::vector<int> rubric_n(per_run, 0);
  double run_total = 0;
  int runs_counted = 0;
  int failed = 0;
  for (int run = 0; run < m_spec.runs; ++run) {
    double sum = 0;
    int n = 0;
    for (size_t k = 0; k < per_run; ++k) {
      const auto& c = calls[static_cast<size_t>(run) * per_run + k];
      if (c.status == ParseStatus::ok && c.value) {
        sum += *c.value;
        ++n;
        rubric_sum[k] += *c.value;
        ++rubric_n[k];
      } else {
        ++failed;
      }
    }
    if (n > 0) {
      double mean = sum / n;
      v.criteria[fmt::format("run {}", run + 1)] = mean;
      run_total += mean;
      ++runs_counted;
    }
  }
  for (size_t k = 0; k < per_run; ++k) {
    v.criteria[fmt::format("rubric {}", k + 1)] =
        rubric_n[k] ? std::optional(rubric_sum[k] / rubric_n[k]) : std::nullopt;
  }
  if (runs_counted == 0) {
    v.status = ParseStatus::parse_failed;
    v.detail = "no rubric score could be read";
    return v;
  }
  v.status = ParseStatus::ok;
  v.score = run_total / runs_counted;
  v.detail =
      failed ? fmt::format("{} of {} rubric judgments unreadable, left out", failed, calls.size())
             : "";
  return v;
}

} // namespace judges
