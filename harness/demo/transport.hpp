#pragma once

#include <harness/client/http.hpp>

namespace harness::demo {

// A Transport that answers every request in-process with the demo backend's
// reply (route()), whatever its URL: what a dry run sends its requests to,
// so that nothing leaves the process.
class InProcessTransport final : public client::Transport
{
public:
  // Calls `done` before returning.
  void start(client::HttpRequest request, Done done) override;
  Result<client::HttpReply> fetch(client::HttpRequest request) override;
};

} // namespace harness::demo
