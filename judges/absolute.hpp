#pragma once

#include <harness/config.hpp>
#include <harness/judge.hpp>
#include <harness/rubric_spec.hpp>

namespace judges {

// Prometheus-style absolute grading as Janus grades Multifaceted Bench
// (rubric prometheus-absolute): one call per rubric of the item (or of the
// rubric file's criteria), `runs` independent times. {{score_rubric}} is the
// rubric as Python's json.dumps(rubric, indent=4). The score is read with the
// rubric's end-anchored pattern and must be within its scale; a reply that
// does not parse is sampled again up to `resamples` times. The verdict's
// score is the mean over runs of the mean over rubrics; its criteria hold
// each rubric's mean ("rubric N") and each run's mean ("run N").
class AbsoluteJudge final : public harness::Judge
{
public:
  AbsoluteJudge(harness::RubricSpec rubric, const harness::JudgeSpec& spec);

  std::string protocol() const override { return "absolute"; }
  std::string rubric() const override { return m_rubric.id(); }
  int resamples() const override { return m_resamples; }
  harness::Result<std::vector<harness::JudgeCall>>
  build(const harness::JudgeInput& input) const override;
  harness::CallVerdict parse(const harness::JudgeCall& call,
                             const harness::Response& reply) const override;
  harness::Verdict combine(const harness::JudgeInput& input,
                           const std::vector<harness::CallVerdict>& calls) const override;

private:
  const std::vector<harness::Rubric>& rubrics_of(const harness::Item& item) const;

  harness::RubricSpec m_rubric;
  harness::GenParams m_params;
  int m_runs;
  int m_resamples;
  bool m_show_system;
};

// json.dumps({"criteria": ..., "score_descriptions": {...}}, indent=4) as
// Python writes it (ASCII only, \uXXXX escapes).
std::string python_json_rubric(const harness::Rubric& rubric);

} // namespace judges
