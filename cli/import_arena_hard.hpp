#pragma once

#include <cli/options.hpp>

#include <harness/store.hpp>

namespace cli {

// `evalrun import arena-hard`: upstream Arena-Hard-Auto's judgments
// (--judgments: a model_judgment/<judge>/ folder of <model>.jsonl files, read
// in name order) as one arena_hard run per model, each line a verdict with
// its two games' labels and judgments; and, with --answers (a model_answer/
// folder), each model's answers with their token_len and the baseline's
// token_len per question, for the reports' average #tokens. Every file is
// read and checked before anything is written.
int import_arena_hard(const ImportOptions& options, harness::Store& store);

} // namespace cli
