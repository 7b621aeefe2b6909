#pragma once

#include <cli/catalog.hpp>
#include <cli/options.hpp>

#include <harness/runner.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
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
  // What --system-messages does to each item (applied to `plan.items`, and
  // to each item read through plan.item_source); empty: nothing.
  std::function<void(harness::Item&)> prepare_item;
  std::optional<harness::Shard> shard; // the slice of the items this run takes (--shard)
};

// What the checks of a run's items found (before anything is sent, or, for
// items read from a file, over the whole file while the run starts).
struct ItemsCheck
{
  long items = 0; // within --limit (and --shard)
  long turns = 0;
  std::optional<std::string> unreadable; // a line that is not a valid record, a duplicate id
  long lacking_references = 0;           // under --baseline references
  std::vector<std::string> lacking_examples;
  std::vector<std::string> unjudgeable; // up to 5 problems
  bool stopped = false;                 // asked to stop before it was done
};

// Adds `item` to `check`.
void check_item(ItemsCheck& check, const harness::Item& item, const ResolvedRun& resolved);

// The problem `check` found, for the user, if any; `consequence` says what
// was done about it (e.g. "nothing was sent").
std::optional<std::string> items_problem(const ItemsCheck& check, const ResolvedRun& resolved,
                                         const std::string& consequence);

// Reads and checks every record a run whose items are read from a file
// (resolved.bench.records_reading) will read (to --limit): what loading them
// whole would have refused. Touches only the file and `resolved` (call it on
// a thread of its own while the run starts); returns early, `stopped`, once
// `*stop` is set.
ItemsCheck check_all_items(const ResolvedRun& resolved, const RunOptions& options,
                           const std::atomic<bool>* stop = nullptr);

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
