#pragma once

#include <harness/preferences.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

// The command line; compiled into the evalrun executable only, the one
// place that wires harness, benchmarks, judges and reports together.
namespace cli {

struct RunOptions
{
  std::string bench;
  std::string model;
  std::string judge;                // empty: from the spec (demo when the model is demo)
  std::filesystem::path bench_file; // replaces the spec's records file
  std::string rubric;               // replaces the spec's judge rubric
  std::string baseline;             // pairwise: endpoint name or "references"
  std::optional<int> judge_runs;
  bool show_system = false;
  std::string pairs;  // pairwise: every unordered pair of these endpoints (comma-separated)
  bool quiet = false; // no progress line and no report on stdout (the leaderboard runs many)
  std::filesystem::path db = "evalrun.db";
  std::filesystem::path endpoints; // empty: <home>/data/endpoints.yaml
  std::optional<int> limit;
  std::optional<int> concurrency;
  std::string system_messages = "item"; // none | item | pool:FILE | generate:ENDPOINT
  std::uint64_t seed = 0;
  std::filesystem::path seen; // system messages used in training
  int seen_ngram = 5;
  double seen_threshold = 0.5;
  bool require_unseen = false;
  bool dry_run = false;
  std::string format = "md";
};

struct BuildBenchOptions
{
  std::string from = "alpacaeval,flask,koala,mtbench,selfinstruct";
  std::string generator;
  int per_source = 0;
  std::uint64_t seed = 0;
  std::filesystem::path out;
  std::filesystem::path db = "evalrun.db";
  std::filesystem::path endpoints;
  std::filesystem::path preferences; // empty: <home>/data/preferences.yaml
  std::optional<int> concurrency;
  int max_attempts = 3;
};

struct ScoreOptions
{
  std::string rubric;
  std::filesystem::path input;
  std::string judge;
  std::filesystem::path db = "evalrun.db";
  std::filesystem::path endpoints;
  std::optional<int> concurrency;
};

struct ImportOptions
{
  std::string format; // alpaca-eval | fastchat
  std::filesystem::path file;
  std::filesystem::path db = "evalrun.db";
};

// "a,b,,c" -> {"a", "b", "c"}: the comma-separated lists of the command line.
std::vector<std::string> split_commas(const std::string& text);

// evalrun home: --home, else $EVALRUN_HOME, else the source tree it was built from.
std::filesystem::path home_dir(const std::string& flag);

// Parses argv and runs the command; returns the exit status. Throws
// harness::Fatal for usage and configuration errors.
int main(int argc, char** argv);

// `evalrun run`: 0 when every unit succeeded, 3 when some requests failed.
// `run_id`, when given, receives the id of the run in the store.
int run_command(const RunOptions& options, const std::filesystem::path& home,
                std::int64_t* run_id = nullptr);

struct LeaderboardOptions
{
  std::filesystem::path config;
  std::filesystem::path out = "out";
  std::filesystem::path db = "evalrun.db";
  std::filesystem::path endpoints;
};

// `evalrun leaderboard`: runs the matrix (only work not in the store is sent)
// and writes leaderboard.md, .json, .csv and index.html to --out. 0 when every
// run completed, 3 when some failed (the page still shows what there is).
int leaderboard_command(const LeaderboardOptions& options, const std::filesystem::path& home);

// Reads preference dimensions (data/preferences.yaml); throws Fatal on errors.
std::vector<harness::PreferenceDimension> load_preferences(const std::filesystem::path& path);

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

} // namespace cli
