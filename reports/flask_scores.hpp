#pragma once

#include <harness/store.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace reports {

struct Mean
{
  double mean = 0;
  long n = 0;
};

// FLASK's aggregations (aggregate_skill.py, aggregate_difficulty_skill.py,
// aggregate_domain.py) over the verdicts of a flask run: per skill, the mean
// of its numeric scores (N/A left out) over the instances that were graded on
// it; the same per (skill, difficulty); per domain, the mean of all skill
// scores of the instances tagged with that domain (an instance with two
// domains counts in both).
struct FlaskScores
{
  std::map<std::string, Mean> by_skill;
  std::map<std::pair<std::string, std::string>, Mean> by_skill_difficulty;
  std::map<std::string, Mean> by_domain;
};

FlaskScores summarize_flask(const std::vector<harness::VerdictRecord>& verdicts);

} // namespace reports
