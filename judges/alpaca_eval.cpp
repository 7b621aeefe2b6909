#include <judges/alpaca_eval.hpp>
#include <judges/python_random.hpp>

#include <harness/template.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

namespace judges {

using harness::CallVerdict;
using harness::Error;
using harness::JudgeCall;
using harness::ParseStatus;
using harness::Result;

namespace {

// A number <= 0 (-inf for a probability of 0); not NaN.
bool
is_log_probability(double logprob)
{
  return logprob <= 0;
}

} // namespace

std::optional<double>
alpaca_eval_preference(const std::vector<std::pair<std::string, double>>& top_logprobs)
{
  double p_m = 0;
  double p_big_m = 0;
  bool found = false;
  for (const auto& [token, logprob] : top_logprobs) {
    if ((token == "m" || token == "M") && !is_log_probability(logprob)) {
      return std::nullopt; // exp(1e16) is inf, and the preference inf / inf
    }
    if (token == "m") {
      p_m += std::exp(logprob);
      found = true;
    } else if (token == "M") {
      p_big_m += std::exp(logprob);
      found = true;
    }
  }
  if (!found || p_m + p_big_m <= 0) {
    return std::nullopt;
  }
  return 2.0 - p_m / (p_m + p_big_m);
}

AlpacaEvalJudge::AlpacaEvalJudge(harness::RubricSpec rubric, const harness::JudgeSpec& spec,
                                 int seed)
    : RubricJudge(std::move(rubric), spec), m_seed(seed)
{}

Result<std::vector<JudgeCall>>
AlpacaEvalJudge::build(const harness::JudgeInput& input) const
{
  const auto& instruction = input.item.turns[0];
  const auto& model = input.answers[0];
  const auto& baseline = (*input.baseline)[0];
  if (model == baseline) {
    return std::vector<JudgeCall>{}; // combine() gives 1.5
  }
  const bool switched = alpaca_eval_is_switched(instruction, m_seed);
  auto prompt = m_rubric.prompts.find("default");
  if (prompt == m_rubric.prompts.end()) {
    return Error(Error::Kind::config, fmt::format("rubric {} has no template", m_rubric.id()));
  }
  auto user = harness::render_template(prompt->second.template_text,
                                       {{"instruction", instruction},
                                        {"output_1", switched ? model : baseline},
                                        {"output_2", switched ? baseline : model}},
                                       harness::TemplateSyntax::mustache);
  if (!user) {
    return Error(Error::Kind::config,
                 fmt::format("rubric {}: {}", m_rubric.id(), user.error().message));
  }
  JudgeCall call;
  call.messages = {{harness::Role::system, prompt->second.system}, {harness::Role::user, *user}};
  call.params = m_params;
  call.prompt_id = "alpaca_eval_clf";
  call.position = switched ? "model-first" : "baseline-first";
  return std::vector<JudgeCall>{std::move(call)};
}

CallVerdict
AlpacaEvalJudge::parse(const JudgeCall& call, const harness::Response& reply) const
{
  CallVerdict v;
  auto raw = alpaca_eval_preference(reply.top_logprobs);
  if (!raw) {
    v.status = ParseStatus::parse_failed;
    auto invalid = std::find_if(reply.top_logprobs.begin(), reply.top_logprobs.end(),
                                [](const auto& alternative) {
                                  return (alternative.first == "m" || alternative.first == "M") &&
                                         !is_log_probability(alternative.second);
                                });
    v.detail = reply.top_logprobs.empty()
                   ? "the reply has no logprobs (does the endpoint return them?)"
               : invalid != reply.top_logprobs.end()
                   ? fmt::format("the logprob of {} is {}, not a log probability (a number <= 0)",
                                 invalid->first, invalid->second)
                   : "neither m nor M is among the top logprobs";
    return v;
  }
  const bool switched = call.position == "model-first";
  v.status = ParseStatus::ok;
  v.value = switched ? 3.0 - *raw : *raw;
  v.label = reply.text;
  v.detail =
      fmt::format("preference {:.6f}{}", *v.value, switched ? " (outputs were swapped)" : "");
  return v;
}

harness::Verdict
AlpacaEvalJudge::combine(const harness::JudgeInput&, const std::vector<CallVerdict>& calls) const
{
  harness::Verdict v;
  if (calls.empty()) {
    v.status = ParseStatus::ok;
    v.score = 1.5;
    v.winner = "tie";
    v.detail = "identical outputs: 1.5 without a call";
    return v;
  }
  v = harness::single_call_verdict(calls);
  if (v.score) {
    v.winner = *v.score > 1.5 ? "model" : *v.score < 1.5 ? "baseline" : "tie";
  }
  return v;
}

} // namespace judges
