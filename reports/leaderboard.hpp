#pragma once

#include <reports/run_report.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace reports {

// One leaderboard column: a benchmark version judged one way. Runs of other
// benchmark or rubric versions, judges or baselines never share a column.
struct LeaderboardColumn
{
  std::string bench;
  std::string bench_version;
  std::string judge;
  std::string rubric; // name@version
  std::string protocol;
  std::string baseline;
  std::string metric; // headline name: average, score, tie_win_rate, win_rate

  std::string title() const;
  auto key() const { return std::tie(bench, bench_version, judge, rubric, protocol, baseline); }
};

struct LeaderboardCell
{
  std::optional<double> value;
  std::optional<Interval> ci;
  long n = 0;
  long failures = 0; // unparseable + failed requests
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
};

// The latest run of each (model, column) among `reports` (which must outlive
// the result).
Leaderboard build_leaderboard(const std::vector<RunReport>& reports);

std::string leaderboard_markdown(const Leaderboard& board);
std::string leaderboard_json(const Leaderboard& board, const std::string& evalrun_version);
std::string leaderboard_csv(const Leaderboard& board);

// One self-contained HTML file (no network): a sortable table, bar charts with
// 95% interval whiskers per column, per-source breakdowns and MT-Bench turn 1
// against turn 2, drawn as inline SVG.
std::string leaderboard_html(const Leaderboard& board, const std::string& evalrun_version);

} // namespace reports
