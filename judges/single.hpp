#pragma once

#include <judges/fastchat_prompts.hpp>

#include <harness/judge.hpp>

#include <set>
#include <string>

namespace judges {

// FastChat's single-answer grading (MT-Bench): turn 1 is judged with
// single-v1 (or single-math-v1 plus the reference for reference
// categories), turn 2 with the *-multi-turn prompt showing the whole
// dialogue. The score is the first [[n]], else the first [n]; it must be
// within 1..10, otherwise the verdict is out_of_range.
class SingleJudge final : public harness::Judge
{
public:
  SingleJudge(FastChatPrompts prompts, std::string prompts_version,
              std::set<std::string> reference_categories, harness::GenParams params);

  std::string protocol() const override { return "single"; }
  std::string rubric() const override;
  harness::Result<harness::JudgeCall> build(const harness::JudgeInput& input) const override;
  harness::Verdict parse(std::string_view judgment) const override;

  static constexpr double k_min_score = 1;
  static constexpr double k_max_score = 10;

private:
  FastChatPrompts m_prompts;
  std::string m_version;
  std::set<std::string> m_reference_categories;
  harness::GenParams m_params;
};

} // namespace judges
