#pragma once

#include <harness/config.hpp>
#include <harness/judge.hpp>
#include <harness/rubric_spec.hpp>

namespace judges {

// Prometheus relative grading (rubric prometheus-relative): for each rubric
// of the item (or of the rubric file), the model's and the baseline's answers
// as Response A and B, asked in both orders; the verdict is the A or B after
// [RESULT] at the end of the reply. A rubric goes to whichever side both
// orders pick, else it is a tie; the turn goes to the side that wins more
// rubrics. Criteria hold each rubric's outcome (1 model, 0 baseline, 0.5 tie).
class RelativeJudge final : public harness::Judge
{
public:
  RelativeJudge(harness::RubricSpec rubric, const harness::JudgeSpec& spec);

  std::string protocol() const override { return "relative"; }
  std::string rubric() const override { return m_rubric.id(); }
  bool needs_baseline() const override { return true; }
  int resamples() const override { return m_resamples; }
  harness::Result<std::vector<harness::JudgeCall>>
  build(const harness::JudgeInput& input) const override;
  harness::CallVerdict parse(const harness::JudgeCall& call,
                             const harness::Response& reply) const override;
  harness::Verdict combine(const harness::JudgeInput& input,
                           const std::vector<harness::CallVerdict>& calls) const override;

private:
  harness::RubricSpec m_rubric;
  harness::GenParams m_params;
  int m_resamples;
};

} // namespace judges
