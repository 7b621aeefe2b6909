#pragma once

#include <judges/rubric_judge.hpp>

#include <set>

namespace judges {

// Pairwise comparison with a baseline (rubric fastchat-pair: FastChat's
// pair-v2 / pair-math-v1 and their multi-turn forms). Every turn is judged
// twice, model as A then baseline as A. A verdict is the first of "[[A]]",
// "[[B]]", "[[C]]" (tie) found in the reply, tested in that order, as FastChat
// does. The pair is a tie when the first game is a tie or the two games
// disagree; it fails to parse when either game does. With show_system the
// question is "system\nprompt", as Janus shows a system message to a judge.
class PairwiseJudge final : public RubricJudge
{
public:
  PairwiseJudge(harness::RubricSpec rubric, const harness::JudgeSpec& spec);

  std::string protocol() const override { return "pairwise"; }
  bool needs_baseline() const override { return true; }
  harness::Result<std::vector<harness::JudgeCall>>
  build(const harness::JudgeInput& input) const override;
  harness::CallVerdict parse(const harness::JudgeCall& call,
                             const harness::Response& reply) const override;
  harness::Verdict combine(const harness::JudgeInput& input,
                           const std::vector<harness::CallVerdict>& calls) const override;

private:
  std::set<std::string> m_reference_categories;
};

} // namespace judges
