#pragma once

#include <harness/error.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace harness::client {

struct HttpRequest
{
  std::string method = "POST"; // POST or GET
  std::string url;
  std::string body;                 // sent as application/json when non-empty
  std::vector<std::string> headers; // "Name: value"
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{600'000};
};

struct HttpReply
{
  int status = 0;
  std::string body;
  std::optional<double> retry_after_s; // Retry-After or retry-after-ms, in seconds
  double elapsed_ms = 0;
};

// Sends HTTP requests. start() returns at once; `done` is called exactly once,
// from any thread, with the reply (any status) or a transport/timeout Error.
class Transport
{
public:
  using Done = std::function<void(Result<HttpReply>)>;
  virtual ~Transport() = default;
  virtual void start(HttpRequest request, Done done) = 0;
};

// libcurl multi on one background thread (curl_multi_poll loop): every
// request in flight shares that thread and the multi handle's keep-alive
// connection cache. Thread-safe start(); the destructor stops the thread and
// completes nothing further.
class CurlTransport final : public Transport
{
public:
  CurlTransport();
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  void start(HttpRequest request, Done done) override;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Parses a Retry-After value: delta seconds (fractions allowed) or an HTTP
// date; nullopt when it is neither.
std::optional<double> parse_retry_after(const std::string& value);

} // namespace harness::client
