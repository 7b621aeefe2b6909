#pragma once

#include <judges/rubric_judge.hpp>

#include <set>
#include <string>

namespace judges {

// Single-answer grading (FastChat's MT-Bench protocol, rubric fastchat-single):
// turn 1 is judged with single-v1 (single-math-v1 plus the reference for
// reference categories), turn 2 with the *-multi-turn prompt showing the
// whole dialogue. The score is the first match of the rubric's pattern,
// else of its fallback ([[n]] then [n]); it must be within the rubric's scale.
// A rubric with only a default prompt (ad-hoc scoring) gets the variables
// question, answer, reference and system.
class SingleJudge final : public RubricJudge
{
public:
  SingleJudge(harness::RubricSpec rubric, const harness::JudgeSpec& spec);

  std::string protocol() const override { return "single"; }
  harness::Result<std::vector<harness::JudgeCall>>
  build(const harness::JudgeInput& input) const override;
  harness::CallVerdict parse(const harness::JudgeCall& call,
                             const harness::Response& reply) const override;
  harness::Verdict combine(const harness::JudgeInput& input,
                           const std::vector<harness::CallVerdict>& calls) const override;

private:
  std::set<std::string> m_reference_categories;
};

// Reads a score with `rubric`'s pattern then fallback, checked against its
// scale. Shared by the score-reading protocols.
harness::CallVerdict read_score(const harness::RubricSpec& rubric, std::string_view text);

} // namespace judges
