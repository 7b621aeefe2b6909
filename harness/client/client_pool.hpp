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
  // By endpoint name: the model each response named (its `model` field), and
  // how many responses named it.
  std::map<std::string, std::map<std::string, long>> served_models;
};

// One URL of an endpoint with several (`base_urls`), as the pool used it.
struct ReplicaStats
{
  std::string endpoint;
  std::string url;
  long attempts = 0;   // HTTP requests sent to it
  long failures = 0;   // of them, those that failed (no connection, 5xx, timeout, bad body)
  int taken_out = 0;   // times it was taken out of the rotation for failing repeatedly
  bool healthy = true; // in the rotation when asked
};

// Sends chat requests to named endpoints through a Transport, at most
// max_concurrency at a time per endpoint URL, retrying retryable failures
// (429, 5xx, timeouts, connection errors, invalid bodies) with backoff.
// An endpoint with replicas (several URLs) sends each request to the
// replica with the fewest requests in flight among the healthy ones; a
// replica that fails k_replica_failures replies in a row while another is
// healthy is taken out of the rotation for a while (10 s, doubling with each
// time, up to 5 min), and a request it failed is retried on another at once.
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

  // Every replica of the endpoints with more than one URL, in the order added.
  std::vector<ReplicaStats> replicas() const;

  static constexpr int k_replica_failures = 3;

  // The configuration of the endpoint named `name` (which must have been
  // added).
  const EndpointConfig& endpoint(const std::string& name) const;

  // Stops sending: every queued request, and every retry waiting for its
  // turn, completes with a `cancelled` Error; requests already on the wire
  // still land. Later submits are cancelled too.
  void cancel_queued();

private:
  struct Job;
  using Clock = std::chrono::steady_clock;
  struct Replica
  {
    std::string url;
    int in_flight = 0;
    // Down: nothing connects. It is probed with backoff; requests go to the
    // other replicas, or wait in the queue, up to config.outage_s.
    bool down = false;
    Clock::time_point down_since;
    int probes = 0;
    int failures_in_row = 0;         // failed replies since its last good one
    Clock::time_point resting_until; // taken out of the rotation until then
    ReplicaStats stats;
  };
  struct Lane
  {
    EndpointConfig config;
    std::optional<std::string> api_key;
    std::vector<Replica> replicas;
    std::deque<std::shared_ptr<Job>> queue;   // not sent yet
    std::deque<std::shared_ptr<Job>> retries; // failed on a replica, first in line
    bool wake_pending = false;                // a timer pumps the lane when a rest ends
  };

  void pump(Lane& lane);
  // Whether a replica is in the rotation: up and not resting.
  static bool healthy(const Replica& replica, Clock::time_point now);
  // The replica a request goes to now: the healthy one with the fewest in
  // flight that has room for one more, never `avoid` while another replica
  // is healthy (the request waits for that one instead); -1: none now.
  int pick(const Lane& lane, int avoid, Clock::time_point now) const;
  void send(Lane& lane, int replica, std::shared_ptr<Job> job);
  void on_reply(Lane& lane, std::shared_ptr<Job> job, Result<HttpReply> reply);
  // A replica failed a reply: counted, and taken out after k_replica_failures
  // in a row while another is healthy.
  void note_failure(Lane& lane, Replica& replica);
  // An outage: the job goes to another replica, or waits for one to come
  // back (or fails, once every replica has been down longer than outage_s);
  // the replica is probed.
  void wait_for_endpoint(Lane& lane, int replica, std::shared_ptr<Job> job, const Error& error);
  void probe(Lane& lane, int replica);
  bool all_down(const Lane& lane) const;
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
