#pragma once

#include <harness/shard.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

// What each command was asked to do: filled by the command-line parser
// (cli.cpp) or by the leaderboard for each cell, read by the commands.
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
  std::optional<harness::Shard> shard; // only the items of this slice (after --limit)
  std::optional<int> concurrency;
  std::string system_messages = "item"; // none | item | pool:FILE | generate:ENDPOINT
  std::uint64_t seed = 0;
  std::filesystem::path seen; // system messages used in training
  int seen_ngram = 5;
  double seen_threshold = 0.5;
  bool require_unseen = false;
  bool dry_run = false;
  bool demo = false;        // every endpoint answered by the built-in demo backend
  bool batch = false;       // the judge's requests answered by batch jobs (OpenAI's Batch API)
  double batch_poll_s = 30; // how often a batch job is asked how far it is
  // evalrun batch export: where the requests waiting for offline endpoints are written.
  std::filesystem::path export_requests;
  // evalrun batch ingest: a batch output file whose replies answer the run's offline requests.
  std::filesystem::path ingest_replies;
  std::string format = "md";
  std::filesystem::path alpaca_eval_lc;   // AlpacaEval's LC side files (df_gamed.csv, ...)
  std::optional<double> alpaca_eval_lc_c; // fit LC with this C instead of cross-validating
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
  bool dry_run = false; // count the generator's requests; send and write nothing
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

struct MergeOptions
{
  std::filesystem::path out;                 // the new database
  std::vector<std::filesystem::path> inputs; // the shards' databases
};

struct ImportOptions
{
  std::string format;                  // alpaca-eval | fastchat | arena-hard
  std::filesystem::path file;          // arena-hard: the judgments folder
  std::filesystem::path answers;       // arena-hard: the model_answer folder (optional)
  std::string baseline = "gpt-4-0314"; // arena-hard: the model every game is played against
  std::filesystem::path db = "evalrun.db";
};

struct ExportOptions
{
  std::string format; // fastchat | alpaca-eval | arena-hard
  std::filesystem::path out;
  std::filesystem::path db = "evalrun.db";
  std::string bench; // filters; empty: all
  std::string model;
  std::string judge;
};

struct ViewOptions
{
  std::filesystem::path db = "evalrun.db";
  int port = 8765; // 0: any free port
};

struct LeaderboardOptions
{
  std::filesystem::path config;
  std::filesystem::path out = "out";
  std::filesystem::path db; // empty: the config's `db` (.demo.db with --demo), else evalrun.db
  std::filesystem::path endpoints;
  std::filesystem::path alpaca_eval_lc; // empty: the config's `alpaca_eval_lc`
  std::optional<double> alpaca_eval_lc_c;
  bool demo = false; // every endpoint answered by the demo backend
  // Only what the database holds: nothing is sent, the database is opened
  // read-only, and a cell with no stored run is shown as not run.
  bool no_run = false;
};

struct ReportOptions
{
  std::filesystem::path db = "evalrun.db";
  std::string format = "md"; // md | json | csv | html
  std::string bench;         // filters; empty: all
  std::string model;
  std::string judge;
  std::filesystem::path out;            // empty: stdout
  std::filesystem::path alpaca_eval_lc; // AlpacaEval's LC side files (df_gamed.csv, ...)
  std::optional<double> alpaca_eval_lc_c;
};

struct ListOptions
{
  std::string what; // benchmarks | endpoints
  std::filesystem::path endpoints;
};

} // namespace cli
