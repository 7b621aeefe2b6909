#pragma once

#include <judges/rubric_judge.hpp>

namespace judges {

// Prometheus-style absolute grading as Janus grades Multifaceted Bench
// (rubric prometheus-absolute): one call per rubric of the item (or of the
// rubric file's criteria), `runs` independent times. {{score_rubric}} is the
// rubric as Python's json.dumps(rubric, indent=4). The score is read with the
// rubric's end-anchored pattern and must be within its scale; a reply that
// does not parse is sampled again up to `resamples` times. The verdict's
// score is the mean over runs of the mean over rubrics; its criteria hold
// each rubric's mean ("rubric N") and each run's mean ("run N").
class AbsoluteJudge final : public RubricJudge
{
public:
  using RubricJudge::RubricJudge;

  std::string protocol() const override { return "absolute"; }
  harness::Result<std::vector<harness::JudgeCall>>
  build(const harness::JudgeInput& input) const override;
  harness::CallVerdict parse(const harness::JudgeCall& call,
                             const harness::Response& reply) const override;
  harness::Verdict combine(const harness::JudgeInput& input,
                           const std::vector<harness::CallVerdict>& calls) const override;

private:
  const std::vector<harness::Rubric>& rubrics_of(const harness::Item& item) const;
};

// json.dumps({"criteria": ..., "score_descriptions": {...}}, indent=4) as
// Python writes it (ASCII only, \uXXXX escapes).
std::string python_json_rubric(const harness::Rubric& rubric);

} // namespace judges
