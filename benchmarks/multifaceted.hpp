#pragma once

#include <harness/benchmark.hpp>

namespace benchmarks {

// Multifaceted Bench (the Janus evaluation set), from files.records: a JSON
// array, a single JSON object, or JSON Lines, with the fields id (optional:
// "multifaceted_<index>" when absent), source, system, prompt,
// reference_answer, and the rubrics under `rubrics` or `rubric` (a list of
// {criteria, score_descriptions {"1".."5"}}). Each item gets the system
// message, the reference and the rubrics; its category is the raw source and
// its source the benchmark that source maps to through files.source_map
// ({"sources": {name: benchmark}}), or "unknown".
harness::Result<std::vector<harness::Item>> load_multifaceted(const harness::BenchSpec& spec,
                                                              const harness::FileSet& files);

} // namespace benchmarks
