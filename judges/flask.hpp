#pragma once

#include <judges/rubric_judge.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace judges {

// FLASK's fine-grained grading (rubric flask): one call per instance with its
// skills (meta "skills", each matched to the first rubric criterion whose
// name contains it, as gpt4_eval.py does) listed as "Name: criteria" and five
// "Score k:" lines, the question and the ground-truth answer. The reply ends
// with a Python dict; the last {...} is read as FLASK's parse_score does
// (newlines removed, "_" -> " ", lower-cased, a Python literal; "na", "n/a"
// and "not applicable" are N/A). Each skill's score must be within the
// rubric's scale. The verdict's criteria are the instance's skills (N/A kept as
// such); its score is the mean of the numeric ones.
class FlaskJudge final : public RubricJudge
{
public:
  using RubricJudge::RubricJudge;

  std::string protocol() const override { return "flask"; }
  harness::Result<std::vector<harness::JudgeCall>>
  build(const harness::JudgeInput& input) const override;
  harness::CallVerdict parse(const harness::JudgeCall& call,
                             const harness::Response& reply) const override;
  harness::Verdict combine(const harness::JudgeInput& input,
                           const std::vector<harness::CallVerdict>& calls) const override;
};

// The last {...} of a reply read as FLASK's parse_score reads it: keys are
// lower-cased skill names; a value is a number, or nullopt for N/A. nullopt
// when there is no dict or it is not a Python literal of strings and numbers.
std::optional<std::map<std::string, std::optional<double>>>
parse_flask_scores(std::string_view reply);

} // namespace judges
