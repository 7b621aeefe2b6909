#pragma once

#include <cli/options.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>

namespace harness {
class Store;
}

// The commands of the evalrun executable, one per file (`NAME_command.cpp`).
// Each returns the exit status and throws harness::Fatal for usage and
// configuration errors. `home` holds benchmarks/, rubrics/ and data/.
namespace cli {

// `evalrun run`: 0 when every unit succeeded, 3 when some requests failed.
// `run_id`, when given, receives the id of the run in the store.
int run_command(const RunOptions& options, const std::filesystem::path& home,
                std::int64_t* run_id = nullptr);

// The id of the run `options` describes, when `store` holds it: resolves the
// run as run_command does, sending nothing and writing nothing. Throws Fatal
// when the run cannot be identified without sending (generated system
// messages) or the options are wrong.
std::optional<std::int64_t> find_stored_run(const RunOptions& options,
                                            const std::filesystem::path& home,
                                            harness::Store& store);

// `evalrun run --pairs A,B,C`: FastChat's pairwise-all, model i against
// model j for i < j, each pair a run; the worst status of them.
int run_pairs_command(const RunOptions& options, const std::filesystem::path& home);

// `evalrun leaderboard`: runs the matrix (only work not in the store is sent)
// and writes leaderboard.md, .json, .csv and index.html to --out. 0 when every
// run completed, 3 when some failed (the page still shows what there is).
int leaderboard_command(const LeaderboardOptions& options, const std::filesystem::path& home);

// `evalrun build-bench`: writes a Multifaceted-Bench-schema JSONL file; 0 when
// every instance was generated, 3 when some failed (those are left out).
int build_bench_command(const BuildBenchOptions& options, const std::filesystem::path& home);

// `evalrun score`: grades an answers file against a rubric; prints per-item
// scores and the mean. 0 when every line was scored, 3 otherwise.
int score_command(const ScoreOptions& options, const std::filesystem::path& home);

// `evalrun import`: loads published judgments (AlpacaEval annotations.json,
// FastChat model_judgment/*.jsonl) into the store as runs with verdicts.
// Checks the whole file first: a bad record imports nothing.
int import_command(const ImportOptions& options);

// `evalrun export --format F --out DIR`: the runs a reference tool's files
// can hold (FastChat: single and pairwise; Arena-Hard-Auto; AlpacaEval),
// written in its layout: model_judgment/ and model_answer/, or
// <model>/model_outputs.json and <model>/<annotator>/annotations.json.
// `evalrun import` reads them back. 0, or Fatal (2: nothing to export).
int export_command(const ExportOptions& options);

// `evalrun view`: serves a local web app over the database on 127.0.0.1
// (read-only) until stopped. Fatal (2) when the database is missing or the
// port cannot be had.
int view_command(const ViewOptions& options);

// `evalrun merge OUT IN...`: the databases of a run's shards (and any other
// runs they hold) into one new database, written whole or not at all;
// reports on it equal those of the run done in one process. 0, or Fatal.
int merge_command(const MergeOptions& options);

// `evalrun report`: the reports of the runs in a database, printed or
// written to --out.
int report_command(const ReportOptions& options);

// `evalrun list benchmarks|endpoints`.
int list_command(const ListOptions& options, const std::filesystem::path& home);

} // namespace cli
