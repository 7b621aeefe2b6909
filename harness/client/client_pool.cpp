#include <harness/client/client_pool.hpp>
#include <harness/client/openai_wire.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <cmath>

namespace harness::client {

namespace asio = boost::asio;

struct ClientPool::Job
{
  ChatRequest request;
  std::string body;
  Callback done;
  int attempts = 0;
};

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
  auto job = std::make_shared<Job>();
  job->body = openai_wire::request_body(request);
  job->request = std::move(request);
  job->done = std::move(done);
  it->second.queue.push_back(std::move(job));
  pump(it->second);
}

void
ClientPool::pump(Lane& lane)
{
  while (lane.in_flight < lane.config.max_concurrency && !lane.queue.empty()) {
    auto job = std::move(lane.queue.front());
    lane.queue.pop_front();
    ++lane.in_flight;
    send(lane, std::move(job));
  }
}

void
ClientPool::send(Lane& lane, std::shared_ptr<Job> job)
{
  ++job->attempts;
  ++m_stats.attempts;
  if (job->attempts > 1) {
    ++m_stats.retries;
  }
  HttpRequest http;
  http.url = openai_wire::request_url(lane.config.base_url, job->request);
  http.body = job->body;
  if (lane.api_key) {
    http.headers.push_back("Authorization: Bearer " + *lane.api_key);
  }
  http.connect_timeout =
      std::chrono::milliseconds(static_cast<long long>(lane.config.connect_timeout_s * 1000));
  http.total_timeout =
      std::chrono::milliseconds(static_cast<long long>(lane.config.timeout_s * 1000));
  // The transport completes on its own thread: hop back to ours, and keep
  // io_context::run() alive until it does. The guard moves into the posted
  // handler: what the transport thread destroys afterwards must not touch
  // the io_context, which may be gone by then.
  auto guard = asio::make_work_guard(m_io);
  m_transport.start(std::move(http), [this, &lane, job, guard](Result<HttpReply> reply) mutable {
    asio::post(m_io,
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
  if (result) {
    result->attempts = job->attempts;
    ++m_stats.succeeded;
    --lane.in_flight;
    job->done(std::move(result));
    pump(lane);
    return;
  }
  const Error& error = result.error();
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

} // namespace harness::client
