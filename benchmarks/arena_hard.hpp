#pragma once

#include <harness/benchmark.hpp>

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>

namespace benchmarks {

// Arena-Hard-Auto v0.1: files "questions" (question.jsonl: question_id,
// category, cluster, turns [{content}]) and "references" (the baseline's
// model_answer/<model>.jsonl: question_id, choices[0].turns[0].content and
// token_len; the last line of a repeated id wins, as upstream's
// load_model_answers). Items keep file order, single turn; the reference is
// the baseline's answer, the cluster and the baseline's token_len are in
// meta ("cluster", "baseline_token_len"). A question without a baseline
// answer is an error naming it.
// One line of an Arena-Hard model_answer file: the answer
// (choices[0].turns[0].content) and its token_len (nullopt when absent); an
// Error naming the field that is missing.
struct ArenaHardAnswer
{
  std::string question_id;
  std::string text;
  std::optional<long> token_len;
};
harness::Result<ArenaHardAnswer> arena_hard_answer(const nlohmann::json& record);

harness::Result<std::vector<harness::Item>> load_arena_hard(const harness::BenchSpec& spec,
                                                            const harness::FileSet& files);

} // namespace benchmarks
