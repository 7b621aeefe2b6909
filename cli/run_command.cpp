#include <cli/catalog.hpp>
#include <cli/comma_list.hpp>
#include <cli/commands.hpp>
#include <cli/length_controlled_files.hpp>
#include <cli/run_plan.hpp>
#include <reports/cost_estimate.hpp>
#include <reports/render.hpp>

#include <harness/batch_job.hpp>
#include <harness/client/cached_client.hpp>
#include <harness/client/client_pool.hpp>
#include <harness/client/preflight.hpp>
#include <harness/demo/transport.hpp>
#include <harness/file_digest.hpp>
#include <harness/free_memory.hpp>
#include <harness/process_owner.hpp>
#include <harness/request_hash.hpp>
#include <harness/runner.hpp>
#include <harness/stop_signals.hpp>
#include <harness/store.hpp>
#include <harness/system_messages/instance_generator.hpp>
#include <harness/text_file.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <set>

namespace cli {

using harness::Fatal;

namespace {

std::string
progress_line(const std::string& bench, const harness::RunProgress& p)
{
  std::string eta = "?";
  if (!p.totals_known) {
    // Items are still being counted (a file read a line at a time): no total yet.
  } else if (p.units_done > 0 && p.units_done < p.units_total) {
    double left = p.elapsed_s / static_cast<double>(p.units_done) *
                  static_cast<double>(p.units_total - p.units_done);
    eta = fmt::format("{:.0f}s", left);
  } else if (p.units_done >= p.units_total) {
    eta = "0s";
  }
  return fmt::format("[{}] {}/{} turns judged, {} requests sent ({:.1f}/s over the last 10 s), "
                     "{} from cache, ETA {}",
                     bench, p.turns_judged, p.totals_known ? std::to_string(p.turns_total) : "?",
                     p.requests_sent, p.requests_per_s, p.cache_hits, eta);
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

// Every endpoint the run talks to, once each role.
std::vector<harness::EndpointConfig*>
endpoints_of(ResolvedRun& resolved)
{
  auto& plan = resolved.plan;
  std::vector<harness::EndpointConfig*> out = {&plan.candidate, &plan.judge_endpoint};
  if (plan.baseline) {
    out.push_back(&*plan.baseline);
  }
  if (resolved.generator) {
    out.push_back(&*resolved.generator);
  }
  return out;
}

// One execution of a resolved run: the generator's system messages (when
// asked for), the run's record, then the runner. `transport` carries the
// requests and `store` answers and keeps them.
struct Execution
{
  harness::RunOutcome outcome;
  harness::RoleRequests generator; // first asks of --system-messages generate:
  harness::client::PoolStats pool;
  std::vector<harness::client::ReplicaStats> replicas;
  int signal = 0;           // SIGINT, SIGTERM or SIGHUP that stopped the run, if any
  std::string server_ended; // why a launched server stopped the run, if one did
};

// Watches the servers evalrun launched while a run goes on: one that ends is
// reported with the end of its log; once every server of an endpoint has
// ended, `stop` is called with what happened.
class ServerWatch
{
public:
  explicit ServerWatch(std::vector<harness::client::StartedServer>* servers) : m_servers(servers) {}

  void check(const std::function<void(const std::string&)>& stop)
  {
    if (!m_servers) {
      return;
    }
    for (auto& s : *m_servers) {
      if (m_reported.count(&s)) {
        continue;
      }
      if (auto ended = s.process->ended()) {
        m_reported.insert(&s);
        std::string what = fmt::format("the server of {} {} during the run", s.name, *ended);
        const bool all_ended = std::all_of(
            m_servers->begin(), m_servers->end(), [&](const harness::client::StartedServer& o) {
              return o.endpoint != s.endpoint || m_reported.count(&o);
            });
        fmt::print(stderr, "\nevalrun: {}{}. {}", what,
                   all_ended ? "" : "; the run goes on with the other replicas",
                   harness::client::log_excerpt(*s.process));
        if (all_ended) {
          stop(what);
        }
      }
    }
  }

private:
  std::vector<harness::client::StartedServer>* m_servers;
  std::set<const harness::client::StartedServer*> m_reported;
};

// The check of a run's items read from a file (check_all_items), on a thread
// of its own, started before the database is opened: what it finds within
// k_check_first (or at all, with `wait_whole`) is refused with nothing sent
// or written, as for items loaded whole; a longer file's run starts
// meanwhile, and what the check finds later stops the run and removes it
// (the answers received stay cached).
class ItemsChecking
{
public:
  static constexpr auto k_check_first = std::chrono::milliseconds(25);

  ItemsChecking(const ResolvedRun& resolved, const RunOptions& options, boost::asio::io_context& io,
                bool wait_whole)
  {
    m_result = std::async(std::launch::async, [this, &resolved, &options, &io] {
      ItemsCheck check = check_all_items(resolved, options, &m_stop);
      // Run by the run's io_context, if it still runs; never after (nothing runs it then).
      boost::asio::post(io, [this, check] {
        if (!m_delivered && m_on_result) {
          m_delivered = true;
          m_on_result(check);
        }
      });
      return check;
    });
    if (wait_whole || m_result.wait_for(k_check_first) == std::future_status::ready) {
      m_early = m_result.get();
      m_delivered = true;
    }
  }
  ~ItemsChecking()
  {
    m_stop = true;
    if (m_result.valid()) {
      m_result.wait();
    }
  }
  ItemsChecking(const ItemsChecking&) = delete;
  ItemsChecking& operator=(const ItemsChecking&) = delete;

  // The check, when it was done within k_check_first.
  const std::optional<ItemsCheck>& early() const { return m_early; }
  // Called on the io_context's thread with the check, once done (unless early).
  void on_result(std::function<void(const ItemsCheck&)> f) { m_on_result = std::move(f); }
  // The check, once done; with `stop`, asked to stop first (it is then
  // `stopped`, unless it was done).
  ItemsCheck finish(bool stop)
  {
    if (m_early) {
      return *m_early;
    }
    m_stop = stop;
    m_delivered = true;
    return m_result.get();
  }

private:
  std::atomic<bool> m_stop{false};
  std::future<ItemsCheck> m_result;
  std::optional<ItemsCheck> m_early;
  std::function<void(const ItemsCheck&)> m_on_result; // the io_context's thread
  bool m_delivered = false;                           // the io_context's thread
};

// After a run whose items were read from a file: a problem the check found
// removes the run (Fatal); so does a file that changed while it was read
// (the run read other items than the check); else the run's item count is
// recorded.
void
settle_checked_items(ItemsChecking& checking, const ResolvedRun& resolved, const Execution& done,
                     harness::Store& store)
{
  const auto& outcome = done.outcome;
  ItemsCheck check = checking.finish(done.signal != 0);
  const bool ours = outcome.status != "not_started";
  const std::string removed =
      fmt::format("found while the run was under way, after {} requests had been sent (the "
                  "answers received stay in the cache); the run was removed",
                  outcome.progress.requests_sent);
  if (auto problem = items_problem(check, resolved, removed)) {
    if (ours) {
      store.delete_run(outcome.run_id);
    }
    throw harness::Fatal(*problem);
  }
  // The file the run key names (by its SHA-256, taken before the run) is the one read.
  const auto& path = resolved.bench.records_reading->path;
  std::optional<std::string> changed;
  if (outcome.read_error) {
    changed = outcome.read_error->message;
  } else if (!check.stopped && outcome.all_items_read && outcome.items_read != check.items) {
    changed = fmt::format("{} items checked, {} read", check.items, outcome.items_read);
  } else if (outcome.all_items_read) {
    auto now = harness::file_sha256_hex(path);
    if (!now || *now != resolved.bench.file_sha256.at("records")) {
      changed = "its content is not what it was when the run began";
    }
  }
  if (ours && changed) {
    store.delete_run(outcome.run_id);
    throw harness::Fatal(fmt::format("{}: the file changed while the run read it ({}); {}",
                                     path.string(), *changed, removed));
  }
  if (ours && !check.stopped) {
    store.set_run_items(outcome.run_id, check.items);
  }
}

Execution
execute(ResolvedRun& resolved, const RunOptions& options, const std::filesystem::path& home,
        boost::asio::io_context& io, harness::client::Transport& transport, harness::Store& store,
        const std::map<std::string, std::optional<std::string>>& api_keys,
        const std::function<void(const harness::RunProgress&)>& on_progress,
        ItemsChecking* checking = nullptr,
        std::vector<harness::client::StartedServer>* servers = nullptr)
{
  harness::RunPlan& plan = resolved.plan;
  harness::client::ClientPool pool(io, transport);
  std::set<std::string> added;
  for (const auto* e : endpoints_of(resolved)) {
    if (added.insert(e->name).second) {
      auto key = api_keys.find(e->name);
      pool.add_endpoint(*e, key == api_keys.end() ? std::nullopt : key->second);
    }
  }
  Execution out;
  if (resolved.generator) {
    harness::client::CachedClient client(io, pool, store, harness::process_owner());
    generate_system_messages(plan.items, resolved.bench.spec.name, *resolved.generator, options,
                             home, io, client);
    resolved.system_messages["unseen_check"] = check_seen(plan.items, options);
    out.generator.sent = client.requests_sent();
    out.generator.cached = client.cache_hits();
  }
  plan.run = make_run_record(resolved, options);
  harness::Runner runner(io, pool, store);
  if (checking) {
    if (const auto& early = checking->early()) {
      plan.run.items = static_cast<int>(early->items);
      runner.set_item_count(early->items, early->turns);
    } else {
      // Found later: a problem stops the run (removed below), else the counts are known.
      checking->on_result([&](const ItemsCheck& check) {
        if (items_problem(check, resolved, "")) {
          runner.stop(true);
        } else {
          runner.set_item_count(check.items, check.turns);
        }
      });
    }
  }
  // The first SIGINT, SIGTERM or SIGHUP stops sending and lets requests on
  // the wire land (up to 30 s); a second one stops at once. Either way the
  // run ends `interrupted`, with everything received kept.
  boost::asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int signo) {
        if (ec) {
          return;
        }
        const bool again = out.signal != 0;
        out.signal = again ? out.signal : signo;
        fmt::print(stderr, "\nevalrun: {}: {}\n", strsignal(signo),
                   again ? "stopping now"
                         : "finishing the requests on the wire (again to stop now)");
        runner.stop(again);
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);
  ServerWatch watch(servers);
  auto watched_progress = [&](const harness::RunProgress& p) {
    watch.check([&](const std::string& what) {
      if (out.server_ended.empty()) {
        out.server_ended = what;
        runner.stop(false);
      }
    });
    on_progress(p);
  };
  out.outcome = runner.run(plan, watched_progress, std::chrono::milliseconds(250),
                           [](const std::string& holder) {
                             fmt::print(stderr,
                                        "evalrun: this run is being run by {}: waiting for it to "
                                        "finish (then this one sends only what is left)\n",
                                        holder);
                           });
  signals.cancel();
  out.pool = pool.stats();
  out.replicas = pool.replicas();
  if (checking) {
    settle_checked_items(*checking, resolved, out, store);
  }
  return out;
}

// A batch job's progress, on stderr.
void
print_batch_status(const harness::client::batch_api::Batch& batch)
{
  fmt::print(stderr, "evalrun: batch job {}: {}, {} of {} requests done, {} failed\n", batch.id,
             batch.status, batch.completed, batch.total, batch.failed);
}

// The endpoint of the run named `name`.
const harness::EndpointConfig&
endpoint_named(ResolvedRun& resolved, const std::string& name)
{
  for (const auto* e : endpoints_of(resolved)) {
    if (e->name == name) {
      return *e;
    }
  }
  throw harness::Fatal("no endpoint '" + name + "' in this run"); // cannot happen
}

// The requests a pass deferred to offline endpoints (left in `deferred`),
// and the others (taken out of it).
std::vector<harness::client::DeferredRequest>
take_online(ResolvedRun& resolved, std::vector<harness::client::DeferredRequest>& deferred)
{
  std::vector<harness::client::DeferredRequest> online;
  std::vector<harness::client::DeferredRequest> offline;
  for (auto& r : deferred) {
    (endpoint_named(resolved, r.request.endpoint).offline ? offline : online)
        .push_back(std::move(r));
  }
  deferred = std::move(offline);
  return online;
}

// --batch: after each pass of the run, the requests it deferred (the
// judge's) are answered by a batch job per endpoint, then the run is passed
// through again, finding them stored: answers, then judgments, then any
// re-asks of unreadable ones, each a job. A request a job failed is asked
// in the next job; one failed by two jobs is sent as a plain request.
// Requests to offline endpoints are left for batch files.
Execution
batch_rounds(ResolvedRun& resolved, const RunOptions& options, const std::filesystem::path& home,
             boost::asio::io_context& io, harness::client::Transport& transport,
             harness::Store& store, harness::client::ReadyEndpoints& ready, Execution done,
             const std::function<void(const harness::RunProgress&)>& on_progress)
{
  constexpr int k_jobs_per_request = 2;
  std::map<std::string, int> failures; // request hash -> jobs that failed it
  long jobs = 0;
  long answered = 0;
  // The last pass's counts are the run's summary; what the jobs answered is said here.
  struct SayTotals
  {
    const long& jobs;
    const long& answered;
    ~SayTotals()
    {
      if (jobs > 0) {
        fmt::print(stderr, "evalrun: {} request{} answered by {} batch job{}\n", answered,
                   answered == 1 ? "" : "s", jobs, jobs == 1 ? "" : "s");
      }
    }
  } say_totals{jobs, answered};
  harness::BatchJobSettings settings;
  settings.poll_interval =
      std::chrono::milliseconds(static_cast<long>(std::lround(options.batch_poll_s * 1000)));
  settings.on_status = print_batch_status;
  for (;;) {
    auto online = take_online(resolved, done.outcome.deferred);
    if (online.empty() || done.outcome.status == "not_started" || done.signal != 0 ||
        !done.server_ended.empty()) {
      return done;
    }
    // Noted, not fatal, from here until the next pass (which has its own).
    harness::StopSignals signals;
    settings.stop_signal = [&signals] {
      return signals.caught();
    };
    std::map<std::string, std::vector<harness::client::DeferredRequest>> by_endpoint;
    for (auto& r : online) {
      auto& requests = by_endpoint[r.request.endpoint];
      requests.push_back(std::move(r));
    }
    for (const auto& [name, requests] : by_endpoint) {
      const harness::EndpointConfig& endpoint = endpoint_named(resolved, name);
      const auto key = ready.api_keys.find(name);
      const std::string api_key =
          key != ready.api_keys.end() && key->second ? *key->second : std::string();
      fmt::print(stderr, "evalrun: {} requests of run {} to {} ({}) go as a batch job\n",
                 requests.size(), done.outcome.run_id, name, endpoint.model);
      auto job = harness::answer_by_batch(store, transport, endpoint, api_key, done.outcome.run_id,
                                          requests, settings);
      if (job.signal) {
        fmt::print(stderr,
                   "evalrun: {}: batch job {} goes on without evalrun; run the same command "
                   "again to wait for it (it is not submitted again)\n",
                   strsignal(job.signal),
                   job.batch_id.empty() ? std::string("not yet submitted") : job.batch_id);
        done.signal = job.signal;
        return done;
      }
      fmt::print(stderr, "evalrun: batch job {}{}: {} answered, {} failed{}{}\n", job.batch_id,
                 job.resumed ? " (submitted by an earlier run)" : "", job.answered,
                 job.failed.size(),
                 job.missing ? fmt::format(", {} not in it (asked next)", job.missing) : "",
                 job.unmatched ? fmt::format(", {} no longer asked", job.unmatched) : "");
      ++jobs;
      answered += job.answered;
      const size_t live_before = resolved.plan.send_live.size();
      for (const auto& hash : job.failed) {
        if (++failures[hash] >= k_jobs_per_request) {
          resolved.plan.send_live.insert(hash);
        }
      }
      if (const size_t live = resolved.plan.send_live.size() - live_before; live > 0) {
        fmt::print(stderr,
                   "evalrun: {} request{} failed by {} batch jobs go as plain requests now\n", live,
                   live == 1 ? "" : "s", k_jobs_per_request);
      }
    }
    done = execute(resolved, options, home, io, transport, store, ready.api_keys, on_progress,
                   nullptr, &ready.servers);
  }
}

// evalrun batch ingest: the replies of the batch output file `path` (vllm
// run-batch's, OpenAI's) stored as the responses of the offline requests
// the run waits for, in one transaction; how many. A line that is not a
// batch output line is a Fatal naming the file and line, and nothing is stored.
long
ingest_replies(const std::filesystem::path& path,
               const std::vector<harness::client::DeferredRequest>& waiting, harness::Store& store)
{
  auto file = harness::read_text_file(path);
  if (!file) {
    throw harness::Fatal(fmt::format("batch ingest: {}", file.error().message));
  }
  std::map<std::string, const harness::client::DeferredRequest*> by_hash;
  for (const auto& r : waiting) {
    by_hash.emplace(r.hash, &r);
  }
  long stored = 0;
  long failed = 0;
  long unmatched = 0;
  auto lines = harness::client::batch_api::parse_output_file(file->content, path.string());
  if (!lines) {
    throw harness::Fatal(lines.error().message + "; nothing was stored");
  }
  std::vector<std::pair<const harness::client::DeferredRequest*, harness::Response>> replies;
  for (auto& line : *lines) {
    auto asked = by_hash.find(line.custom_id);
    if (asked == by_hash.end()) {
      ++unmatched;
    } else if (!line.reply) {
      ++failed;
      fmt::print(stderr, "evalrun: {}: request {} failed: {}\n", path.string(), line.custom_id,
                 line.reply.error().message);
    } else {
      replies.emplace_back(asked->second, std::move(*line.reply));
    }
  }
  {
    harness::Store::Transaction unit(store);
    for (const auto& [request, response] : replies) {
      store.put_response(request->hash, request->semantics, request->pieces, response);
      ++stored;
    }
    unit.commit();
  }
  fmt::print(stderr,
             "evalrun: {}: {} repl{} stored, {} failed (asked again by the next export), {} not "
             "waited for (answered before, or of another run)\n",
             path.string(), stored, stored == 1 ? "y" : "ies", failed, unmatched);
  return stored;
}

// evalrun batch export: the offline requests the run waits for, written to
// `path` as a batch input file (atomically).
void
export_requests(const std::filesystem::path& path, ResolvedRun& resolved,
                const std::vector<harness::client::DeferredRequest>& waiting)
{
  std::string jsonl;
  std::set<std::string> endpoints;
  for (const auto& r : waiting) {
    const auto& endpoint = endpoint_named(resolved, r.request.endpoint);
    jsonl += harness::client::batch_api::input_line(r, endpoint);
    jsonl += '\n';
    endpoints.insert(fmt::format("{} ({})", endpoint.name, endpoint.model));
  }
  if (auto written = harness::write_file_atomic(path, jsonl); !written) {
    throw harness::write_failure(written.error());
  }
  if (waiting.empty()) {
    fmt::print(stderr,
               "evalrun: no request waits for an offline endpoint: {} is empty, and the run "
               "needs no more batch files\n",
               path.string());
    return;
  }
  fmt::print(stderr,
             "evalrun: {} requests for {} written to {}; answer them (e.g. vllm run-batch -i {} "
             "-o replies.jsonl --model MODEL), then: evalrun batch ingest replies.jsonl, with "
             "this run's options\n",
             waiting.size(), fmt::join(endpoints, ", "), path.string(), path.string());
}

// The line printed when a run ends. Its counts are the report's (turns
// rated, unreadable, without a verdict because a request failed: they add up
// to the turns) and the client's (requests sent, from cache, failed after
// retries; attempts with retries): the units the README defines.
std::string
summary_line(const ResolvedRun& resolved, const Execution& done,
             const std::vector<reports::RunReport>& runs)
{
  const auto& outcome = done.outcome;
  const auto& pool = done.pool;
  const auto& plan = resolved.plan;
  long rated = 0;
  long unreadable = 0;
  long failed_turns = 0;
  long cut_short = 0;
  if (!runs.empty()) {
    const auto& r = runs.front();
    const auto counts = r.counts();
    rated = counts.rated;
    unreadable = counts.unreadable;
    failed_turns = counts.failed;
    cut_short = r.answer_ends.cut_short;
  }
  const auto& p = outcome.progress;
  return fmt::format(
      "{} {}{} judged by {}: run {} {}; {} turns: {} rated, {} unreadable, {} without a verdict "
      "(a request failed){}{}; {} requests sent ({} attempts, {} retries), {} from cache, {} "
      "failed after retries; {:.1f}s",
      resolved.bench.spec.name, plan.candidate.name,
      plan.run.baseline.empty() ? "" : " vs " + plan.run.baseline, plan.judge_endpoint.name,
      outcome.run_id, outcome.status, p.turns_total, rated, unreadable, failed_turns,
      p.turns_deferred ? fmt::format(", {} waiting for batch answers", p.turns_deferred) : "",
      cut_short ? fmt::format(", {} answer{} cut short by the server", cut_short,
                              cut_short == 1 ? "" : "s")
                : "",
      p.requests_sent + done.generator.sent, pool.attempts, pool.retries,
      p.cache_hits + done.generator.cached, pool.failed, p.elapsed_s);
}

// Says when an endpoint's responses named another model than the one asked
// for (a dated version of a hosted model, a server that serves something
// else under that name).
void
print_served_models(ResolvedRun& resolved, const harness::client::PoolStats& pool)
{
  std::map<std::string, std::string> asked; // endpoint name -> model
  for (const auto* e : endpoints_of(resolved)) {
    asked[e->name] = e->model;
  }
  for (const auto& [endpoint, names] : pool.served_models) {
    std::vector<std::string> others;
    for (const auto& [name, count] : names) {
      if (name != asked[endpoint]) {
        others.push_back(fmt::format("'{}' ({} response{})", name, count, count == 1 ? "" : "s"));
      }
    }
    if (!others.empty()) {
      fmt::print(stderr,
                 "evalrun: note: endpoint '{}' was asked for model '{}'; its responses "
                 "named {}\n",
                 endpoint, asked[endpoint], fmt::join(others, ", "));
    }
  }
}

// The cost estimate of a dry run `run_id` in `store` (with the database's
// earlier runs): per role, the requests it would send, the dry run's prompts,
// and replies as long as those of earlier runs (not the demo's) of the same model.
reports::CostEstimate
estimate_cost(harness::Store& store, std::int64_t run_id, const harness::RunPlan& plan,
              const std::map<std::string, harness::RoleRequests>& roles)
{
  const auto dry = store.tokens(run_id);
  harness::Store::RunTokens history;
  auto add = [](harness::Store::RoleTokens& to, const harness::Store::RoleTokens& t) {
    to.requests += t.requests;
    to.prompt += t.prompt;
    to.completion += t.completion;
  };
  for (const auto& run : store.runs()) {
    if (run.id == run_id || run.demo) {
      continue; // (the demo's counts are words)
    }
    const auto tokens = store.tokens(run.id);
    if (run.model_id == plan.candidate.model) {
      add(history.candidate, tokens.candidate);
    }
    if (plan.baseline && run.model_id == plan.baseline->model) {
      add(history.baseline, tokens.candidate);
    }
    if (run.judge_model_id == plan.judge_endpoint.model) {
      add(history.judge, tokens.judge);
    }
  }
  std::vector<reports::RoleToEstimate> wanted;
  auto role = [&](const char* name, const harness::EndpointConfig& e,
                  const harness::Store::RoleTokens& dry_tokens,
                  const harness::Store::RoleTokens& earlier) {
    auto found = roles.find(name);
    wanted.push_back({name, e.name, found == roles.end() ? 0 : found->second.sent, dry_tokens,
                      earlier, e.price});
  };
  role("candidate", plan.candidate, dry.candidate, history.candidate);
  if (plan.baseline) {
    role("baseline", *plan.baseline, dry.baseline, history.baseline);
  }
  role("judge", plan.judge_endpoint, dry.judge, history.judge);
  return reports::estimate_cost(wanted);
}

// `--dry-run`: the run executed against a copy of the store in memory, with
// the demo backend answering in-process, so that the requests it would send
// are counted per role and nothing is sent or written.
int
dry_run(ResolvedRun& resolved, const RunOptions& options, const std::filesystem::path& home)
{
  print_plan(resolved);
  harness::Store copy(":memory:");
  if (std::filesystem::exists(options.db)) {
    copy.copy_from(options.db);
  }
  boost::asio::io_context io; // outlives the transport, as in a real run
  harness::demo::InProcessTransport transport;
  auto done = execute(resolved, options, home, io, transport, copy, {}, [](const auto&) {});
  const auto& plan = resolved.plan;
  const auto& roles = done.outcome.progress.by_role;
  auto line = [](const std::string& role, const harness::EndpointConfig& e,
                 const harness::RoleRequests& r) {
    fmt::print("  {:<10} {} ({}): {} to send, {} cached\n", role + ":", e.name, e.model, r.sent,
               r.cached);
  };
  fmt::print("requests (re-asks of unreadable replies and retries of failed requests come on "
             "top):\n");
  harness::RoleRequests total;
  auto add = [&](const harness::RoleRequests& r) {
    total.sent += r.sent;
    total.cached += r.cached;
  };
  if (resolved.generator) {
    line("generator", *resolved.generator, done.generator);
    add(done.generator);
  }
  for (const auto& [role, endpoint] :
       std::vector<std::pair<std::string, const harness::EndpointConfig*>>{
           {"candidate", &plan.candidate},
           {"baseline", plan.baseline ? &*plan.baseline : nullptr},
           {"judge", &plan.judge_endpoint}}) {
    if (endpoint) {
      auto found = roles.find(role);
      auto counts = found == roles.end() ? harness::RoleRequests{} : found->second;
      line(role, *endpoint, counts);
      add(counts);
    }
  }
  fmt::print("  {:<10} {} to send, {} cached\n", "total:", total.sent, total.cached);
  fmt::print("{}", reports::describe_estimate(
                       estimate_cost(copy, done.outcome.run_id, resolved.plan, roles)));
  fmt::print("dry run: nothing was sent and nothing was written.\n");
  return 0;
}

} // namespace

int
run_command(const RunOptions& options, const std::filesystem::path& home, std::int64_t* run_id)
{
  ResolvedRun resolved = resolve_run(options, home);
  // Read before any request: a bad side file must not cost the run first.
  auto lc_inputs = read_length_controlled_inputs(options.alpaca_eval_lc, options.alpaca_eval_lc_c);
  if (options.dry_run) {
    return dry_run(resolved, options, home);
  }
  const harness::BenchSpec& spec = resolved.bench.spec;
  if (options.batch) {
    if (resolved.plan.judge_endpoint.demo) {
      throw harness::Fatal("--batch: the judge is the demo backend, which answers at once and "
                           "has no batch API; name a judge endpoint whose server has one (OpenAI's "
                           "/v1/batches)");
    }
    resolved.plan.deferred_endpoints = {resolved.plan.judge_endpoint.name};
  }
  const auto roles = endpoints_of(resolved);
  if ((!options.export_requests.empty() || !options.ingest_replies.empty()) &&
      std::none_of(roles.begin(), roles.end(),
                   [](const harness::EndpointConfig* e) { return e->offline; })) {
    throw harness::Fatal(fmt::format(
        "batch {}: no endpoint of this run is offline; mark the one whose requests go by file "
        "with `offline: true` in the endpoints file",
        options.export_requests.empty() ? "ingest" : "export"));
  }
  for (const auto* e : roles) {
    if (e->offline) {
      resolved.plan.deferred_endpoints.insert(e->name); // answered by batch files only
    }
  }

  // The io_context outlives the transport: when a failure (a full disk)
  // unwinds the run, the transport lets go of its sockets and timer before
  // the context they belong to is destroyed.
  boost::asio::io_context io;
  // Check everything that can be checked before a single row is written.
  std::optional<harness::client::CurlTransport> transport(std::in_place, io);
  const bool tty = !options.quiet && isatty(STDERR_FILENO) != 0;
  auto ready = harness::client::ready_endpoints(endpoints_of(resolved), *transport,
                                                options.db.string(), tty);
  // The benchmark's sampling too, as sent: no parameter is dropped by a server.
  const auto& plan = resolved.plan;
  auto params_problem = harness::client::params_problem(plan.candidate, plan.candidate_params);
  if (!params_problem && plan.baseline) {
    params_problem = harness::client::params_problem(*plan.baseline, plan.baseline_params);
  }
  if (params_problem) {
    throw harness::Fatal(fmt::format("cannot start; nothing was written to {}:\n{}",
                                     options.db.string(), *params_problem));
  }
  std::optional<ItemsChecking> checking;
  if (resolved.plan.item_source) {
    // A spec's own records file (every shipped benchmark's) is checked whole
    // first, FLASK's taking longer than k_check_first; --bench-file is the
    // way to give a file of any size.
    checking.emplace(resolved, options, io, options.bench_file.empty());
    if (const auto& early = checking->early()) {
      if (auto problem = items_problem(*early, resolved, "nothing was sent")) {
        throw harness::Fatal(*problem); // before the database is opened: nothing written
      }
    }
  }
  harness::Store store(options.db);
  Execution done;
  try {
    auto on_progress = [&](const harness::RunProgress& p) {
      if (tty) {
        fmt::print(stderr, "\r\033[K{}", progress_line(spec.name, p));
      }
    };
    done = execute(resolved, options, home, io, *transport, store, ready.api_keys, on_progress,
                   checking ? &*checking : nullptr, &ready.servers);
    if (options.batch) {
      if (tty) {
        fmt::print(stderr, "\n");
      }
      done = batch_rounds(resolved, options, home, io, *transport, store, ready, std::move(done),
                          on_progress);
    }
    if (!options.ingest_replies.empty() && done.signal == 0 &&
        ingest_replies(options.ingest_replies, done.outcome.deferred, store) > 0) {
      // On with what the replies answer: the next turns, their judgments.
      done = execute(resolved, options, home, io, *transport, store, ready.api_keys, on_progress,
                     nullptr, &ready.servers);
      if (options.batch) {
        done = batch_rounds(resolved, options, home, io, *transport, store, ready, std::move(done),
                            on_progress);
      }
    }
    if (!options.export_requests.empty() && done.signal == 0) {
      export_requests(options.export_requests, resolved, done.outcome.deferred);
    } else if (!done.outcome.deferred.empty()) {
      fmt::print(stderr,
                 "evalrun: {} requests wait for offline endpoints; evalrun batch export --out "
                 "FILE, with this run's options, writes them to a batch file\n",
                 done.outcome.deferred.size());
    }
  } catch (...) {
    if (tty) {
      fmt::print(stderr, "\n"); // the message starts on a line of its own, after the progress
    }
    throw;
  }
  const auto& outcome = done.outcome;
  if (tty) {
    fmt::print(stderr, "\n");
  }
  if (outcome.status == "not_started") {
    fmt::print(stderr,
               "evalrun: stopped while another process runs run {}; nothing was sent and "
               "the run was left to it\n",
               outcome.run_id);
    return 128 + done.signal;
  }
  // The items are in the store now: let them, and the connections, go before
  // the report reads its verdicts.
  std::vector<harness::Item>().swap(resolved.plan.items);
  transport.reset();
  store.drop_caches();
  harness::give_back_free_memory();
  reports::CollectOptions only_this;
  only_this.bench = spec.name;
  only_this.model = resolved.plan.candidate.name;
  only_this.alpaca_eval_lc = lc_inputs ? &*lc_inputs : nullptr;
  auto reports = reports::collect(store, only_this);
  std::erase_if(reports, [&](const reports::RunReport& r) { return r.run.id != outcome.run_id; });
  fmt::print(stderr, "evalrun: {}\n", summary_line(resolved, done, reports));
  print_served_models(resolved, done.pool);
  for (const auto& r : done.replicas) {
    fmt::print(stderr,
               "evalrun: replica {} of '{}': {} attempts, {} failed; taken out of the rotation {} "
               "time{} for failing; {}\n",
               r.url, r.endpoint, r.attempts, r.failures, r.taken_out, r.taken_out == 1 ? "" : "s",
               r.healthy ? "healthy" : "unhealthy at the end");
  }
  if (run_id) {
    *run_id = outcome.run_id;
  }
  if (!options.quiet) {
    if (options.format == "json") {
      fmt::print("{}", reports::render_json(reports, EVALRUN_VERSION));
    } else {
      fmt::print("{}", reports::render_markdown(reports));
    }
  }
  if (!done.server_ended.empty()) {
    fmt::print(stderr,
               "evalrun: run {} stopped: {} of {} turns judged, because {} (its log is above); "
               "run the same command again to resume (nothing received is sent again)\n",
               outcome.run_id, outcome.progress.turns_judged,
               outcome.progress.totals_known ? std::to_string(outcome.progress.turns_total)
                                             : "(still being counted)",
               done.server_ended);
    return 3;
  }
  if (done.signal) {
    fmt::print(stderr,
               "evalrun: run {} interrupted: {} of {} turns judged; run the same command again "
               "to resume (nothing received is sent again)\n",
               outcome.run_id, outcome.progress.turns_judged,
               outcome.progress.totals_known ? std::to_string(outcome.progress.turns_total)
                                             : "(still being counted)");
    return 128 + done.signal; // 130 SIGINT, 143 SIGTERM, 129 SIGHUP
  }
  return outcome.status == "complete" ? 0 : 3;
}

std::optional<std::int64_t>
find_stored_run(const RunOptions& options, const std::filesystem::path& home, harness::Store& store)
{
  ResolvedRun resolved = resolve_run(options, home);
  if (resolved.generator) {
    throw Fatal("its system messages are generated when the run starts, so the run cannot be "
                "found without running it");
  }
  // A run's key covers what its servers said they serve (which is not known
  // without asking them): each stored run of this model is tried with what
  // its own record says they served; the latest that matches is the one.
  std::optional<std::int64_t> found;
  int matches = 0;
  auto& plan = resolved.plan;
  for (const auto& run : store.runs()) {
    if (run.bench != resolved.bench.spec.name || run.model != plan.candidate.name) {
      continue;
    }
    auto config = nlohmann::json::parse(run.config_json, nullptr, false);
    auto served = [&](const char* field) {
      const auto& semantics =
          config.is_object() ? config.value("semantics", nlohmann::json()) : nlohmann::json();
      return semantics.is_object() && semantics.contains(field) ? semantics[field].dump()
                                                                : std::string();
    };
    plan.candidate.served = served("candidate_served");
    plan.judge_endpoint.served = served("judge_served");
    if (plan.baseline) {
      plan.baseline->served = served("baseline_served");
    }
    if (run.key == make_run_record(resolved, options).key) {
      ++matches;
      found = !found || run.id > *found ? run.id : *found;
    }
  }
  if (matches > 1) {
    fmt::print(stderr,
               "evalrun: note: {} stored runs of {} on {} match these settings, made with servers "
               "that said different things about the model (its weights or context); the latest, "
               "run {}, is used\n",
               matches, plan.candidate.name, resolved.bench.spec.name, *found);
  }
  return found;
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
