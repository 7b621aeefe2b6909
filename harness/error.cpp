#include <harness/error.hpp>

namespace harness {

std::string_view
to_string(Error::Kind kind)
{
  switch (kind) {
  case Error::Kind::transport: return "transport";
  case Error::Kind::timeout: return "timeout";
  case Error::Kind::rate_limited: return "rate_limited";
  case Error::Kind::server: return "server";
  case Error::Kind::http: return "http";
  case Error::Kind::bad_response: return "bad_response";
  case Error::Kind::context_exceeded: return "context_exceeded";
  case Error::Kind::parse: return "parse";
  case Error::Kind::config: return "config";
  case Error::Kind::cancelled: return "cancelled";
  case Error::Kind::deferred: return "deferred";
  }
  return "unknown";
}

bool
is_retryable(Error::Kind kind)
{
  switch (kind) {
  case Error::Kind::transport:
  case Error::Kind::timeout:
  case Error::Kind::rate_limited:
  case Error::Kind::server:
  case Error::Kind::bad_response: return true;
  case Error::Kind::http:
  case Error::Kind::context_exceeded:
  case Error::Kind::parse:
  case Error::Kind::config:
  case Error::Kind::cancelled:
  case Error::Kind::deferred: return false;
  }
  return false;
}

} // namespace harness
