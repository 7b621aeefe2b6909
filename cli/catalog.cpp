#include <benchmarks/registry.hpp>
#include <cli/catalog.hpp>
#include <judges/registry.hpp>

#include <harness/error.hpp>
#include <harness/file_digest.hpp>
#include <harness/request_hash.hpp>
#include <harness/text_file.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace cli {

using harness::Fatal;

std::vector<std::filesystem::path>
bench_spec_paths(const std::filesystem::path& home)
{
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(home / "benchmarks")) {
    if (entry.path().extension() == ".yaml") {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

LoadedBench
load_bench(const std::filesystem::path& home, const std::string& bench,
           const std::filesystem::path& bench_file, bool stream_records)
{
  std::filesystem::path path = bench.ends_with(".yaml") ? std::filesystem::path(bench)
                                                        : home / "benchmarks" / (bench + ".yaml");
  if (!std::filesystem::exists(path)) {
    std::vector<std::string> known;
    for (const auto& p : bench_spec_paths(home)) {
      known.push_back(p.stem().string());
    }
    throw Fatal(fmt::format("unknown benchmark '{}' (no {}); known: {}", bench, path.string(),
                            fmt::join(known, ", ")));
  }
  auto spec = harness::load_bench_spec(path, home);
  if (!spec) {
    throw Fatal(spec.error().message);
  }
  LoadedBench out;
  out.spec = std::move(*spec);
  if (!bench_file.empty()) {
    out.spec.files["records"] = bench_file;
  }
  if (out.spec.adapter == "multifaceted" && !out.spec.files.count("records")) {
    throw Fatal(fmt::format("benchmark '{}' reads a user-supplied file: pass --bench-file FILE "
                            "(JSON or JSON Lines in the Multifaceted Bench schema)",
                            out.spec.name));
  }
  const auto records = out.spec.files.find("records");
  const harness::RecordMaker maker = benchmarks::find_record_maker(out.spec.adapter);
  // Only a regular file: a pipe can be read once, and hashing it would consume it.
  if (stream_records && maker && records != out.spec.files.end() &&
      std::filesystem::is_regular_file(records->second) &&
      harness::is_json_lines(records->second)) {
    // Read a line at a time by the run: here only hashed, for the run key.
    for (const auto& [key, file_path] : out.spec.files) {
      auto sha = harness::file_sha256_hex(file_path);
      if (!sha) {
        throw Fatal(fmt::format("{}: files.{}: {}", out.spec.defined_in.string(), key,
                                sha.error().message));
      }
      out.files[key] = harness::TextFile{file_path, {}};
      out.file_sha256[key] = *sha;
    }
    harness::RecordsReading reading;
    reading.path = records->second;
    reading.make = [spec = out.spec, maker](const nlohmann::json& record, size_t index) {
      return maker(spec, record, index);
    };
    out.records_reading = std::move(reading);
    remake_judge(out, home);
    return out;
  }
  for (const auto& [key, file_path] : out.spec.files) {
    auto file = harness::read_text_file(file_path);
    if (!file) {
      throw Fatal(
          fmt::format("{}: files.{}: {}", out.spec.defined_in.string(), key, file.error().message));
    }
    out.files[key] = std::move(*file);
  }
  auto loader = benchmarks::find_loader(out.spec.adapter);
  if (!loader) {
    throw Fatal(fmt::format("{}: field 'adapter': unknown adapter '{}' (known: {})",
                            out.spec.defined_in.string(), out.spec.adapter,
                            fmt::join(benchmarks::adapters(), ", ")));
  }
  auto items = loader(out.spec, out.files);
  if (!items) {
    throw Fatal(items.error().message);
  }
  std::set<std::string> ids;
  for (const auto& item : *items) {
    if (!ids.insert(item.id).second) {
      throw Fatal(fmt::format("{}: duplicate item id '{}'", out.spec.defined_in.string(), item.id));
    }
  }
  out.items = std::move(*items);
  for (auto& [key, file] : out.files) {
    out.file_sha256[key] = harness::sha256_hex(file.content);
    std::string().swap(file.content);
  }
  remake_judge(out, home);
  return out;
}

void
remake_judge(LoadedBench& bench, const std::filesystem::path& home, const std::string& rubric)
{
  const std::string& name = rubric.empty() ? bench.spec.judge.rubric : rubric;
  if (name.empty()) {
    throw Fatal(
        fmt::format("{}: field 'judge.rubric' is required", bench.spec.defined_in.string()));
  }
  auto loaded = harness::load_rubric(home, name);
  if (!loaded) {
    if (rubric.empty()) {
      throw Fatal(fmt::format("{}: judge.rubric: {}", bench.spec.defined_in.string(),
                              loaded.error().message));
    }
    std::vector<std::string> known;
    for (const auto& entry : std::filesystem::directory_iterator(home / "rubrics")) {
      if (entry.path().extension() == ".yaml") {
        known.push_back(entry.path().stem().string());
      }
    }
    std::sort(known.begin(), known.end());
    throw Fatal(fmt::format("--rubric: {} (shipped rubrics: {})", loaded.error().message,
                            fmt::join(known, ", ")));
  }
  bench.rubric = std::move(*loaded);
  auto judge = judges::make_judge(bench.rubric, bench.spec.judge);
  if (!judge) {
    throw Fatal(judge.error().message);
  }
  bench.judge = std::move(*judge);
}

Endpoints
load_endpoints(const std::filesystem::path& flag, const std::filesystem::path& home)
{
  Endpoints out;
  out.file = flag.empty() ? home / "data" / "endpoints.yaml" : flag;
  out.map["demo"] = harness::demo_endpoint();
  if (flag.empty() && !std::filesystem::exists(out.file)) {
    return out;
  }
  auto file = harness::read_text_file(out.file);
  if (!file) {
    throw Fatal(file.error().message);
  }
  auto parsed = harness::parse_endpoints(*file);
  if (!parsed) {
    throw Fatal(parsed.error().message);
  }
  for (auto& [name, endpoint] : *parsed) {
    out.map[name] = std::move(endpoint);
  }
  return out;
}

void
serve_with_demo(Endpoints& endpoints)
{
  const auto demo = harness::demo_endpoint();
  for (auto& [name, e] : endpoints.map) {
    e.base_url = demo.base_url;
    e.replica_urls.clear();
    e.launch.reset(); // nothing of the endpoint's own is started
    e.server = demo.server;
    e.api_key_env.clear();
    e.offline = false; // answered by the demo, not by files
    e.demo = true;
  }
}

const harness::EndpointConfig&
pick_endpoint(const Endpoints& endpoints, const std::string& name, const char* role)
{
  auto it = endpoints.map.find(name);
  if (it == endpoints.map.end()) {
    std::vector<std::string> known;
    for (const auto& kv : endpoints.map) {
      known.push_back(kv.first);
    }
    throw Fatal(fmt::format("unknown {} endpoint '{}' (endpoints file {}); known: {}", role, name,
                            endpoints.file.string(), fmt::join(known, ", ")));
  }
  return it->second;
}

std::filesystem::path
shipped_file(const std::filesystem::path& path, const std::filesystem::path& home)
{
  std::error_code ec;
  if (path.is_relative() && !std::filesystem::exists(path, ec) &&
      std::filesystem::exists(home / path, ec)) {
    return home / path;
  }
  return path;
}

std::vector<harness::system_messages::PreferenceDimension>
load_preferences(const std::filesystem::path& path)
{
  auto file = harness::read_text_file(path);
  if (!file) {
    throw Fatal(file.error().message);
  }
  auto dims = harness::system_messages::parse_preferences(*file);
  if (!dims) {
    throw Fatal(dims.error().message);
  }
  return std::move(*dims);
}

} // namespace cli
