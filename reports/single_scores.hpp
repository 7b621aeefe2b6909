#pragma once

#include <harness/store.hpp>

#include <map>
#include <optional>
#include <vector>

namespace reports {

struct MeanScore
{
  std::optional<double> mean; // nullopt when n == 0
  long n = 0;
};

// MT-Bench single-answer scores, as FastChat's show_result.py computes them:
// verdicts that failed to parse or whose requests failed are left out of the
// means, and counted instead.
struct SingleScores
{
  MeanScore turn1;
  MeanScore turn2;
  MeanScore average; // over all valid (item, turn) judgments, not (turn1 + turn2) / 2
  std::map<std::string, MeanScore> by_category;
  long parse_failures = 0; // parse_failed + out_of_range
  long errors = 0;         // candidate_error + judge_error
  long judgments = 0;      // every verdict row
};

// Aggregates the verdict rows of one single-protocol run.
SingleScores summarize_single(const std::vector<harness::VerdictRecord>& verdicts);

} // namespace reports
