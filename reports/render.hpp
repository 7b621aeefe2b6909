#pragma once

#include <reports/pairwise_scores.hpp>
#include <reports/single_scores.hpp>

#include <harness/store.hpp>

#include <string>
#include <vector>

namespace reports {

struct RunReport
{
  harness::RunRecord run;
  SingleScores scores;     // single and absolute protocols
  PairwiseScores pairwise; // pairwise and alpaca_eval protocols
  bool is_pairwise() const
  {
    return run.protocol == "pairwise" || run.protocol == "alpaca_eval" ||
           run.protocol == "relative";
  }
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
