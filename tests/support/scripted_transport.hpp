#pragma once

#include <harness/client/http.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace testsupport {

// A Transport that answers from a script instead of the network. Each
// start() is recorded; the reply comes from `next` (called with the request
// and its 0-based index). With `hold` set, replies wait in `pending` until
// release_one() is called, to observe concurrency.
class ScriptedTransport : public harness::client::Transport
{
public:
  using Script = std::function<harness::Result<harness::client::HttpReply>(
      const harness::client::HttpRequest&, int)>;

  explicit ScriptedTransport(Script script) : m_script(std::move(script)) {}

  void start(harness::client::HttpRequest request, Done done) override
  {
    int index = 0;
    {
      std::lock_guard lock(m_mutex);
      index = static_cast<int>(requests.size());
      requests.push_back(request);
      started_at.push_back(std::chrono::steady_clock::now());
    }
    auto reply = m_script(request, index);
    if (hold) {
      pending.emplace_back([done, reply] { done(reply); });
      return;
    }
    done(std::move(reply));
  }

  harness::Result<harness::client::HttpReply> fetch(harness::client::HttpRequest request) override
  {
    std::optional<harness::Result<harness::client::HttpReply>> reply;
    start(std::move(request), [&reply](auto r) { reply = std::move(r); });
    if (!reply) {
      return harness::Error{harness::Error::Kind::transport, "held by the test"};
    }
    return std::move(*reply);
  }

  // Completes the oldest held request; false when none is held.
  bool release_one()
  {
    if (pending.empty()) {
      return false;
    }
    auto f = std::move(pending.front());
    pending.pop_front();
    f();
    return true;
  }

  bool hold = false;
  std::deque<std::function<void()>> pending;
  std::vector<harness::client::HttpRequest> requests;
  std::vector<std::chrono::steady_clock::time_point> started_at;

private:
  Script m_script;
  std::mutex m_mutex;
};

// A 200 chat completion whose content is `text`.
inline harness::client::HttpReply
ok_reply(const std::string& text)
{
  harness::client::HttpReply r;
  r.status = 200;
  r.body =
      R"({"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":")" +
      text + R"("},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2}})";
  return r;
}

inline harness::client::HttpReply
status_reply(int status, std::string body = R"({"error":{"message":"nope","type":"x"}})")
{
  harness::client::HttpReply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

} // namespace testsupport
