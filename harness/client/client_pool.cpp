#include <harness/client/client_pool.hpp>
#include <harness/client/openai_wire.hpp>
#include <harness/utf8.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <cmath>

namespace harness::client {

namespace asio = boost::asio;

// A request's body is built when it is first sent, not kept beside the
// request while it waits. Then the body takes the place of its messages (the
// pool's copies of the prompts were 2.4 MB of a 50 MB heap at 2,048 in
// flight), and is sent again as it is for a retry.
struct ClientPool::Job
{
  ChatRequest request;
  std::shared_ptr<const std::string> body;
  Callback done;
  int attempts = 0;
  int replica = -1; // the replica it was sent to last
  int avoid = -1;   // the replica that failed it last, if another can take it
};

void
redact(std::string& text, const std::string& secret)
{
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "[REDACTED]");
    at += 10;
  }
}

std::chrono::milliseconds
retry_delay(const RetryPolicy& policy, int failed_attempts, std::optional<double> retry_after_s,
            double jitter)
{
  double backoff = static_cast<double>(policy.base_delay.count()) *
                   std::pow(2.0, std::max(0, failed_attempts - 1)) * std::clamp(jitter, 0.5, 1.0);
  if (retry_after_s) {
    backoff = std::max(backoff, *retry_after_s * 1000.0);
  }
  backoff = std::min(backoff, static_cast<double>(policy.max_delay.count()));
  return std::chrono::milliseconds(static_cast<long long>(backoff));
}

ClientPool::ClientPool(asio::io_context& io, Transport& transport, RetryPolicy policy)
    : m_io(io), m_transport(transport), m_policy(policy), m_rng(std::random_device{}())
{}

void
ClientPool::add_endpoint(const EndpointConfig& endpoint, std::optional<std::string> api_key)
{
  Lane& lane = m_lanes[endpoint.name];
  lane.config = endpoint;
  lane.replicas.clear();
  for (const auto& url : endpoint.urls()) {
    Replica replica;
    replica.url = url;
    replica.stats.endpoint = endpoint.name;
    replica.stats.url = url;
    lane.replicas.push_back(std::move(replica));
  }
  // A key shorter than 8 characters (a local server's "EMPTY") would match
  // ordinary text: replacing it would change answers, and it guards nothing.
  if (api_key && api_key->size() >= 8) {
    m_secrets.push_back(*api_key);
  }
  lane.api_key = std::move(api_key);
}

void
ClientPool::submit(ChatRequest request, Callback done)
{
  auto it = m_lanes.find(request.endpoint);
  if (it == m_lanes.end()) {
    auto error = Error{Error::Kind::config,
                       fmt::format("endpoint '{}' was not added to the pool", request.endpoint)};
    asio::post(m_io, [done = std::move(done), error] { done(error); });
    return;
  }
  if (m_cancelled) {
    asio::post(m_io, [done = std::move(done)] {
      done(Error{Error::Kind::cancelled, "not sent: the run was stopped"});
    });
    return;
  }
  auto job = std::make_shared<Job>();
  job->request = std::move(request);
  job->done = std::move(done);
  it->second.queue.push_back(std::move(job));
  pump(it->second);
}

void
ClientPool::cancel_queued()
{
  m_cancelled = true;
  for (auto& [name, lane] : m_lanes) {
    auto queued = std::move(lane.retries);
    lane.retries.clear();
    queued.insert(queued.end(), lane.queue.begin(), lane.queue.end());
    lane.queue.clear();
    for (auto& job : queued) {
      asio::post(m_io, [job] {
        job->done(Error{Error::Kind::cancelled, "not sent: the run was stopped"});
      });
    }
  }
}

std::vector<ReplicaStats>
ClientPool::replicas() const
{
  std::vector<ReplicaStats> out;
  const auto now = Clock::now();
  for (const auto& [name, lane] : m_lanes) {
    if (lane.replicas.size() < 2) {
      continue;
    }
    for (const auto& r : lane.replicas) {
      out.push_back(r.stats);
      out.back().healthy = healthy(r, now);
    }
  }
  return out;
}

bool
ClientPool::healthy(const Replica& replica, Clock::time_point now)
{
  return !replica.down && now >= replica.resting_until;
}

int
ClientPool::pick(const Lane& lane, int avoid, Clock::time_point now) const
{
  const bool avoidable =
      avoid >= 0 && std::any_of(lane.replicas.begin(), lane.replicas.end(), [&](const Replica& r) {
        return &r != &lane.replicas[static_cast<size_t>(avoid)] && healthy(r, now);
      });
  int best = -1;
  for (int i = 0; i < static_cast<int>(lane.replicas.size()); ++i) {
    const Replica& r = lane.replicas[static_cast<size_t>(i)];
    if (!healthy(r, now) || r.in_flight >= lane.config.max_concurrency ||
        (avoidable && i == avoid)) {
      continue;
    }
    if (best < 0 || r.in_flight < lane.replicas[static_cast<size_t>(best)].in_flight) {
      best = i;
    }
  }
  return best;
}

void
ClientPool::pump(Lane& lane)
{
  const auto now = Clock::now();
  for (;;) {
    // A request to send again goes first, to a replica other than the one that failed it.
    auto& from = !lane.retries.empty() && pick(lane, lane.retries.front()->avoid, now) >= 0
                     ? lane.retries
                     : lane.queue;
    if (from.empty()) {
      break;
    }
    const int replica = pick(lane, from.front()->avoid, now);
    if (replica < 0) {
      break;
    }
    auto job = std::move(from.front());
    from.pop_front();
    ++lane.replicas[static_cast<size_t>(replica)].in_flight;
    send(lane, replica, std::move(job));
  }
  if ((lane.queue.empty() && lane.retries.empty()) || lane.wake_pending ||
      std::any_of(lane.replicas.begin(), lane.replicas.end(),
                  [&](const Replica& r) { return healthy(r, now); })) {
    return; // nothing waits, or a healthy replica's replies pump the lane
  }
  // Work waits while every replica rests or is down: the lane is pumped
  // again when the first rest ends (a probe that finds one back pumps it too).
  std::optional<Clock::time_point> rest_ends;
  for (const auto& r : lane.replicas) {
    if (!r.down && r.resting_until > now && (!rest_ends || r.resting_until < *rest_ends)) {
      rest_ends = r.resting_until;
    }
  }
  if (rest_ends) {
    lane.wake_pending = true;
    auto timer = std::make_shared<asio::steady_timer>(m_io, *rest_ends);
    timer->async_wait([this, &lane, timer](const boost::system::error_code&) {
      lane.wake_pending = false;
      pump(lane);
    });
  }
}

const EndpointConfig&
ClientPool::endpoint(const std::string& name) const
{
  return m_lanes.at(name).config;
}

void
ClientPool::send(Lane& lane, int replica_index, std::shared_ptr<Job> job)
{
  Replica& replica = lane.replicas[static_cast<size_t>(replica_index)];
  if (m_cancelled) {
    // A retry whose delay ended after the run was stopped.
    --replica.in_flight;
    job->done(Error{Error::Kind::cancelled, "not sent: the run was stopped"});
    return;
  }
  job->replica = replica_index;
  ++job->attempts;
  ++m_stats.attempts;
  ++replica.stats.attempts;
  if (job->attempts > 1) {
    ++m_stats.retries;
  }
  HttpRequest http;
  http.url = openai_wire::request_url(replica.url, job->request);
  if (!job->body) {
    try {
      job->body = std::make_shared<const std::string>(openai_wire::request_body(
          job->request, lane.config.server.value_or(ServerDialect::openai)));
    } catch (const std::invalid_argument& e) {
      // A sampling parameter this server would drop: refused, never sent.
      --replica.in_flight;
      job->done(Error{Error::Kind::config,
                      fmt::format("not sent to {}: {}", lane.config.name, e.what())});
      return;
    }
    job->request.messages = {}; // in the body now
  }
  http.body = job->body;
  if (lane.api_key) {
    http.headers.push_back("Authorization: Bearer " + *lane.api_key);
  }
  http.connect_timeout =
      std::chrono::milliseconds(static_cast<long long>(lane.config.connect_timeout_s * 1000));
  http.total_timeout =
      std::chrono::milliseconds(static_cast<long long>(lane.config.timeout_s * 1000));
  // A transport may complete at once (inside start) or later: the reply is
  // handled in a handler of its own, never inside the transport's call, and
  // io_context::run() is kept alive until it is. The reply reaches the
  // io_context through the guard's executor, never through this pool, which a
  // failure unwinding the run may have destroyed first (the posted handler
  // then never runs).
  auto guard = asio::make_work_guard(m_io);
  m_transport.start(std::move(http), [this, &lane, job, guard](Result<HttpReply> reply) mutable {
    auto executor = guard.get_executor();
    asio::post(executor,
               [this, &lane, job, reply = std::move(reply), held = std::move(guard)]() mutable {
                 held.reset();
                 on_reply(lane, job, std::move(reply));
               });
  });
}

void
ClientPool::on_reply(Lane& lane, std::shared_ptr<Job> job, Result<HttpReply> reply)
{
  const int replica_index = job->replica;
  Replica& replica = lane.replicas[static_cast<size_t>(replica_index)];
  Result<Response> result =
      reply ? openai_wire::parse_chat_reply(*reply) : Result<Response>(reply.error());
  // What a server sent is kept as text (invalid UTF-8 replaced), and a key it
  // echoes (in an error body, or a reply) never goes further.
  for (std::string* text : result ? std::vector<std::string*>{&result->text, &result->finish_reason}
                                  : std::vector<std::string*>{&result.error().message}) {
    if (!well_formed_utf8(*text)) {
      *text = valid_utf8(*text);
    }
    for (const auto& secret : m_secrets) {
      redact(*text, secret);
    }
  }
  if (result) {
    for (std::string* text : {&result->model, &result->system_fingerprint}) {
      if (!well_formed_utf8(*text)) {
        *text = valid_utf8(*text);
      }
    }
    if (!result->model.empty()) {
      ++m_stats.served_models[lane.config.name][result->model];
    }
    result->attempts = job->attempts;
    ++m_stats.succeeded;
    --replica.in_flight;
    replica.failures_in_row = 0;
    job->done(std::move(result));
    pump(lane);
    return;
  }
  const Error& error = result.error();
  ++replica.stats.failures;
  job->avoid = replica_index;
  if (error.kind == Error::Kind::transport && lane.config.outage_s > 0) {
    --replica.in_flight;
    wait_for_endpoint(lane, replica_index, job, error); // not counted against the job's attempts
    return;
  }
  if (is_retryable(error.kind) && job->attempts < m_policy.max_attempts) {
    note_failure(lane, replica);
    const auto now = Clock::now();
    if (std::any_of(lane.replicas.begin(), lane.replicas.end(),
                    [&](const Replica& r) { return &r != &replica && healthy(r, now); })) {
      // Another replica takes it, as soon as one has room.
      --replica.in_flight;
      lane.retries.push_back(std::move(job));
      pump(lane);
      return;
    }
    // The replica's slot stays taken while the request waits to be sent again.
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    auto delay = retry_delay(m_policy, job->attempts, error.retry_after_s, jitter(m_rng));
    auto timer = std::make_shared<asio::steady_timer>(m_io, delay);
    timer->async_wait([this, &lane, &replica, job, timer](const boost::system::error_code&) {
      --replica.in_flight;
      if (m_cancelled) {
        job->done(Error{Error::Kind::cancelled, "not sent: the run was stopped"});
        return;
      }
      lane.retries.push_front(job);
      pump(lane);
    });
    return;
  }
  if (is_retryable(error.kind)) {
    note_failure(lane, replica);
  }
  Error final_error = error;
  final_error.message = fmt::format("{} ({} after {} attempt{})", error.message, lane.config.name,
                                    job->attempts, job->attempts == 1 ? "" : "s");
  final_error.attempts = job->attempts;
  ++m_stats.failed;
  --replica.in_flight;
  job->done(std::move(final_error));
  pump(lane);
}

void
ClientPool::note_failure(Lane& lane, Replica& replica)
{
  ++replica.failures_in_row;
  const auto now = Clock::now();
  if (lane.replicas.size() < 2 || replica.failures_in_row < k_replica_failures ||
      now < replica.resting_until) {
    return; // (a reply to a request sent before it was taken out)
  }
  const bool another_healthy =
      std::any_of(lane.replicas.begin(), lane.replicas.end(),
                  [&](const Replica& r) { return &r != &replica && healthy(r, now); });
  if (!another_healthy) {
    return; // the only one left: its requests retry with backoff
  }
  const int times = replica.stats.taken_out++;
  replica.resting_until = now + std::min<std::chrono::milliseconds>(
                                    std::chrono::milliseconds(10'000) * (1 << std::min(times, 5)),
                                    std::chrono::milliseconds(300'000));
  // Back on trial after the rest: one more failure takes it out again.
  replica.failures_in_row = k_replica_failures - 1;
}

bool
ClientPool::all_down(const Lane& lane) const
{
  return std::all_of(lane.replicas.begin(), lane.replicas.end(),
                     [](const Replica& r) { return r.down; });
}

void
ClientPool::wait_for_endpoint(Lane& lane, int replica_index, std::shared_ptr<Job> job,
                              const Error& error)
{
  if (m_cancelled) {
    job->done(Error{Error::Kind::cancelled, "not sent: the run was stopped"});
    return;
  }
  const auto now = Clock::now();
  Replica& replica = lane.replicas[static_cast<size_t>(replica_index)];
  if (!replica.down) {
    replica.down = true;
    replica.down_since = now;
    replica.probes = 0;
    probe(lane, replica_index);
  }
  if (all_down(lane)) {
    auto last_down = replica.down_since;
    for (const auto& r : lane.replicas) {
      last_down = std::max(last_down, r.down_since);
    }
    if (now - last_down > std::chrono::duration<double>(lane.config.outage_s)) {
      Error final_error = error;
      final_error.message = fmt::format("{} ({} down for more than {:g} s)", error.message,
                                        lane.config.name, lane.config.outage_s);
      final_error.attempts = job->attempts;
      ++m_stats.failed;
      job->done(std::move(final_error));
      return;
    }
  }
  --job->attempts; // the attempt that could not connect does not count
  lane.retries.push_back(std::move(job));
  pump(lane); // to another replica, if one is up
}

void
ClientPool::probe(Lane& lane, int replica_index)
{
  Replica& replica = lane.replicas[static_cast<size_t>(replica_index)];
  // Backoff 0.25 s, 0.5 s, 1 s, 2 s, then every 2 s.
  auto delay = std::chrono::milliseconds(250 << std::min(replica.probes, 3));
  ++replica.probes;
  auto timer = std::make_shared<asio::steady_timer>(m_io, delay);
  timer->async_wait(
      [this, &lane, &replica, replica_index, timer](const boost::system::error_code&) {
        if (m_cancelled) {
          fail_queued(lane, Error{Error::Kind::cancelled, "not sent: the run was stopped"});
          replica.down = false;
          return;
        }
        const bool idle = lane.queue.empty() && lane.retries.empty() &&
                          std::all_of(lane.replicas.begin(), lane.replicas.end(),
                                      [](const Replica& r) { return r.in_flight == 0; });
        if (idle) {
          // Nothing waits for it (the other replicas did the work): the next
          // request tries it again.
          replica.down = false;
          return;
        }
        HttpRequest http;
        http.method = "GET";
        http.url = openai_wire::models_url(replica.url);
        if (lane.api_key) {
          http.headers.push_back("Authorization: Bearer " + *lane.api_key);
        }
        http.connect_timeout =
            std::chrono::milliseconds(static_cast<long long>(lane.config.connect_timeout_s * 1000));
        http.total_timeout = http.connect_timeout + std::chrono::seconds(5);
        auto guard = asio::make_work_guard(m_io);
        m_transport.start(std::move(http), [this, &lane, &replica, replica_index,
                                            guard](Result<HttpReply> reply) mutable {
          auto executor = guard.get_executor();
          asio::post(executor, [this, &lane, &replica, replica_index, ok = reply.has_value(),
                                held = std::move(guard)]() mutable {
            held.reset();
            if (ok) {
              replica.down = false; // any HTTP answer: the server is back
              replica.failures_in_row = 0;
              pump(lane);
              return;
            }
            const auto down_for = Clock::now() - replica.down_since;
            if (down_for > std::chrono::duration<double>(lane.config.outage_s)) {
              // Given up on: tried again by the next request sent to it.
              const bool others_down = all_down(lane);
              replica.down = false;
              if (others_down) {
                fail_queued(lane, Error{Error::Kind::transport,
                                        fmt::format("{} down for more than {:g} s",
                                                    lane.config.name, lane.config.outage_s)});
              } else {
                pump(lane);
              }
              return;
            }
            probe(lane, replica_index);
          });
        });
      });
}

void
ClientPool::fail_queued(Lane& lane, const Error& error)
{
  auto queued = std::move(lane.retries);
  lane.retries.clear();
  queued.insert(queued.end(), lane.queue.begin(), lane.queue.end());
  lane.queue.clear();
  for (auto& job : queued) {
    Error e = error;
    e.attempts = job->attempts;
    if (e.kind != Error::Kind::cancelled) {
      ++m_stats.failed;
    }
    asio::post(m_io, [job, e] { job->done(e); });
  }
}

} // namespace harness::client
