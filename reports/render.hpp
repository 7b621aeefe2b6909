#pragma once

#include <reports/single_scores.hpp>

#include <harness/store.hpp>

#include <string>
#include <vector>

namespace reports {

struct RunReport
{
  harness::RunRecord run;
  SingleScores scores;
};

// Builds the report of every run in the store, optionally filtered by
// benchmark, model and judge endpoint name (empty = any).
std::vector<RunReport> collect(harness::Store& store, const std::string& bench = {},
                               const std::string& model = {}, const std::string& judge = {});

// Markdown: one table row per run, then per-category means.
std::string render_markdown(const std::vector<RunReport>& reports);

// JSON document {"evalrun_version", "results": [...]}; each result has
// bench, model, judge, protocol, turn1, turn2, average, n, errors and more.
std::string render_json(const std::vector<RunReport>& reports, const std::string& evalrun_version);

} // namespace reports
