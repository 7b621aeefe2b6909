#include <reports/run_report.hpp>

#include <map>
#include <set>

namespace reports {

namespace {

// Scores of the verdicts that have one, in order.
std::vector<double>
scores_of(const std::vector<harness::VerdictRecord>& verdicts)
{
  std::vector<double> out;
  for (const auto& v : verdicts) {
    if (v.status == "ok" && v.score) {
      out.push_back(*v.score);
    }
  }
  return out;
}

std::optional<double>
resampled_mean(const std::vector<double>& values, const std::vector<size_t>& indices)
{
  double sum = 0;
  for (size_t i : indices) {
    sum += values[i];
  }
  return indices.empty() ? std::nullopt : std::optional(sum / static_cast<double>(indices.size()));
}

void
add_interval(RunReport& r, const std::string& name, const std::vector<double>& values,
             const CollectOptions& o)
{
  auto interval = bootstrap_interval(
      values.size(), [&](const std::vector<size_t>& idx) { return resampled_mean(values, idx); },
      o.bootstrap_resamples, o.bootstrap_seed);
  if (interval) {
    r.intervals[name] = *interval;
  }
}

} // namespace

std::string
metric_unit(const std::string& metric)
{
  if (metric == "tie_win_rate" || metric == "win_rate" || metric == "length_controlled_winrate" ||
      metric == "arena_hard_score") {
    return "percent";
  }
  return metric == "average" ? "1-10" : "1-5";
}

bool
RunReport::is_pairwise() const
{
  return run.protocol == "pairwise" || run.protocol == "alpaca_eval" || run.protocol == "relative";
}

RunReport::Counts
RunReport::counts() const
{
  if (arena_hard) {
    return {arena_hard->rated, arena_hard->unreadable, arena_hard->failed};
  }
  if (is_pairwise()) {
    return {pairwise.n, pairwise.parse_failures, pairwise.errors};
  }
  return {scores.average.n, scores.parse_failures, scores.errors};
}

std::string
RunReport::headline_name() const
{
  if (run.protocol == "alpaca_eval") {
    return length_controlled && length_controlled->result ? "length_controlled_winrate"
                                                          : "win_rate";
  }
  if (run.protocol == "arena_hard") {
    return "arena_hard_score";
  }
  if (is_pairwise()) {
    return "tie_win_rate";
  }
  if (run.protocol == "absolute" || run.protocol == "flask") {
    return "score"; // 1-5 scales (Prometheus, FLASK)
  }
  return "average"; // MT-Bench's 1-10
}

std::optional<double>
RunReport::headline() const
{
  if (run.protocol == "alpaca_eval") {
    if (length_controlled && length_controlled->result) {
      return length_controlled->result->length_controlled_winrate;
    }
    return alpaca_eval && alpaca_eval->n_total ? std::optional(alpaca_eval->win_rate)
                                               : std::nullopt;
  }
  if (run.protocol == "arena_hard") {
    const auto* row = arena_hard ? arena_hard->row() : nullptr;
    return row ? std::optional(row->score) : std::nullopt;
  }
  if (is_pairwise()) {
    return pairwise.tie_win_rate ? std::optional(*pairwise.tie_win_rate * 100) : std::nullopt;
  }
  if (run.protocol == "absolute" && absolute) {
    return absolute->score;
  }
  return scores.average.mean;
}

std::vector<RunReport>
collect(harness::Store& store, const CollectOptions& o)
{
  std::vector<RunReport> out;
  std::vector<harness::RunRecord> arena_runs;
  std::vector<harness::RunRecord> runs;
  for (auto& run : store.runs()) {
    if ((o.bench.empty() || run.bench == o.bench) && (o.model.empty() || run.model == o.model) &&
        (o.judge.empty() || run.judge == o.judge)) {
      runs.push_back(std::move(run));
    }
  }
  // Runs of the same answers by two judges: each one's outcomes are kept
  // (only theirs) to compare them.
  auto same_answers = [](const harness::RunRecord& a, const harness::RunRecord& b) {
    return a.id != b.id && a.bench == b.bench && a.model == b.model && a.baseline == b.baseline &&
           a.protocol == b.protocol && a.judge_model_id != b.judge_model_id;
  };
  std::set<std::int64_t> compared;
  for (const auto& run : runs) {
    for (const auto& other : runs) {
      if (same_answers(run, other)) {
        compared.insert(run.id);
      }
    }
  }
  std::map<std::int64_t, Outcomes> outcomes;
  for (auto& run : runs) {
    RunReport r;
    auto verdicts = store.verdicts(run.id, harness::Store::VerdictColumns::for_reports);
    if (compared.count(run.id)) {
      outcomes[run.id] = judged_outcomes(run.protocol, verdicts);
    }
    r.answer_ends = store.answer_ends(run.id);
    r.cost = run_cost(run, store.tokens(run.id));
    r.candidate_served = store.served_by(run.id, harness::Store::Role::candidate);
    r.baseline_served = store.served_by(run.id, harness::Store::Role::baseline);
    r.judge_served = store.served_by(run.id, harness::Store::Role::judge);
    r.run = std::move(run);
    r.diagnostics = diagnose_judge(r.run.protocol, verdicts);
    const auto calls = store.judge_call_counts(r.run.id);
    r.diagnostics.judge_calls = calls.calls;
    r.diagnostics.resampled_calls = calls.resampled;
    r.diagnostics.resampled_verdicts = calls.resampled_turns;
    r.scores = summarize_single(verdicts);
    r.pairwise = summarize_pairwise(verdicts);
    if (r.is_pairwise()) {
      std::map<std::string, std::vector<harness::VerdictRecord>> by_source;
      for (const auto& v : verdicts) {
        by_source[v.source].push_back(v);
      }
      for (const auto& [source, rows] : by_source) {
        r.pairwise_by_source[source] = summarize_pairwise(rows);
      }
      // tie+win and win rate as means of 0/1 outcomes over the rated verdicts.
      std::vector<double> tie_win;
      std::vector<double> win;
      for (const auto& v : verdicts) {
        if (v.status == "ok") {
          tie_win.push_back(v.winner == "baseline" ? 0 : 100);
          win.push_back(v.winner == "model" ? 100 : 0);
        }
      }
      add_interval(r, "tie_win_rate", tie_win, o);
      add_interval(r, "win_rate", win, o);
    }
    if (r.run.protocol == "alpaca_eval") {
      std::vector<std::optional<double>> preferences;
      std::vector<std::string> outputs;
      std::vector<double> p;
      for (const auto& v : verdicts) {
        preferences.push_back(v.status == "ok" ? v.score : std::nullopt);
        if (v.status == "ok" && v.score) {
          p.push_back(100 * (*v.score - 1));
        }
        if (auto text = store.response_text(v.candidate_hash)) {
          outputs.push_back(*text);
        }
      }
      r.alpaca_eval = alpaca_eval_metrics(preferences, outputs);
      r.length_controlled = alpaca_eval_lc(store, r.run, verdicts, o.alpaca_eval_lc);
      r.alpaca_eval->length_controlled_note = r.length_controlled->note;
      add_interval(r, "win_rate", p, o);
    } else if (!r.is_pairwise() && r.run.protocol != "arena_hard") {
      add_interval(r, r.headline_name(), scores_of(verdicts), o);
    }
    if (r.run.protocol == "flask") {
      r.flask = summarize_flask(verdicts);
    }
    if (r.run.protocol == "absolute") {
      r.absolute = summarize_absolute(verdicts);
    }
    if (r.run.protocol == "arena_hard") {
      arena_runs.push_back(r.run);
    }
    out.push_back(std::move(r));
  }
  for (auto& r : out) {
    for (const auto& other : out) {
      if (same_answers(r.run, other.run)) {
        r.agreements.push_back({other.run.id, other.run.judge_model_id,
                                judge_agreement(outcomes[r.run.id], outcomes[other.run.id])});
      }
    }
  }
  auto arena = arena_hard_reports(store, arena_runs);
  for (auto& r : out) {
    if (auto it = arena.find(r.run.id); it != arena.end()) {
      r.arena_hard = std::move(it->second);
      if (const auto* row = r.arena_hard->row()) {
        r.intervals["arena_hard_score"] =
            Interval{row->lower, row->upper, r.arena_hard->rounds, r.arena_hard->seed};
      }
    }
  }
  return out;
}

} // namespace reports
