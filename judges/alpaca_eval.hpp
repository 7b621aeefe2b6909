#pragma once

#include <judges/rubric_judge.hpp>

namespace judges {

// AlpacaEval 2.0's weighted logprob judge (rubric alpaca-eval-clf). One call
// per instruction: output_1 is the baseline and output_2 the model, swapped
// when alpaca_eval_is_switched(instruction); the judge answers one token, m
// (output_1) or M (output_2), and from its top logprobs
// preference = 2 - P(m) / (P(m) + P(M)) (a token missing from them has
// probability 0), mapped to 3 - x when swapped: 1 means the baseline wins,
// 2 the model. Identical outputs get 1.5 without a call.
class AlpacaEvalJudge final : public RubricJudge
{
public:
  AlpacaEvalJudge(harness::RubricSpec rubric, const harness::JudgeSpec& spec, int seed = 0);

  std::string protocol() const override { return "alpaca_eval"; }
  bool needs_baseline() const override { return true; }
  harness::Result<std::vector<harness::JudgeCall>>
  build(const harness::JudgeInput& input) const override;
  harness::CallVerdict parse(const harness::JudgeCall& call,
                             const harness::Response& reply) const override;
  harness::Verdict combine(const harness::JudgeInput& input,
                           const std::vector<harness::CallVerdict>& calls) const override;

private:
  int m_seed;
};

// preference = 2 - P(m) / (P(m) + P(M)) from a token's top logprobs; nullopt
// when neither m nor M is among them, or when the logprob of either is not a
// log probability (a number <= 0: a server's 1e16 would make the preference NaN).
std::optional<double>
alpaca_eval_preference(const std::vector<std::pair<std::string, double>>& top_logprobs);

} // namespace judges
