#pragma once

#include <reports/run_report.hpp>

#include <string>
#include <vector>

namespace testsupport {

// Two runs of `model` for the Janus tables: MT-Bench (single, average 7.654)
// and Multifaceted Bench against `baseline` (5 wins, 1 tie, 4 losses of 10).
inline std::vector<reports::RunReport>
janus_reports(const std::string& model, const std::string& baseline)
{
  reports::RunReport mt;
  mt.run.id = 1;
  mt.run.model = model;
  mt.run.bench = "mtbench";
  mt.run.protocol = "single";
  mt.scores.average.mean = 7.654;
  reports::RunReport pair;
  pair.run.id = 2;
  pair.run.model = model;
  pair.run.bench = "multifaceted";
  pair.run.protocol = "pairwise";
  pair.run.baseline = baseline;
  pair.pairwise.wins = 5;
  pair.pairwise.ties = 1;
  pair.pairwise.losses = 4;
  pair.pairwise.n = 10;
  pair.pairwise.tie_win_rate = 0.6;
  return {mt, pair};
}

} // namespace testsupport
