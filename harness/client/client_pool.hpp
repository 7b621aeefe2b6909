#pragma once

#include <harness/client/http.hpp>
#include <harness/config.hpp>
#include <harness/error.hpp>
#include <harness/types.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace harness::client {

struct RetryPolicy
{
  int max_attempts = 6; // HTTP attempts per request, the first included
  std::chrono::milliseconds base_delay{500};
  std::chrono::milliseconds max_delay{30'000};
};

// Replaces every occurrence of `secret` in `text` with "[REDACTED]".
void redact(std::string& text, const std::string& secret);

// Delay before the next attempt after `failed_attempts` failures (>= 1):
// exponential backoff base * 2^(failed_attempts-1), scaled by `jitter` in
// [0.5, 1], never below the server's Retry-After, never above max_delay.
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int failed_attempts,
                                      std::optional<double> retry_after_s, double jitter);

// Counters over everything the pool sent.
struct PoolStats
{
  long attempts = 0;  // HTTP requests sent, retries included
  long retries = 0;   // attempts after the first
  long succeeded = 0; // requests that got a response
  long failed = 0;    // requests that failed for good
};

// Sends chat requests to named endpoints through a Transport, at most
// max_concurrency at a time per endpoint, retrying retryable failures
// (429, 5xx, timeouts, connection errors, invalid bodies) with backoff.
// Not thread-safe: submit() and every callback run on the io_context's
// thread; io_context::run() returns once all submitted work has finished.
class ClientPool
{
public:
  using Callback = std::function<void(Result<Response>)>;

  ClientPool(boost::asio::io_context& io, Transport& transport, RetryPolicy policy = {});

  // Registers an endpoint; `api_key` (read from the environment by the
  // caller) is only ever put into the Authorization header.
  void add_endpoint(const EndpointConfig& endpoint, std::optional<std::string> api_key);

  // Queues `request` for its endpoint (which must have been added); `done`
  // gets the response or the last Error, with the attempt count in it.
  void submit(ChatRequest request, Callback done);

  const PoolStats& stats() const { return m_stats; }

  // The configuration of the endpoint named `name` (which must have been
  // added).
  const EndpointConfig& endpoint(const std::string& name) const;

  // Stops sending: every queued request, and every retry waiting for its
  // turn, completes with a `cancelled` Error; requests already on the wire
  // still land. Later submits are cancelled too.
  void cancel_queued();

private:
  struct Job;
  struct Lane
  {
    EndpointConfig config;
    std::optional<std::string> api_key;
    int in_flight = 0;
    std::deque<std::shared_ptr<Job>> queue;
    // Down: nothing connects. Requests wait in the queue while the endpoint
    // is probed with backoff, up to config.outage_s.
    bool down = false;
    std::chrono::steady_clock::time_point down_since;
    int probes = 0;
  };

  void pump(Lane& lane);
  void send(Lane& lane, std::shared_ptr<Job> job);
  void on_reply(Lane& lane, std::shared_ptr<Job> job, Result<HttpReply> reply);
  // An outage: the job waits for the endpoint to come back (or fails, once
  // the outage is longer than outage_s); the endpoint is probed.
  void wait_for_endpoint(Lane& lane, std::shared_ptr<Job> job, const Error& error);
  void probe(Lane& lane);
  void fail_queued(Lane& lane, const Error& error);

  boost::asio::io_context& m_io;
  Transport& m_transport;
  RetryPolicy m_policy;
  std::map<std::string, Lane> m_lanes;
  std::mt19937_64 m_rng;
  PoolStats m_stats;
  bool m_cancelled = false;
  // Every configured API key: never stored, logged or reported, even when a
  // server echoes it (redacted from errors and replies).
  std::vector<std::string> m_secrets;
};

} // namespace harness::client
