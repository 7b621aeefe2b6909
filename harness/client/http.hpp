#pragma once

#include <harness/error.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
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
  // A POST's body, of `content_type` (none: null). Shared, not copied: a
  // sender keeps it to send again after a failure, without a second copy in
  // flight.
  std::shared_ptr<const std::string> body;
  std::string content_type = "application/json"; // a POST's (multipart/form-data; boundary=...)
  std::vector<std::string> headers;              // "Name: value"
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{600'000};
  // No reply is read past this: a server streaming without end fails the
  // request (a bad_response) instead of filling memory and the database. A
  // batch job's output file may be longer than a chat completion.
  std::size_t max_reply_bytes = 64 * 1024 * 1024;
};

struct HttpReply
{
  int status = 0;
  std::string body;
  std::optional<double> retry_after_s; // Retry-After or retry-after-ms, in seconds
  double elapsed_ms = 0;
};

// Sends HTTP requests. start() returns at once; `done` is called exactly once
// with the reply (any status) or a transport/timeout Error: later, from the
// io_context the transport runs on, or at once.
class Transport
{
public:
  using Done = std::function<void(Result<HttpReply>)>;
  virtual ~Transport() = default;
  virtual void start(HttpRequest request, Done done) = 0;
  // Sends one request and waits for its reply, running the transport's
  // io_context meanwhile: for the checks before a run, never from a handler.
  virtual Result<HttpReply> fetch(HttpRequest request) = 0;
};

// libcurl's multi interface on an io_context, in its thread: libcurl says
// which sockets to watch and when to call back (CURLMOPT_SOCKETFUNCTION,
// CURLMOPT_TIMERFUNCTION); an epoll set holds the sockets and the io_context
// watches that set, so a reply costs no thread hand-off and a wake-up costs
// the sockets ready, not every open connection. Every request shares the
// keep-alive connection cache. start() and the callbacks run on the
// io_context's thread; while transfers run, the io_context has work. The
// destructor (before the io_context's) drops what is in flight, completing
// nothing further.
class CurlTransport final : public Transport
{
public:
  explicit CurlTransport(boost::asio::io_context& io);
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  void start(HttpRequest request, Done done) override;
  Result<HttpReply> fetch(HttpRequest request) override;

private:
  struct Impl;
  std::shared_ptr<Impl> m_impl; // handlers still queued hold it weakly
};

// Parses a Retry-After value: delta seconds (fractions allowed) or an HTTP
// date; nullopt when it is neither.
std::optional<double> parse_retry_after(const std::string& value);

} // namespace harness::client
