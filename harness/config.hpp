#pragma once

#include <harness/chat_template.hpp>
#include <harness/error.hpp>
#include <harness/launch_spec.hpp>
#include <harness/server_dialect.hpp>
#include <harness/text_file.hpp>
#include <harness/types.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace harness {

// A named OpenAI-compatible endpoint (data/endpoints.yaml). The API key is
// never held here: only the name of the environment variable that has it.
struct EndpointConfig
{
  std::string name;
  std::string base_url; // e.g. http://127.0.0.1:8000/v1
  // Replicas (`base_urls:`, one server per GPU, say): every URL the endpoint
  // is served at, base_url first; empty when it has one URL.
  std::vector<std::string> replica_urls;
  std::string model; // model id sent on the wire
  std::string api_key_env;
  int max_concurrency = 16;
  double timeout_s = 600;
  double connect_timeout_s = 10;
  // When requests cannot connect, the endpoint is paused and probed for up
  // to this long before its requests fail (a server restarting, say).
  double outage_s = 300;
  GenParams params; // defaults; benchmark and judge settings override them
  // `completions` endpoints take a raw prompt rendered with `chat_template`.
  enum class Kind { chat, completions };
  Kind kind = Kind::chat;
  std::optional<ChatTemplate> chat_template;

  // The kind of server (`server:`), which decides the names its sampling
  // parameters are sent by; unset: read from its model list when a run
  // starts (see client/preflight.hpp), OpenAI's when it does not say.
  std::optional<ServerDialect> server;
  // The context length the server says it serves `model` with (its model
  // list's max_model_len, or llama.cpp's n_ctx per slot, else n_ctx_train),
  // when it says.
  std::optional<long> context_length;

  // What the server says it serves under `model`, beyond the name: its
  // model list's root (the weights) and context length, or llama.cpp's
  // model metadata; empty when it says nothing more. Part of every request's
  // identity, so two servers that both call their model `local` never
  // share a cached answer or a run.
  std::string served;

  // Started by evalrun when nothing answers at its URL(s) (`launch:`).
  std::optional<LaunchSpec> launch;

  // Every URL the endpoint is served at: replica_urls, or base_url alone.
  std::vector<std::string> urls() const;

  // What this endpoint is for a request refused as over the context: its URL,
  // model and context length. A refusal is not sent again to the same one.
  std::string identity() const;

  bool demo = false; // served in-process by evalrun itself
  // Never contacted (`offline: true`): its requests wait in the run, are
  // written to a batch file (evalrun batch export) and answered from one
  // (evalrun batch ingest), e.g. by vllm run-batch on a machine of its own.
  bool offline = false;
  // What its tokens cost (`price: {input: 2.5, output: 10}`, per million
  // prompt and completion tokens), for the reports' estimate; unset: unknown.
  struct Price
  {
    double input_per_million = 0;
    double output_per_million = 0;
  };
  std::optional<Price> price;
  std::string defined_in; // "file:line", or "built-in"
};

using EndpointMap = std::map<std::string, EndpointConfig>;

// The built-in "demo" endpoint, always available: evalrun serves it itself on
// a free loopback port (see demo_server.hpp) with deterministic replies.
EndpointConfig demo_endpoint();

// Parses an endpoints YAML file ({endpoints: {NAME: {...}}}). Errors name
// file, line and field; unknown fields are errors.
Result<EndpointMap> parse_endpoints(const TextFile& file);

// How a benchmark's answers are judged by default.
struct JudgeSpec
{
  std::string endpoint;                          // default judge endpoint name
  std::string rubric;                            // rubrics/NAME.yaml; its protocol is the judge's
  std::vector<std::string> reference_categories; // categories judged with references ("*": all)
  GenParams params;                              // overrides the rubric's sampling
  int runs = 1;                 // independent judge runs averaged (absolute; Janus used 3)
  int resamples = 0;            // re-samples of a reply that does not parse
  bool show_system = false;     // show the judge the item's system message (pairwise)
  std::string baseline;         // pairwise: an endpoint name, or "references"
  std::string references_model; // the model that wrote the references (reports name it)
};

// How the generic `records` adapter maps a record's fields to an Item. Each
// field is a list of alternative paths ("instances.0.input"); the first one
// present in a record is used, so one spec can read several key schemas.
struct RecordFields
{
  std::vector<std::string> id; // empty: id_prefix + 0-based record index
  std::string id_prefix;
  std::vector<std::string> prompt; // required
  std::vector<std::string> input;  // optional; appended to the prompt when non-empty
  std::string input_separator = "\n\n";
  std::vector<std::string> reference;
  std::vector<std::string> category;
  std::vector<std::string> system;
  std::map<std::string, std::vector<std::string>> meta; // name -> paths (strings or lists)
};

// A benchmark spec (benchmarks/NAME.yaml): data, not code.
struct BenchSpec
{
  std::string name;
  std::string version;
  std::string adapter;
  std::string description;
  std::map<std::string, std::filesystem::path> files; // resolved against the evalrun home
  GenParams generation;                               // candidate defaults
  std::map<std::string, double> category_temperature; // overrides per item category
  RecordFields records;                               // for the `records` adapter
  JudgeSpec judge;
  std::filesystem::path defined_in;
};

// One line of a leaderboard matrix (data/nightly.yaml): a benchmark run for
// each model, with the same judge and settings.
struct MatrixEntry
{
  std::string bench;
  std::vector<std::string> models;
  std::string judge;  // empty: the benchmark's default
  std::string rubric; // empty: the benchmark's
  std::string baseline;
  std::string system_messages; // empty: item
  std::uint64_t seed = 0;
  std::optional<int> limit;
  std::string bench_file;
  bool show_system = false;      // show the judge each item's system message
  std::optional<int> judge_runs; // absolute grading: independent judge runs averaged
};

struct LeaderboardConfig
{
  std::string db;             // empty: evalrun.db; --db on the command line wins
  std::string alpaca_eval_lc; // folder of AlpacaEval's LC side files; --alpaca-eval-lc wins
  std::string layout;         // "" or "janus": also write the Janus paper's tables
  std::vector<MatrixEntry> matrix;
};

// Parses a leaderboard config ({db, matrix: [{bench, models, judge, ...}]}).
Result<LeaderboardConfig> parse_leaderboard_config(const TextFile& file);

// Parses a benchmark spec; relative `files` are resolved against `home`.
// `base`, when given, is the spec named by this one's `extends:` field: its
// mappings are merged under this file's (this file wins, key by key).
Result<BenchSpec> parse_bench_spec(const TextFile& file, const std::filesystem::path& home,
                                   const TextFile* base = nullptr);

// Reads and parses the spec at `path`, and the spec it extends (a name in the
// same folder), if any.
Result<BenchSpec> load_bench_spec(const std::filesystem::path& path,
                                  const std::filesystem::path& home);

} // namespace harness
