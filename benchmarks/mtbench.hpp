#pragma once

#include <harness/benchmark.hpp>

namespace benchmarks {

// MT-Bench (FastChat): files "questions" (question.jsonl: question_id,
// category, turns) and "references" (reference_answer/gpt-4.jsonl:
// question_id, choices[0].turns). Items keep file order; each gets the
// spec's temperature for its category (generation.category_temperature,
// else generation.temperature) and, when the references file has its id,
// the GPT-4 reference answers (one per turn).
harness::Result<std::vector<harness::Item>> load_mtbench(const harness::BenchSpec& spec,
                                                         const harness::FileSet& files);

} // namespace benchmarks
