#pragma once

#include <reports/run_report.hpp>

#include <string>
#include <vector>

namespace reports {

// The Janus paper's tables (arXiv 2405.17977) from the runs of a leaderboard
// (data/suites/janus.yaml), as Markdown: (1) helpfulness, one row per model:
// AlpacaEval 2.0 length-controlled and raw win rates, MT-Bench (1-10) and
// Arena-Hard-Auto v0.1; (2) Multifaceted Bench absolute scores (1-5) per
// source and their average, the mean of the judge runs (sd across runs);
// (3) tie+win rates of each model against each baseline. A model's cell is
// its latest run of that benchmark; "—" where there is none, "n/a" where the
// run has no number (the notes below the table say why). Names and notes are
// escaped by markdown_text.
std::string janus_tables_markdown(const std::vector<RunReport>& reports);

} // namespace reports
