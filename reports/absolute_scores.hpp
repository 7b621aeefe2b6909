#pragma once

#include <harness/store.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace reports {

// Janus's Multifaceted Bench score over the verdicts of an absolute run: each
// instance's mean over its rubrics, per judge run ("run N" criteria); each
// run's mean over instances; the score is the mean of the run means, with the
// standard deviation across runs (ddof = 1; none for a single run). Also per
// source benchmark.
struct AbsoluteScores
{
  std::optional<double> score;
  std::optional<double> sd_across_runs;
  std::vector<double> run_means;
  long instances = 0;
  std::map<std::string, double> by_source; // mean of run means, per source
  // Per instance judged in several runs: the standard deviation of its
  // scores across the runs (ddof = 1), averaged over those instances, and
  // how many of them got different scores in different runs.
  long instances_in_several_runs = 0;
  long instances_varying = 0;
  std::optional<double> mean_instance_sd;
};

AbsoluteScores summarize_absolute(const std::vector<harness::VerdictRecord>& verdicts);

} // namespace reports
