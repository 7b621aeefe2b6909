#pragma once

#include <functional>
#include <memory>
#include <string>

namespace harness::demo {

// An HTTP/1.1 server on 127.0.0.1 (a free port) speaking the OpenAI
// chat-completions API with demo_reply() answers, on its own thread.
// Serves POST /v1/chat/completions, POST /v1/completions, GET /v1/models and GET /health, with
// keep-alive. Stops and joins in the destructor.
class DemoServer
{
public:
  DemoServer();
  ~DemoServer();
  DemoServer(const DemoServer&) = delete;
  DemoServer& operator=(const DemoServer&) = delete;

  unsigned short port() const;
  // "http://127.0.0.1:PORT/v1"
  std::string base_url() const;
  // Chat requests answered so far.
  long requests_served() const;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace harness::demo
