#pragma once

#include <harness/config.hpp>
#include <harness/judge.hpp>
#include <harness/rubric_spec.hpp>

namespace judges {

// What every rubric-driven protocol holds: the rubric, the sampling it asks
// for (overridden by the benchmark's judge params) and the judge settings.
class RubricJudge : public harness::Judge
{
public:
  RubricJudge(harness::RubricSpec rubric, const harness::JudgeSpec& spec)
      : m_rubric(std::move(rubric)), m_spec(spec),
        m_params(m_rubric.params.merged_with(spec.params))
  {}

  std::string rubric() const override { return m_rubric.id(); }
  int resamples() const override { return m_spec.resamples; }

protected:
  harness::RubricSpec m_rubric;
  harness::JudgeSpec m_spec;
  harness::GenParams m_params;
};

} // namespace judges
