#pragma once

#include <reports/arena_hard_scores.hpp>

#include <harness/store.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace reports {

// A whole number in the first element of the item-metadata list `key` (a
// verdict's meta JSON, e.g. {"baseline_token_len": ["953"]}), if any.
std::optional<long> meta_number(const std::string& meta_json, const char* key);

// What a report says about one Arena-Hard run: its row of the table that
// upstream's show_result.py prints for the judgment folder it belongs to.
// That folder is every arena_hard run of the database with the same
// benchmark, judge model and baseline, the latest run per model; so models
// judged by evalrun and published judgments imported with `evalrun import
// arena-hard` are fitted together, as upstream fits all files of a judge's
// folder. Battle rows: models in name order (upstream reads the files in
// glob order), each model's questions in question-id order (upstream: the
// lines' completion order); the point scores do not depend on the order, the
// bootstrap interval does, by a few tenths at most.
struct ArenaHardReport
{
  std::string model;    // this run's row in `table`
  std::string baseline; // the model every game is played against
  std::vector<ArenaHardScore> table;
  std::vector<std::string> fitted_with; // "model (run N)", in battle-row order
  long judged = 0;                      // verdicts with games (turns judged)
  long rated = 0;                       // verdicts with at least one usable game
  long unreadable = 0;                  // verdicts with none
  long failed = 0;                      // verdicts without a judgment (a request failed)
  long games = 0;                       // games judged (2 per judged verdict)
  long games_dropped = 0;               // games without one of the five labels
  long continuations = 0;               // judge calls asking it to finish its verdict
  int rounds = 0;                       // bootstrap rounds
  std::uint32_t seed = 0;
  std::string error; // why there is no table (e.g. the run's model is the baseline)

  // This run's row of `table`, or nullptr.
  const ArenaHardScore* row() const;
};

// The reports of `runs` (arena_hard runs of `store`), by run id. Runs that
// share their judgment folder share one fit.
std::map<std::int64_t, ArenaHardReport>
arena_hard_reports(harness::Store& store, const std::vector<harness::RunRecord>& runs,
                   const ArenaHardOptions& options = {});

} // namespace reports
