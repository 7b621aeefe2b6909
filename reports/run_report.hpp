#pragma once

#include <reports/absolute_scores.hpp>
#include <reports/alpaca_eval_lc_report.hpp>
#include <reports/alpaca_eval_metrics.hpp>
#include <reports/arena_hard_report.hpp>
#include <reports/flask_scores.hpp>
#include <reports/judge_agreement.hpp>
#include <reports/judge_diagnostics.hpp>
#include <reports/pairwise_scores.hpp>
#include <reports/run_cost.hpp>
#include <reports/served_by.hpp>
#include <reports/single_scores.hpp>
#include <reports/statistics.hpp>

#include <harness/store.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace reports {

// Everything reported about one run: the aggregations its protocol calls for,
// and 95% bootstrap intervals (seeded, so reproducible) for its headline numbers.
// The unit a metric is reported in, in every format: "percent" (tie_win_rate,
// win_rate, length_controlled_winrate, arena_hard_score: 0-100), "1-10"
// (average: MT-Bench) or "1-5" (score: Prometheus, FLASK). Fractions in JSON
// carry "_fraction" in their key instead.
std::string metric_unit(const std::string& metric);

struct RunReport
{
  harness::RunRecord run;
  SingleScores scores;     // single, absolute and flask: means of verdict scores
  PairwiseScores pairwise; // pairwise, relative and alpaca_eval
  std::map<std::string, PairwiseScores> pairwise_by_source;
  std::optional<AlpacaEvalMetrics> alpaca_eval;
  std::optional<AlpacaEvalLc> length_controlled; // alpaca_eval runs
  std::optional<FlaskScores> flask;
  std::optional<AbsoluteScores> absolute;
  std::optional<ArenaHardReport> arena_hard;
  std::map<std::string, Interval> intervals; // headline name -> 95% interval
  // The candidate's answers judged, and those the server cut short
  // (finish_reason "length"): judged as they are, and counted here.
  harness::Store::AnswerEnds answer_ends;
  JudgeDiagnostics diagnostics; // how far to trust the judge
  // Agreement with each other run of the same answers (benchmark, model,
  // baseline, protocol) by another judge, in the order of those runs.
  struct AgreementWith
  {
    std::int64_t run_id = 0;
    std::string judge_model_id;
    JudgeAgreement agreement;
  };
  std::vector<AgreementWith> agreements;
  RunCost cost; // tokens per role, and their cost at the endpoints' prices
  // Who answered, as the replies said (model, system_fingerprint).
  std::vector<harness::Store::ServedBy> candidate_served, baseline_served, judge_served;

  bool is_pairwise() const;
  // The run's verdicts: rated (they count in the headline), unreadable (no
  // verdict could be read) and failed (a request failed); they add up to the
  // turns judged. Arena-Hard: a verdict is rated when either game has a label.
  struct Counts
  {
    long rated = 0;
    long unreadable = 0;
    long failed = 0;
  };
  Counts counts() const;
  // The number a leaderboard shows for this run, its name and unit
  // ("average" 1-10, "tie_win_rate" %, "win_rate" % (AlpacaEval's raw win
  // rate), "length_controlled_winrate" % (AlpacaEval, when it could be
  // computed), "arena_hard_score" % (win rate against the baseline by
  // Bradley-Terry), "score" 1-5).
  std::optional<double> headline() const;
  std::string headline_name() const;
  // The unit of the headline and of its interval (metric_unit of its name).
  std::string headline_unit() const { return metric_unit(headline_name()); }
};

struct CollectOptions
{
  std::string bench;
  std::string model;
  std::string judge;
  int bootstrap_resamples = 1000;
  std::uint64_t bootstrap_seed = 1;
  // AlpacaEval's side files for the length-controlled win rate; none: the
  // report says how to provide them.
  const AlpacaEvalLcInputs* alpaca_eval_lc = nullptr;
};

// Builds the report of every run in the store that matches the filters (empty
// = any), oldest first.
std::vector<RunReport> collect(harness::Store& store, const CollectOptions& options = {});

} // namespace reports
