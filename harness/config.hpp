#pragma once

#include <harness/error.hpp>
#include <harness/text_file.hpp>
#include <harness/types.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace harness {

// A named OpenAI-compatible endpoint (data/endpoints.yaml). The API key is
// never held here: only the name of the environment variable that has it.
struct EndpointConfig
{
  std::string name;
  std::string base_url; // e.g. http://127.0.0.1:8000/v1
  std::string model;    // model id sent on the wire
  std::string api_key_env;
  int max_concurrency = 16;
  double timeout_s = 600;
  double connect_timeout_s = 10;
  GenParams params;       // defaults; benchmark and judge settings override them
  bool demo = false;      // served in-process by evalrun itself
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
  std::string protocol;                          // e.g. "single"
  std::string prompts;                           // key into BenchSpec::files with the judge prompts
  std::vector<std::string> reference_categories; // categories judged with references
  GenParams params;                              // judge sampling (fixed by the protocol)
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
  JudgeSpec judge;
  std::filesystem::path defined_in;
};

// Parses a benchmark spec; relative `files` are resolved against `home`.
Result<BenchSpec> parse_bench_spec(const TextFile& file, const std::filesystem::path& home);

} // namespace harness
