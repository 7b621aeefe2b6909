#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace harness {

// Why something that can fail in normal operation failed. The kind decides
// whether the client pool retries (see is_retryable) and is stored with
// every recorded failure.
struct Error
{
  enum class Kind {
    transport,        // connection refused/reset, DNS, TLS
    timeout,          // connect or total timeout
    rate_limited,     // HTTP 429
    server,           // HTTP 5xx
    http,             // any other non-2xx status (not retried)
    bad_response,     // 2xx whose body is not a valid chat completion
    context_exceeded, // the prompt (with max_tokens) is over the server's context (not retried)
    parse,            // a judgment or data record that does not parse
    config,           // bad configuration or input file
    cancelled,        // not sent: the run was stopped first (a signal); nothing to record
    deferred,         // not sent now: held for a batch job (run --batch); nothing to record
  };

  Error() = default;
  Error(Kind kind_, std::string message_, int http_status_ = 0,
        std::optional<double> retry_after_s_ = std::nullopt)
      : kind(kind_), message(std::move(message_)), http_status(http_status_),
        retry_after_s(retry_after_s_)
  {}

  Kind kind = Kind::config;
  std::string message;
  int http_status = 0;                 // 0 when there was no HTTP reply
  std::optional<double> retry_after_s; // from Retry-After / retry-after-ms
  int attempts = 0;                    // HTTP attempts made, set by the client pool
};

// Stable lower-case name of a kind, as stored in the database.
std::string_view to_string(Error::Kind kind);

// True for the kinds the client pool retries: transport, timeout,
// rate_limited, server and bad_response.
bool is_retryable(Error::Kind kind);

// A value or an Error; shaped like std::expected so it can be swapped later.
template <typename T>
class Result
{
public:
  Result(T value) : m_data(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : m_data(std::in_place_index<1>, std::move(error)) {}

  bool has_value() const { return m_data.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(m_data); }
  const T& value() const& { return std::get<0>(m_data); }
  T&& value() && { return std::get<0>(std::move(m_data)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(m_data); }
  Error& error() { return std::get<1>(m_data); }

private:
  std::variant<T, Error> m_data;
};

// Unrecoverable usage or configuration error: caught only in main(), printed,
// and turned into a non-zero exit status.
class Fatal : public std::runtime_error
{
public:
  explicit Fatal(const std::string& message, int exit_code = 2)
      : std::runtime_error(message), m_exit_code(exit_code)
  {}
  int exit_code() const { return m_exit_code; }

private:
  int m_exit_code;
};

} // namespace harness
