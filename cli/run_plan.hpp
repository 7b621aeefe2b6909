#pragma once

#include <cli/catalog.hpp>
#include <cli/options.hpp>

#include <harness/runner.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <vector>

namespace cli {

// A run resolved from its options before anything is sent or written: the
// benchmark (which owns the judge the plan points to), the plan (items cut to
// --limit with their system messages, endpoints, sampling, judge, baseline)
// and the provenance stored with the run.
struct ResolvedRun
{
  LoadedBench bench;
  harness::RunPlan plan;
  // --system-messages generate:ENDPOINT: the generator. Its messages are
  // written, and the unseen check made, only when the run starts.
  std::optional<harness::EndpointConfig> generator;
  nlohmann::json system_messages; // mode, pool and its hash, unseen check
};

// Resolves `options` against the specs, rubrics and endpoints under `home`:
// reads files, sends nothing, writes nothing. Throws harness::Fatal naming
// the file, field or option at fault.
ResolvedRun resolve_run(const RunOptions& options, const std::filesystem::path& home);

// The --seen check over the items' system messages: prints a summary on
// stderr and returns it for the run's provenance (null without --seen).
// Throws Fatal under --require-unseen when any message matches.
nlohmann::json check_seen(const std::vector<harness::Item>& items, const RunOptions& options);

// The run's identity (its key hashes the semantics: benchmark, files, items,
// models, sampling, judge, baseline, system messages) and its provenance.
// Call once the items' system messages are final.
harness::RunRecord make_run_record(const ResolvedRun& resolved, const RunOptions& options);

// The plan (items, turns, endpoints, categories, system messages), on stdout.
void print_plan(const ResolvedRun& resolved);

} // namespace cli
