#pragma once

#include <cli/options.hpp>

namespace cli {

// `evalrun import arena-hard`: upstream Arena-Hard-Auto's judgments
// (--judgments: a model_judgment/<judge>/ folder of <model>.jsonl files, read
// in name order) as one arena_hard run per model, each line a verdict with
// its two games' labels and judgments; and, with --answers (a model_answer/
// folder), each model's answers with their token_len and the baseline's
// token_len per question, for the reports' average #tokens (the mean over
// each answers file's questions, as upstream). Every file is read and
// checked before the database is opened.
int import_arena_hard(const ImportOptions& options);

} // namespace cli
