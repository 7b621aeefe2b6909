#include <cli/commands.hpp>
#include <cli/merge_plan.hpp>

#include <harness/error.hpp>
#include <harness/store.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <unistd.h>

#include <map>
#include <system_error>

namespace cli {

using harness::Fatal;

namespace {

// The merged database while it is written, and its WAL files: removed unless
// kept (renamed to its final name).
struct PartialFile
{
  std::filesystem::path path;
  bool kept = false;

  ~PartialFile()
  {
    if (!kept) {
      std::error_code ignored;
      for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        std::filesystem::remove(path.string() + suffix, ignored);
      }
    }
  }
};

std::string
describe_parts(const MergedRun& merged)
{
  if (merged.shard_count == 0) {
    return "not sharded";
  }
  std::string text = fmt::format("{} of {} shards", merged.shards.size(), merged.shard_count);
  if (!merged.missing_shards.empty()) {
    text += fmt::format(", missing {}", fmt::join(merged.missing_shards, ", "));
  }
  return text;
}

} // namespace

int
merge_command(const MergeOptions& options)
{
  const auto folder = options.out.has_parent_path() ? options.out.parent_path() : ".";
  if (!std::filesystem::is_directory(folder)) {
    throw Fatal(fmt::format("merge: {}: no such folder for the new database", folder.string()));
  }
  if (std::filesystem::exists(options.out)) {
    throw Fatal(fmt::format("merge: {} exists; merge writes a new database (remove it, or name "
                            "another)",
                            options.out.string()));
  }
  std::vector<MergeInput> inputs;
  for (const auto& path : options.inputs) {
    if (!std::filesystem::is_regular_file(path)) {
      throw Fatal(fmt::format("merge: {}: no such database", path.string()));
    }
    for (const auto& earlier : inputs) {
      if (std::filesystem::equivalent(earlier.path, path)) {
        throw Fatal(fmt::format("merge: {} is named twice", path.string()));
      }
    }
    harness::Store store(path, harness::Store::Access::read_only);
    inputs.push_back({path, store.runs()});
  }
  const auto plan = plan_merge(inputs);

  PartialFile partial{options.out.string() + fmt::format(".partial-{}", getpid())};
  {
    harness::Store out(partial.path);
    std::vector<std::map<std::int64_t, std::int64_t>> run_ids(inputs.size());
    for (const auto& merged : plan) {
      const auto id = out.begin_run(merged.run);
      out.finish_run(id, merged.run.status);
      for (const auto& [input, there] : merged.parts) {
        run_ids[input][there] = id;
      }
    }
    for (size_t i = 0; i < inputs.size(); ++i) {
      out.merge_from(inputs[i].path, run_ids[i]);
    }
  } // closed: the write-ahead log folded in
  std::filesystem::rename(partial.path, options.out);
  partial.kept = true;
  fmt::print(stderr, "evalrun: merged {} database{} into {}: {} run{}\n", inputs.size(),
             inputs.size() == 1 ? "" : "s", options.out.string(), plan.size(),
             plan.size() == 1 ? "" : "s");
  for (const auto& merged : plan) {
    fmt::print(stderr, "  {} {} judged by {}: {} items, {}, {}\n", merged.run.bench,
               merged.run.model, merged.run.judge, merged.run.items, describe_parts(merged),
               merged.run.status);
  }
  return 0;
}

} // namespace cli
