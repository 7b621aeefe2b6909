#pragma once

#include <harness/config.hpp>
#include <harness/item_reader.hpp>
#include <harness/judge.hpp>
#include <harness/rubric_spec.hpp>
#include <harness/system_messages/preferences.hpp>
#include <harness/text_file.hpp>
#include <harness/types.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

// Finding and loading benchmarks, endpoints and preference dimensions for the
// commands (it wires the benchmark and judge registries). Errors throw
// harness::Fatal with the file, line and field.
namespace cli {

struct LoadedBench
{
  harness::BenchSpec spec;
  // The data files, by key: their paths, and their contents' SHA-256 (the
  // contents themselves are let go once the items are read).
  harness::FileSet files;
  std::map<std::string, std::string> file_sha256;
  std::vector<harness::Item> items;
  // Set instead of `items` when the records are to be read a line at a time
  // (load_bench's `stream_records`): the file and the adapter's per-record maker.
  std::optional<harness::RecordsReading> records_reading;
  harness::RubricSpec rubric;
  std::unique_ptr<harness::Judge> judge;
};

// The spec files in <home>/benchmarks, sorted by name.
std::vector<std::filesystem::path> bench_spec_paths(const std::filesystem::path& home);

// Loads a benchmark by name (<home>/benchmarks/NAME.yaml) or spec path:
// spec, files, items (ids checked unique) and judge. `bench_file`, when not
// empty, replaces the spec's `records` file (e.g. a Multifaceted Bench file).
// With `stream_records`, a JSON Lines records file of an adapter that makes
// one item per record is only hashed: records_reading says how to read it,
// and its checks are the reader's.
LoadedBench load_bench(const std::filesystem::path& home, const std::string& bench,
                       const std::filesystem::path& bench_file = {}, bool stream_records = false);

// Replaces `bench`'s judge with one made from its (possibly changed)
// spec.judge settings and `rubric` (a name under rubrics/ or a .yaml path;
// empty keeps the spec's).
void remake_judge(LoadedBench& bench, const std::filesystem::path& home,
                  const std::string& rubric = {});

// The endpoints a command may use and the file they come from.
struct Endpoints
{
  harness::EndpointMap map;
  std::filesystem::path file;
};

// The built-in demo endpoint plus those of --endpoints `flag` (which must
// exist), or of <home>/data/endpoints.yaml when `flag` is empty (a missing
// one gives only the demo).
Endpoints load_endpoints(const std::filesystem::path& flag, const std::filesystem::path& home);

// Every endpoint answered by the built-in demo backend instead of its
// server (--demo: try a config without servers or keys). Each keeps its name,
// model id (so models still answer differently) and parameters.
void serve_with_demo(Endpoints& endpoints);

// The endpoint called `name`, to serve as `role` ("candidate", "judge", ...);
// throws Fatal naming the endpoints file and the known names.
const harness::EndpointConfig& pick_endpoint(const Endpoints& endpoints, const std::string& name,
                                             const char* role);

// `path` as given when it exists; else, when relative, the shipped file of that
// name under `home` if there is one (`data/nightly.yaml` from any directory).
std::filesystem::path shipped_file(const std::filesystem::path& path,
                                   const std::filesystem::path& home);

// Reads preference dimensions (data/preferences.yaml); throws Fatal on errors.
std::vector<harness::system_messages::PreferenceDimension>
load_preferences(const std::filesystem::path& path);

} // namespace cli
