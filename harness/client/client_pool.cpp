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

// A request's body is built when it is sent (again for a retry, which is
// rare), not kept beside the request while it waits or is in flight.
struct ClientPool::Job
{
  ChatRequest request;
  Callback done;
  int attempts = 0;
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
    auto queued = std::move(lane.queue);
    lane.queue.clear();
    for (auto& job : queued) {
      asio::post(m_io, [job] {
        job->done(Error{Error::Kind::cancelled, "not sent: the run was stopped"});
      });
    }
  }
}

void
ClientPool::pump(Lane& lane)
{
  while (!lane.down && lane.in_flight < lane.config.max_concurrency && !lane.queue.empty()) {
    auto job = std::move(lane.queue.front());
    lane.queue.pop_front();
    ++lane.in_flight;
    send(lane, std::move(job));
  }
}

const EndpointConfig&
ClientPool::endpoint(const std::string& name) const
{
  return m_lanes.at(name).config;
}

void
ClientPool::send(Lane& lane, std::shared_ptr<Job> job)
{
  if (m_cancelled) {
    // A retry whose delay ended after the run was stopped.
    --lane.in_flight;
    job->done(Error{Error::Kind::cancelled, "not sent: the run was stopped"});
    return;
  }
  ++job->attempts;
  ++m_stats.attempts;
  if (job->attempts > 1) {
    ++m_stats.retries;
  }
  HttpRequest http;
  http.url = openai_wire::request_url(lane.config.base_url, job->request);
  try {
    http.body =
        openai_wire::request_body(job->request, lane.config.server.value_or(ServerDialect::openai));
  } catch (const std::invalid_argument& e) {
    // A sampling parameter this server would drop: refused, never sent.
    --lane.in_flight;
    job->done(
        Error{Error::Kind::config, fmt::format("not sent to {}: {}", lane.config.name, e.what())});
    return;
  }
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
    result->attempts = job->attempts;
    ++m_stats.succeeded;
    --lane.in_flight;
    job->done(std::move(result));
    pump(lane);
    return;
  }
  const Error& error = result.error();
  if (error.kind == Error::Kind::transport && lane.config.outage_s > 0) {
    --lane.in_flight;
    wait_for_endpoint(lane, job, error); // not counted against the job's attempts
    return;
  }
  if (is_retryable(error.kind) && job->attempts < m_policy.max_attempts) {
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    auto delay = retry_delay(m_policy, job->attempts, error.retry_after_s, jitter(m_rng));
    auto timer = std::make_shared<asio::steady_timer>(m_io, delay);
    timer->async_wait(
        [this, &lane, job, timer](const boost::system::error_code&) { send(lane, job); });
    return;
  }
  Error final_error = error;
  final_error.message = fmt::format("{} ({} after {} attempt{})", error.message, lane.config.name,
                                    job->attempts, job->attempts == 1 ? "" : "s");
  final_error.attempts = job->attempts;
  ++m_stats.failed;
  --lane.in_flight;
  job->done(std::move(final_error));
  pump(lane);
}

void
ClientPool::wait_for_endpoint(Lane& lane, std::shared_ptr<Job> job, const Error& error)
{
  const auto now = std::chrono::steady_clock::now();
  if (!lane.down) {
    lane.down = true;
    lane.down_since = now;
    lane.probes = 0;
    probe(lane);
  }
  if (now - lane.down_since > std::chrono::duration<double>(lane.config.outage_s)) {
    Error final_error = error;
    final_error.message = fmt::format("{} ({} down for more than {:g} s)", error.message,
                                      lane.config.name, lane.config.outage_s);
    final_error.attempts = job->attempts;
    ++m_stats.failed;
    job->done(std::move(final_error));
    return;
  }
  --job->attempts; // the attempt that could not connect does not count
  lane.queue.push_front(std::move(job));
}

void
ClientPool::probe(Lane& lane)
{
  // Backoff 0.25 s, 0.5 s, 1 s, 2 s, then every 2 s.
  auto delay = std::chrono::milliseconds(250 << std::min(lane.probes, 3));
  ++lane.probes;
  auto timer = std::make_shared<asio::steady_timer>(m_io, delay);
  timer->async_wait([this, &lane, timer](const boost::system::error_code&) {
    if (m_cancelled) {
      fail_queued(lane, Error{Error::Kind::cancelled, "not sent: the run was stopped"});
      lane.down = false;
      return;
    }
    HttpRequest http;
    http.method = "GET";
    http.url = lane.config.base_url + "/models";
    if (lane.api_key) {
      http.headers.push_back("Authorization: Bearer " + *lane.api_key);
    }
    http.connect_timeout =
        std::chrono::milliseconds(static_cast<long long>(lane.config.connect_timeout_s * 1000));
    http.total_timeout = http.connect_timeout + std::chrono::seconds(5);
    auto guard = asio::make_work_guard(m_io);
    m_transport.start(std::move(http), [this, &lane, guard](Result<HttpReply> reply) mutable {
      auto executor = guard.get_executor();
      asio::post(executor,
                 [this, &lane, ok = reply.has_value(), held = std::move(guard)]() mutable {
                   held.reset();
                   if (ok) {
                     lane.down = false; // any HTTP answer: the server is back
                     pump(lane);
                     return;
                   }
                   const auto down_for = std::chrono::steady_clock::now() - lane.down_since;
                   if (down_for > std::chrono::duration<double>(lane.config.outage_s)) {
                     lane.down = false;
                     fail_queued(lane, Error{Error::Kind::transport,
                                             fmt::format("{} down for more than {:g} s",
                                                         lane.config.name, lane.config.outage_s)});
                     return;
                   }
                   probe(lane);
                 });
    });
  });
}

void
ClientPool::fail_queued(Lane& lane, const Error& error)
{
  auto queued = std::move(lane.queue);
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
