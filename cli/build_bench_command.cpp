#include <cli/catalog.hpp>
#include <cli/comma_list.hpp>
#include <cli/commands.hpp>

#include <harness/client/client_pool.hpp>
#include <harness/client/preflight.hpp>
#include <harness/demo/transport.hpp>
#include <harness/process_owner.hpp>
#include <harness/request_hash.hpp>
#include <harness/store.hpp>
#include <harness/system_messages/instance_generator.hpp>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace cli {

using harness::Fatal;
using nlohmann::json;

namespace {

// The `source` value written for an item of a benchmark: FLASK items keep
// their FLASK task name, as in the published Multifaceted Bench; the others
// use the benchmark's usual name (all are in data/multifaceted_bench/source_map.json).
std::string
output_source(const std::string& bench, const harness::Item& item)
{
  static const std::map<std::string, std::string> k_names = {{"alpacaeval", "alpaca_eval"},
                                                             {"koala", "koala"},
                                                             {"mtbench", "mt_bench"},
                                                             {"selfinstruct", "self_instruct"}};
  if (bench.rfind("flask", 0) == 0 && !item.category.empty()) {
    return item.category;
  }
  auto it = k_names.find(bench);
  return it != k_names.end() ? it->second : bench;
}

// The first `n` items when ordered by hash of (seed, benchmark, item id):
// a sample that does not depend on file order.
std::vector<const harness::Item*>
sample(const std::vector<harness::Item>& items, const std::string& bench, std::uint64_t seed,
       size_t n)
{
  std::vector<std::pair<std::uint64_t, const harness::Item*>> keyed;
  for (const auto& item : items) {
    keyed.emplace_back(harness::stable_hash64(fmt::format("{}:{}:{}", seed, bench, item.id)),
                       &item);
  }
  std::sort(keyed.begin(), keyed.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const harness::Item*> out;
  for (size_t i = 0; i < keyed.size() && i < n; ++i) {
    out.push_back(keyed[i].second);
  }
  return out;
}

// `--dry-run`: the generation played against a copy of the store in memory,
// the demo backend answering in-process, to count what would be sent.
int
dry_run(const std::vector<harness::system_messages::GenerationTask>& tasks,
        const harness::EndpointConfig& generator, const BuildBenchOptions& options)
{
  std::map<std::string, int> per_source;
  for (const auto& task : tasks) {
    ++per_source[task.id.substr(0, task.id.find(':'))];
  }
  std::vector<std::string> parts;
  for (const auto& [bench, n] : per_source) {
    parts.push_back(fmt::format("{} {}", bench, n));
  }
  fmt::print("plan: {} instances ({}), seed {}\n", tasks.size(), fmt::join(parts, ", "),
             options.seed);
  harness::Store copy(":memory:");
  if (std::filesystem::exists(options.db)) {
    copy.copy_from(options.db);
  }
  harness::demo::InProcessTransport transport;
  boost::asio::io_context io;
  harness::client::ClientPool pool(io, transport);
  pool.add_endpoint(generator, std::nullopt);
  harness::client::CachedClient client(io, pool, copy, harness::process_owner());
  harness::system_messages::generate_all(
      io, client, tasks, harness::system_messages::GenerationTarget::instance, generator, 1);
  fmt::print("requests (invalid replies asked again come on top):\n");
  fmt::print("  {:<10} {} ({}): {} to send, {} cached\n", "generator:", generator.name,
             generator.model, client.requests_sent(), client.cache_hits());
  fmt::print("dry run: nothing was sent and nothing was written.\n");
  return 0;
}

} // namespace

int
build_bench_command(const BuildBenchOptions& options, const std::filesystem::path& home)
{
  auto dims = load_preferences(options.preferences.empty() ? home / "data" / "preferences.yaml"
                                                           : options.preferences);
  std::vector<harness::system_messages::GenerationTask> tasks;
  for (const auto& bench_name : split_commas(options.from)) {
    auto bench = load_bench(home, bench_name);
    auto picked =
        sample(bench.items, bench.spec.name, options.seed, static_cast<size_t>(options.per_source));
    if (picked.size() < static_cast<size_t>(options.per_source)) {
      fmt::print(stderr, "evalrun: {} has only {} items; taking all of them\n", bench.spec.name,
                 picked.size());
    }
    for (const auto* item : picked) {
      harness::system_messages::GenerationTask task;
      task.id = bench.spec.name + ":" + item->id;
      task.source = output_source(bench.spec.name, *item);
      task.prompt = item->turns.front();
      task.profile = harness::system_messages::sample_profile(dims, options.seed, task.id);
      tasks.push_back(std::move(task));
    }
  }
  if (tasks.empty()) {
    throw Fatal("--from names no benchmark with items");
  }

  auto endpoints = load_endpoints(options.endpoints, home);
  harness::EndpointConfig generator = pick_endpoint(endpoints, options.generator, "generator");
  if (options.concurrency) {
    generator.max_concurrency = *options.concurrency;
  }
  if (options.dry_run) {
    return dry_run(tasks, generator, options);
  }
  boost::asio::io_context io; // outlives the transport
  harness::client::CurlTransport transport(io);
  auto ready = harness::client::ready_endpoints({&generator}, transport, options.out.string());

  harness::Store store(options.db);
  harness::client::ClientPool pool(io, transport);
  pool.add_endpoint(generator, ready.api_keys[generator.name]);
  harness::client::CachedClient client(io, pool, store, harness::process_owner());
  auto result = harness::system_messages::generate_all(
      io, client, tasks, harness::system_messages::GenerationTarget::instance, generator,
      options.max_attempts);

  std::string out;
  size_t written = 0;
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (!result.instances[i]) {
      continue;
    }
    const auto& task = tasks[i];
    const auto& inst = *result.instances[i];
    json rubrics = json::array();
    for (const auto& r : inst.rubrics) {
      rubrics.push_back({{"criteria", r.criteria}, {"score_descriptions", r.score_descriptions}});
    }
    json preference_set = json::object();
    for (const auto& [dimension, value] : task.profile.choices) {
      preference_set[dimension] = {{"name", value.name}, {"description", value.description}};
    }
    json record = {{"id", task.id},
                   {"source", task.source},
                   {"system", inst.system},
                   {"prompt", task.prompt},
                   {"reference_answer", inst.reference_answer},
                   {"rubrics", rubrics},
                   {"preference_set", preference_set},
                   {"generator", generator.model}};
    out += record.dump() + "\n";
    ++written;
  }
  auto saved = harness::write_file_atomic(options.out, out);
  if (!saved) {
    throw harness::write_failure(saved.error());
  }
  fmt::print(
      stderr,
      "evalrun: build-bench wrote {} of {} instances to {}; {} requests sent, {} from cache, "
      "{} invalid replies asked again, {} failed\n",
      written, tasks.size(), options.out.string(), client.requests_sent(), client.cache_hits(),
      result.resamples, result.failures.size());
  for (const auto& failure : result.failures) {
    fmt::print(stderr, "  failed: {}\n", failure);
  }
  return result.failures.empty() ? 0 : 3;
}

} // namespace cli
