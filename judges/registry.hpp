#pragma once

#include <harness/config.hpp>
#include <harness/error.hpp>
#include <harness/judge.hpp>
#include <harness/rubric_spec.hpp>

#include <memory>
#include <string>
#include <vector>

namespace judges {

// The judge for a rubric's protocol, configured by the benchmark's judge
// settings (reference categories, runs, re-samples, system message shown).
harness::Result<std::unique_ptr<harness::Judge>> make_judge(const harness::RubricSpec& rubric,
                                                            const harness::JudgeSpec& spec);

// The protocol names make_judge accepts.
std::vector<std::string> protocols();

} // namespace judges
