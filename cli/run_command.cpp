#include <cli/catalog.hpp>
#include <cli/comma_list.hpp>
#include <cli/commands.hpp>
#include <cli/run_plan.hpp>
#include <reports/render.hpp>

#include <harness/client/cached_client.hpp>
#include <harness/client/client_pool.hpp>
#include <harness/client/preflight.hpp>
#include <harness/request_hash.hpp>
#include <harness/runner.hpp>
#include <harness/store.hpp>
#include <harness/system_messages/instance_generator.hpp>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <set>

namespace cli {

using harness::Fatal;

namespace {

std::string
progress_line(const std::string& bench, const harness::RunProgress& p)
{
  double rate = p.elapsed_s > 0 ? static_cast<double>(p.requests_sent) / p.elapsed_s : 0;
  std::string eta = "?";
  if (p.units_done > 0 && p.units_done < p.units_total) {
    double left = p.elapsed_s / static_cast<double>(p.units_done) *
                  static_cast<double>(p.units_total - p.units_done);
    eta = fmt::format("{:.0f}s", left);
  } else if (p.units_done >= p.units_total) {
    eta = "0s";
  }
  return fmt::format("[{}] {}/{} done, {} errors, {:.1f} req/s, ETA {}", bench, p.units_done,
                     p.units_total, p.errors, rate, eta);
}

// Asks the generator for one system message per item (from a preference
// profile drawn by seed and item id), through the run's pool and store.
void
generate_system_messages(std::vector<harness::Item>& items, const std::string& bench,
                         const harness::EndpointConfig& generator, const RunOptions& options,
                         const std::filesystem::path& home, boost::asio::io_context& io,
                         harness::client::CachedClient& client)
{
  auto dims = load_preferences(home / "data" / "preferences.yaml");
  std::vector<harness::system_messages::GenerationTask> tasks;
  for (const auto& item : items) {
    harness::system_messages::GenerationTask task;
    task.id = item.id;
    task.source = item.source;
    task.prompt = item.turns.front();
    task.profile =
        harness::system_messages::sample_profile(dims, options.seed, bench + ":" + item.id);
    tasks.push_back(std::move(task));
  }
  auto result = harness::system_messages::generate_all(
      io, client, tasks, harness::system_messages::GenerationTarget::system_message, generator, 3);
  if (!result.failures.empty()) {
    throw Fatal(fmt::format("could not generate {} system message(s); the run was not started "
                            "(generated ones are stored and reused next time):\n  {}",
                            result.failures.size(), fmt::join(result.failures, "\n  ")));
  }
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& text = result.instances[i]->system;
    items[i].system =
        harness::SystemMessage{"gen-" + harness::sha256_hex(text).substr(0, 16), text};
  }
}

} // namespace

int
run_command(const RunOptions& options, const std::filesystem::path& home, std::int64_t* run_id)
{
  ResolvedRun resolved = resolve_run(options, home);
  harness::RunPlan& plan = resolved.plan;
  const harness::BenchSpec& spec = resolved.bench.spec;
  std::optional<harness::EndpointConfig>& generator = resolved.generator;
  if (options.dry_run) {
    print_plan(resolved);
    return 0;
  }

  // Check everything that can be checked before a single row is written.
  harness::client::CurlTransport transport;
  std::vector<harness::EndpointConfig*> roles = {&plan.candidate, &plan.judge_endpoint};
  if (plan.baseline) {
    roles.push_back(&*plan.baseline);
  }
  if (generator) {
    roles.push_back(&*generator);
  }
  auto ready = harness::client::ready_endpoints(roles, transport, options.db.string());

  harness::Store store(options.db);
  boost::asio::io_context io;
  harness::client::ClientPool pool(io, transport);
  std::set<std::string> added;
  for (const auto* e : roles) {
    if (added.insert(e->name).second) {
      pool.add_endpoint(*e, ready.api_keys[e->name]);
    }
  }
  if (generator) {
    harness::client::CachedClient client(io, pool, store);
    generate_system_messages(plan.items, spec.name, *generator, options, home, io, client);
    resolved.system_messages["unseen_check"] = check_seen(plan.items, options);
  }
  plan.run = make_run_record(resolved, options);

  harness::Runner runner(io, pool, store);
  const bool tty = !options.quiet && isatty(STDERR_FILENO) != 0;
  auto outcome = runner.run(
      plan,
      [&](const harness::RunProgress& p) {
        if (tty) {
          fmt::print(stderr, "\r\033[K{}", progress_line(spec.name, p));
        }
      },
      std::chrono::milliseconds(250));
  if (tty) {
    fmt::print(stderr, "\n");
  }
  const auto& p = outcome.progress;
  const auto& stats = pool.stats();
  fmt::print(stderr,
             "evalrun: {} {}{} judged by {}: run {} {}; {}/{} units, {} errors; {} requests sent "
             "({} attempts, {} retries), {} from cache; {:.1f}s\n",
             spec.name, plan.candidate.name,
             plan.run.baseline.empty() ? "" : " vs " + plan.run.baseline, plan.judge_endpoint.name,
             outcome.run_id, outcome.status, p.units_done, p.units_total, p.errors, p.requests_sent,
             stats.attempts, stats.retries, p.cache_hits, p.elapsed_s);

  if (run_id) {
    *run_id = outcome.run_id;
  }
  if (!options.quiet) {
    auto reports = reports::collect(store);
    std::erase_if(reports, [&](const reports::RunReport& r) { return r.run.id != outcome.run_id; });
    if (options.format == "json") {
      fmt::print("{}", reports::render_json(reports, EVALRUN_VERSION));
    } else {
      fmt::print("{}", reports::render_markdown(reports));
    }
  }
  return outcome.status == "complete" ? 0 : 3;
}

int
run_pairs_command(const RunOptions& options, const std::filesystem::path& home)
{
  if (!options.model.empty() || !options.baseline.empty()) {
    throw Fatal("--pairs names every model compared: it replaces --model and --baseline");
  }
  auto models = split_commas(options.pairs);
  if (models.size() < 2) {
    throw Fatal("--pairs needs at least two endpoint names");
  }
  int status = 0;
  for (size_t i = 0; i < models.size(); ++i) {
    for (size_t j = i + 1; j < models.size(); ++j) {
      RunOptions pair = options;
      pair.model = models[i];
      pair.baseline = models[j];
      status = std::max(status, run_command(pair, home));
    }
  }
  return status;
}

} // namespace cli
