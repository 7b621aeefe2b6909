#pragma once

#include <reports/run_report.hpp>

#include <harness/store.hpp>

#include <string>
#include <vector>

namespace reports {

// Markdown: one table row per run, then per-category means. Names and other
// text from data are escaped (markdown_text, markdown_code_span); the
// Arena-Hard table is upstream's lines unescaped in a fence they cannot close
// (markdown_fence).
std::string render_markdown(const std::vector<RunReport>& reports);

// JSON document {"evalrun_version", "results": [...]}; each result has
// bench, model, judge, protocol, turn1, turn2, average, n, errors and the
// protocol's own metrics under the reference implementations' names
// ("alpaca_eval": win_rate, standard_error, n_wins, n_wins_base, n_draws,
// n_total, discrete_win_rate, avg_length; "pairwise"; "flask"; "absolute"),
// with "ci95" intervals.
std::string render_json(const std::vector<RunReport>& reports, const std::string& evalrun_version);

// CSV (RFC 4180): one row per run with its headline metric, interval and
// counts. Text cells go through csv_field (quoted as needed; one starting
// with '=', '+', '-', '@', a tab or a CR gets a leading "'"); numbers as is.
std::string render_csv(const std::vector<RunReport>& reports);

} // namespace reports
