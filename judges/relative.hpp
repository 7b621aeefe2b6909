#pragma once

#include <judges/rubric_judge.hpp>

namespace judges {

// Prometheus relative grading (rubric prometheus-relative): for each rubric
// of the item (or of the rubric file), the model's and the baseline's answers
// as Response A and B, asked in both orders; the verdict is the A or B after
// [RESULT] at the end of the reply. A rubric goes to whichever side both
// orders pick, else it is a tie; the turn goes to the side that wins more
// rubrics. Criteria hold each rubric's outcome (1 model, 0 baseline, 0.5 tie).
class RelativeJudge final : public RubricJudge
{
public:
  using RubricJudge::RubricJudge;

  std::string protocol() const override { return "relative"; }
  bool needs_baseline() const override { return true; }
  harness::Result<std::vector<harness::JudgeCall>>
  build(const harness::JudgeInput& input) const override;
  harness::CallVerdict parse(const harness::JudgeCall& call,
                             const harness::Response& reply) const override;
  harness::Verdict combine(const harness::JudgeInput& input,
                           const std::vector<harness::CallVerdict>& calls) const override;
};

} // namespace judges
