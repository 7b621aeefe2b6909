#pragma once

#include <reports/run_report.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace reports {

// One leaderboard column: one item set of a benchmark version judged one way.
// Runs of other benchmark or rubric versions, judges or baselines never share
// a column, nor do runs over other items: another bench file (by content),
// --limit, system messages (mode, pool, seed), --show-system or judge runs.
struct LeaderboardColumn
{
  std::string bench;
  std::string bench_version;
  std::string judge;
  std::string rubric; // name@version
  std::string protocol;
  std::string baseline;
  std::string metric;   // headline name: average, score, tie_win_rate, win_rate
  std::string item_set; // the run's semantics without the candidate's (empty for imports)
  std::string variant;  // what sets the item set apart, for people ("80 items, pool seed 1")
  // The judge's versions that answered this column's runs, as its replies
  // named them (served_versions): more than one, and the column's numbers
  // may not be comparable.
  std::vector<std::string> judge_versions;

  // "the judge answered as 2 versions in this column: a, b; its numbers may
  // not be comparable", or "" for one version (or none named).
  std::string judge_warning() const;

  std::string title() const;
  auto key() const
  {
    return std::tie(bench, bench_version, judge, rubric, protocol, baseline, item_set);
  }
};

// A cell of the matrix that could not run, kept with its reason.
struct NotRun
{
  std::string model;
  std::string bench;
  std::string reason;
  std::string settings; // what the matrix entry set ("limit 5, rubric fastchat-pair"), if anything
};

struct LeaderboardCell
{
  std::optional<double> value;
  std::optional<Interval> ci;
  long n = 0;
  long failures = 0;  // unparseable + failed requests
  long answers = 0;   // the run's answers ...
  long cut_short = 0; // ... and those the server cut short (finish_reason length)
  std::string judge;  // the judge's diagnostics (describe_judge)
  std::string tokens; // tokens per role and their cost (describe_cost)
  std::string status;
  std::string computed_at; // when the run finished
  std::int64_t run_id = 0;
  bool demo = false;
};

struct Leaderboard
{
  std::vector<LeaderboardColumn> columns;
  std::vector<std::string> models;                                 // rows, in first-seen order
  std::map<std::pair<std::string, size_t>, LeaderboardCell> cells; // (model, column) -> cell
  std::vector<const RunReport*> runs;                              // the run behind each cell
  std::vector<NotRun> not_run;                                     // their models are rows too
};

// The latest run of each (model, column) among `reports` (which must outlive
// the result). With `every_run`, an earlier run of a model in a column is
// not dropped but gets a row of its own, "model (run N)".
Leaderboard build_leaderboard(const std::vector<RunReport>& reports, bool every_run = false);

// Records a cell that could not run; its model becomes a row if it is not one.
void add_not_run(Leaderboard& board, NotRun cell);

// Markdown: every name, status and reason escaped by markdown_text.
std::string leaderboard_markdown(const Leaderboard& board);
std::string leaderboard_json(const Leaderboard& board, const std::string& evalrun_version);
// CSV (RFC 4180), one row per cell: text cells through csv_field (quoted as
// needed; one starting with '=', '+', '-', '@', a tab or a CR gets a leading
// "'"), numbers (value, interval, counts, run id) as they are.
std::string leaderboard_csv(const Leaderboard& board);

// One self-contained HTML file (no network): a sortable table, bar charts with
// 95% interval whiskers per column, per-source breakdowns and MT-Bench turn 1
// against turn 2, drawn as inline SVG. Every text from data is HTML-escaped
// (attributes double-quoted); the page's only script is its own.
std::string leaderboard_html(const Leaderboard& board, const std::string& evalrun_version);

} // namespace reports
