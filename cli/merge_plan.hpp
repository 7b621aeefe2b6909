#pragma once

#include <harness/store.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

// How `evalrun merge` combines the runs of several databases (the shards of
// a run, each run into its own database by `evalrun run --shard i/n`): pure,
// reading and writing nothing.
namespace cli {

struct MergeInput
{
  std::filesystem::path path;
  std::vector<harness::RunRecord> runs;
};

// One run of the merged database.
struct MergedRun
{
  // The run as one process would have recorded it: the key and config
  // without the shard, the items of every part, complete only when every
  // part is there and complete (id, times: left to the store).
  harness::RunRecord run;
  // Its parts: (index into the inputs, the run's id there).
  std::vector<std::pair<size_t, std::int64_t>> parts;
  int shard_count = 0;     // 0: a run that was not sharded
  std::vector<int> shards; // the slices it holds
  std::vector<int> missing_shards;
};

// The merged runs, in the order the inputs first name them. Throws Fatal
// (exit 2), naming the files, for parts that cannot be one run: the same
// shard twice (a merge of some shards records which it holds, so that a later
// merge can add the others), shards of different counts, a run not sharded found in two
// databases (they overlap), or databases whose shards are of different
// configurations (the fields that differ are named).
std::vector<MergedRun> plan_merge(const std::vector<MergeInput>& inputs);

} // namespace cli
