#include "support/scripted_transport.hpp"

#include <harness/client/client_pool.hpp>

#include <boost/asio/io_context.hpp>
#include <doctest/doctest.h>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

using namespace harness;
using namespace harness::client;
using namespace std::chrono_literals;
using testsupport::ok_reply;
using testsupport::ScriptedTransport;
using testsupport::status_reply;

TEST_SUITE_BEGIN("harness::client_pool");

namespace {

EndpointConfig
pool_endpoint(int concurrency = 4)
{
  EndpointConfig e;
  e.name = "ep";
  e.base_url = "http://127.0.0.1:1/v1";
  e.model = "m";
  e.max_concurrency = concurrency;
  return e;
}

ChatRequest
pool_request(const std::string& text = "hi")
{
  ChatRequest r;
  r.endpoint = "ep";
  r.model = "m";
  r.messages = {{Role::user, text}};
  return r;
}

RetryPolicy
fast_policy(int attempts = 4)
{
  return RetryPolicy{attempts, 1ms, 50ms};
}

// Submits one request, runs the pool to completion, returns the result.
Result<Response>
run_one(ScriptedTransport& transport, RetryPolicy policy, std::optional<std::string> key = {},
        double outage_s = 0)
{
  boost::asio::io_context io;
  ClientPool pool(io, transport, policy);
  auto endpoint = pool_endpoint();
  endpoint.outage_s = outage_s; // 0: a connection error is retried like any other
  pool.add_endpoint(endpoint, std::move(key));
  std::optional<Result<Response>> out;
  pool.submit(pool_request(), [&](Result<Response> r) { out = std::move(r); });
  io.run();
  REQUIRE(out.has_value());
  return std::move(*out);
}

} // namespace

TEST_CASE("retry_delay: exponential, jittered, at least Retry-After, capped")
{
  RetryPolicy p{6, 500ms, 30'000ms};
  CHECK(retry_delay(p, 1, std::nullopt, 1.0) == 500ms);
  CHECK(retry_delay(p, 2, std::nullopt, 1.0) == 1000ms);
  CHECK(retry_delay(p, 3, std::nullopt, 0.5) == 1000ms);
  CHECK(retry_delay(p, 1, 7.5, 1.0) == 7500ms);             // Retry-After wins when longer
  CHECK(retry_delay(p, 4, 0.1, 1.0) == 4000ms);             // backoff wins when longer
  CHECK(retry_delay(p, 20, std::nullopt, 1.0) == 30'000ms); // cap
  CHECK(retry_delay(p, 1, 120.0, 1.0) == 30'000ms);         // cap applies to Retry-After too
}

TEST_CASE("a success is returned with its attempt count and the request is well formed")
{
  ScriptedTransport t([](const HttpRequest&, int) { return Result<HttpReply>(ok_reply("fine")); });
  auto r = run_one(t, fast_policy(), std::string("sk-test"));
  REQUIRE(r);
  CHECK(r->text == "fine");
  CHECK(r->attempts == 1);
  REQUIRE(t.requests.size() == 1);
  CHECK(t.requests[0].url == "http://127.0.0.1:1/v1/chat/completions");
  CHECK(t.requests[0].headers == std::vector<std::string>{"Authorization: Bearer sk-test"});
}

TEST_CASE("a reply with invalid UTF-8 or a lone surrogate is kept, the bad parts replaced")
{
  const std::string fffd = "\xEF\xBF\xBD";
  for (const auto& [content, expected] : std::vector<std::pair<std::string, std::string>>{
           {"ok \xFF\xFE end", "ok " + fffd + fffd + " end"},
           {"ok \\ud800 end", "ok " + fffd + " end"}}) {
    ScriptedTransport t([&content](const HttpRequest&, int) {
      HttpReply reply = ok_reply("placeholder");
      auto at = reply.body.find("placeholder");
      reply.body.replace(at, 11, content);
      return Result<HttpReply>(reply);
    });
    auto r = run_one(t, fast_policy(1));
    REQUIRE(r);
    CHECK(r->text == expected);
  }
}

TEST_CASE("an echoed key is redacted in the answer and its finish_reason, a short one never")
{
  const std::string key = "sk-test-0123456789";
  ScriptedTransport t([&key](const HttpRequest&, int) {
    HttpReply reply = ok_reply("placeholder");
    reply.body.replace(reply.body.find("placeholder"), 11, "I saw " + key);
    const auto finish = reply.body.find("\"stop\"");
    REQUIRE(finish != std::string::npos);
    reply.body.replace(finish, 6, "\"" + key + "\"");
    return Result<HttpReply>(reply);
  });
  auto r = run_one(t, fast_policy(), key);
  REQUIRE(r);
  CHECK(r->text == "I saw [REDACTED]");
  CHECK(r->finish_reason == "[REDACTED]");
  // "EMPTY", a local server's usual key, is left alone: replacing it would change answers.
  ScriptedTransport local(
      [](const HttpRequest&, int) { return Result<HttpReply>(ok_reply("EMPTY")); });
  auto answer = run_one(local, fast_policy(), std::string("EMPTY"));
  REQUIRE(answer);
  CHECK(answer->text == "EMPTY");
}

TEST_CASE("429 with Retry-After is retried no sooner than the server asked")
{
  ScriptedTransport t([](const HttpRequest&, int i) {
    if (i == 0) {
      auto r = status_reply(429);
      r.retry_after_s = 0.2;
      return Result<HttpReply>(r);
    }
    return Result<HttpReply>(ok_reply("after wait"));
  });
  auto r = run_one(t, RetryPolicy{4, 1ms, 5000ms});
  REQUIRE(r);
  CHECK(r->attempts == 2);
  REQUIRE(t.started_at.size() == 2);
  CHECK(t.started_at[1] - t.started_at[0] >= 200ms);
}

TEST_CASE("timeouts, 5xx, connection errors and invalid bodies are retried")
{
  ScriptedTransport t([](const HttpRequest&, int i) -> Result<HttpReply> {
    switch (i) {
    case 0: return Error(Error::Kind::timeout, "timed out");
    case 1: return status_reply(502, "bad gateway");
    case 2: return Error(Error::Kind::transport, "connection reset");
    case 3: return status_reply(200, R"({"id":"chatcmpl-garbage","object":"chat.compl)");
    default: return ok_reply("finally");
    }
  });
  auto r = run_one(t, fast_policy(6));
  REQUIRE(r);
  CHECK(r->text == "finally");
  CHECK(r->attempts == 5);
}

TEST_CASE("a retry sends the body of the first attempt, the same text, not built again")
{
  ScriptedTransport t([](const HttpRequest&, int i) -> Result<HttpReply> {
    return i == 0 ? Result<HttpReply>(status_reply(503, "busy")) : ok_reply("second");
  });
  auto r = run_one(t, fast_policy(3));
  REQUIRE(r);
  REQUIRE(t.requests.size() == 2);
  REQUIRE(t.requests[0].body);
  // The request's messages went into the first body, and are not kept beside it.
  const auto sent = nlohmann::json::parse(*t.requests[0].body);
  CHECK(sent["messages"].at(0)["content"] == pool_request().messages.at(0).content);
  CHECK(t.requests[1].body == t.requests[0].body); // one text, shared by both attempts
}

TEST_CASE("an endpoint that cannot be reached is paused and probed, not retried to death")
{
  // Six connection failures (more than the 3 attempts allowed), then the
  // server is back: its requests wait, /models is probed, then they go out.
  ScriptedTransport t([](const HttpRequest& r, int i) -> Result<HttpReply> {
    if (i < 6) {
      return Error(Error::Kind::transport, "connection refused");
    }
    return r.method == "GET" ? status_reply(200, R"({"data":[]})") : ok_reply("back");
  });
  auto r = run_one(t, fast_policy(3), std::nullopt, 60);
  REQUIRE(r);
  CHECK(r->text == "back");
  CHECK(r->attempts == 1); // the attempts that could not connect do not count
  REQUIRE(t.requests.size() >= 8);
  CHECK(t.requests[0].method == "POST");
  for (size_t i = 1; i + 1 < t.requests.size(); ++i) {
    CHECK(t.requests[i].method == "GET"); // probes of /models while it was down
    CHECK(t.requests[i].url == "http://127.0.0.1:1/v1/models");
  }
  CHECK(t.requests.back().method == "POST");

  // Down for longer than outage_s: the request fails with the reason.
  ScriptedTransport never([](const HttpRequest&, int) -> Result<HttpReply> {
    return Error(Error::Kind::transport, "connection refused");
  });
  auto failed = run_one(never, fast_policy(3), std::nullopt, 0.6);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().kind == Error::Kind::transport);
  CHECK(failed.error().message.find("down for more than 0.6 s") != std::string::npos);
}

TEST_CASE("attempts are bounded, the last error is returned with its count")
{
  ScriptedTransport t([](const HttpRequest&, int) { return Result<HttpReply>(status_reply(500)); });
  auto r = run_one(t, fast_policy(3));
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == Error::Kind::server);
  CHECK(r.error().attempts == 3);
  CHECK(r.error().message.find("after 3 attempts") != std::string::npos);
  CHECK(t.requests.size() == 3);
}

TEST_CASE("client errors are not retried")
{
  ScriptedTransport t([](const HttpRequest&, int) { return Result<HttpReply>(status_reply(400)); });
  auto r = run_one(t, fast_policy(5));
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == Error::Kind::http);
  CHECK(t.requests.size() == 1);
}

TEST_CASE("no more than max_concurrency requests are in flight per endpoint")
{
  ScriptedTransport t([](const HttpRequest&, int) { return Result<HttpReply>(ok_reply("x")); });
  t.hold = true;
  boost::asio::io_context io;
  ClientPool pool(io, t, fast_policy());
  pool.add_endpoint(pool_endpoint(3), std::nullopt);
  int done = 0;
  for (int i = 0; i < 10; ++i) {
    pool.submit(pool_request("q" + std::to_string(i)), [&](Result<Response> r) {
      CHECK(r);
      ++done;
    });
  }
  size_t most = 0;
  while (done < 10) {
    io.poll();
    most = std::max(most, t.pending.size());
    CHECK(t.pending.size() <= 3);
    if (!t.release_one()) {
      io.run_one();
    }
  }
  io.run();
  CHECK(most == 3);
  CHECK(done == 10);
  CHECK(pool.stats().succeeded == 10);
  CHECK(pool.stats().attempts == 10);
}

TEST_CASE("an unknown endpoint is a config error, not a crash")
{
  ScriptedTransport t([](const HttpRequest&, int) { return Result<HttpReply>(ok_reply("x")); });
  boost::asio::io_context io;
  ClientPool pool(io, t);
  std::optional<Result<Response>> out;
  pool.submit(pool_request(), [&](Result<Response> r) { out = std::move(r); });
  io.run();
  REQUIRE(out);
  REQUIRE_FALSE(*out);
  CHECK(out->error().kind == Error::Kind::config);
}

// Three replicas of one endpoint, the second failing every request with a
// 500: every request is answered, none fails, the failing replica is taken
// out after k_replica_failures failures and reported unhealthy, and the
// requests it failed were sent again elsewhere at once.
TEST_CASE("replicas: one failing every request is taken out, its work goes elsewhere")
{
  ScriptedTransport transport([](const HttpRequest& request, int) -> Result<HttpReply> {
    if (request.url.find(":2/") != std::string::npos) {
      return status_reply(500, R"({"error":{"message":"boom"}})");
    }
    return ok_reply("fine");
  });
  boost::asio::io_context io;
  // Backoff far longer than the test: a retry that waited for it would time the test out.
  ClientPool pool(io, transport, RetryPolicy{6, 60s, 60s});
  auto endpoint = pool_endpoint(2);
  endpoint.replica_urls = {"http://127.0.0.1:1/v1", "http://127.0.0.1:2/v1",
                           "http://127.0.0.1:3/v1"};
  pool.add_endpoint(endpoint, std::nullopt);
  int ok = 0;
  int failed = 0;
  for (int i = 0; i < 60; ++i) {
    pool.submit(pool_request("q" + std::to_string(i)),
                [&](Result<Response> r) { (r ? ok : failed) += 1; });
  }
  io.run();
  CHECK(ok == 60);
  CHECK(failed == 0);
  CHECK(pool.stats().failed == 0);
  int to_failing = 0;
  for (const auto& request : transport.requests) {
    to_failing += request.url == "http://127.0.0.1:2/v1/chat/completions";
  }
  // At most its concurrency (2) in flight when the third failure came, so
  // 3 or 4 requests reached it before it was taken out, and none after.
  CHECK(to_failing >= ClientPool::k_replica_failures);
  CHECK(to_failing <= ClientPool::k_replica_failures + 1);
  CHECK(pool.stats().attempts == 60 + to_failing);
  const auto replicas = pool.replicas();
  REQUIRE(replicas.size() == 3);
  CHECK(replicas[0].healthy);
  CHECK_FALSE(replicas[1].healthy);
  CHECK(replicas[1].taken_out == 1);
  CHECK(replicas[1].failures == to_failing);
  CHECK(replicas[2].healthy);
  CHECK(replicas[0].failures + replicas[2].failures == 0);
  CHECK(replicas[0].attempts + replicas[2].attempts == 60);
}

// Requests go to the replica with the fewest in flight.
TEST_CASE("replicas: each request goes to the least loaded one")
{
  ScriptedTransport transport([](const HttpRequest&, int) { return ok_reply("x"); });
  transport.hold = true;
  boost::asio::io_context io;
  ClientPool pool(io, transport, fast_policy());
  auto endpoint = pool_endpoint(8);
  endpoint.replica_urls = {"http://127.0.0.1:1/v1", "http://127.0.0.1:2/v1"};
  pool.add_endpoint(endpoint, std::nullopt);
  int done = 0;
  for (int i = 0; i < 4; ++i) {
    pool.submit(pool_request(), [&](Result<Response>) { ++done; });
  }
  REQUIRE(transport.requests.size() == 4);
  // Ties go to the first: 1, 2, 1, 2.
  CHECK(transport.requests[0].url.find(":1/") != std::string::npos);
  CHECK(transport.requests[1].url.find(":2/") != std::string::npos);
  CHECK(transport.requests[2].url.find(":1/") != std::string::npos);
  CHECK(transport.requests[3].url.find(":2/") != std::string::npos);
  // Two of replica 1's requests finish: the next two both go to it.
  transport.release_one();                            // request 0 (replica 1)
  transport.pending.erase(transport.pending.begin()); // keep request 1 (replica 2) held
  io.poll();
  CHECK(done == 1);
  pool.submit(pool_request(), [&](Result<Response>) { ++done; });
  REQUIRE(transport.requests.size() == 5);
  CHECK(transport.requests[4].url.find(":1/") != std::string::npos);
  while (transport.release_one()) {
  }
  io.run();
}

// Who answered: counted by the model its responses name.
TEST_CASE("the model each response names is counted per endpoint")
{
  ScriptedTransport transport([](const HttpRequest&, int index) -> Result<HttpReply> {
    HttpReply r;
    r.status = 200;
    r.body = fmt::format(R"({{"model":"{}","choices":[{{"message":{{"content":"x"}}}}]}})",
                         index == 1 ? "m-2024-08-06" : "m");
    return r;
  });
  boost::asio::io_context io;
  ClientPool pool(io, transport, fast_policy());
  pool.add_endpoint(pool_endpoint(), std::nullopt);
  for (int i = 0; i < 3; ++i) {
    pool.submit(pool_request(), [](Result<Response> r) { REQUIRE(r); });
  }
  io.run();
  const auto& served = pool.stats().served_models.at("ep");
  CHECK(served.at("m") == 2);
  CHECK(served.at("m-2024-08-06") == 1);
}

TEST_SUITE_END();
