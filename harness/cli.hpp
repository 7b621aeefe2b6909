#pragma once

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
  std::filesystem::path db = "evalrun.db";
  std::filesystem::path endpoints; // empty: <home>/data/endpoints.yaml
  std::optional<int> limit;
  std::optional<int> concurrency;
  std::string system_messages = "item"; // none | item | pool:FILE
  std::uint64_t seed = 0;
  std::filesystem::path seen; // system messages used in training
  int seen_ngram = 5;
  double seen_threshold = 0.5;
  bool require_unseen = false;
  bool dry_run = false;
  std::string format = "md";
};

// evalrun home: --home, else $EVALRUN_HOME, else the source tree it was built from.
std::filesystem::path home_dir(const std::string& flag);

// Parses argv and runs the command; returns the exit status. Throws
// harness::Fatal for usage and configuration errors.
int main(int argc, char** argv);

// `evalrun run`: 0 when every unit succeeded, 3 when some requests failed.
int run_command(const RunOptions& options, const std::filesystem::path& home);

} // namespace cli
