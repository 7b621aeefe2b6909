#include <harness/client/http.hpp>
#include <harness/demo/server.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <doctest/doctest.h>

#include <optional>

using namespace harness;
using namespace harness::client;
using namespace harness::demo;
using namespace std::chrono_literals;

TEST_SUITE_BEGIN("harness::http");

TEST_CASE("CurlTransport talks HTTP to a loopback server")
{
  DemoServer server;
  boost::asio::io_context io;
  CurlTransport transport(io);
  HttpRequest get;
  get.method = "GET";
  get.url = server.base_url() + "/models";
  auto models = transport.fetch(get);
  REQUIRE(models);
  CHECK(models->status == 200);
  CHECK(models->body.find("evalrun-demo") != std::string::npos);

  HttpRequest post;
  post.url = server.base_url() + "/chat/completions";
  post.body = R"({"model":"evalrun-demo","messages":[{"role":"user","content":"hello"}]})";
  auto chat = transport.fetch(post);
  REQUIRE(chat);
  CHECK(chat->status == 200);
  CHECK(chat->body.find("chat.completion") != std::string::npos);
  CHECK(server.requests_served() == 1);
}

TEST_CASE("many concurrent requests complete on the io_context's thread, which then has no work")
{
  DemoServer server;
  boost::asio::io_context io;
  CurlTransport transport(io);
  constexpr int k_requests = 200;
  std::vector<std::optional<Result<HttpReply>>> replies(k_requests);
  for (int i = 0; i < k_requests; ++i) {
    HttpRequest post;
    post.url = server.base_url() + "/chat/completions";
    post.body = R"({"model":"evalrun-demo","messages":[{"role":"user","content":"q)" +
                std::to_string(i) + R"("}]})";
    transport.start(post, [&replies, i](Result<HttpReply> r) {
      replies[static_cast<size_t>(i)] = std::move(r);
    });
  }
  // run() returns once every transfer is done: the idle connections left in
  // libcurl's cache keep no work on the io_context.
  io.run();
  int ok = 0;
  for (auto& r : replies) {
    ok += r && *r && (*r)->status == 200;
  }
  CHECK(ok == k_requests);
  CHECK(server.requests_served() == k_requests);
}

TEST_CASE("connection refused is a transport error")
{
  // Bind then close a port so that nothing listens on it.
  unsigned short port = 0;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  boost::asio::io_context io;
  CurlTransport transport(io);
  HttpRequest get;
  get.method = "GET";
  get.url = "http://127.0.0.1:" + std::to_string(port) + "/v1/models";
  auto r = transport.fetch(get);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == Error::Kind::transport);
  CHECK(r.error().message.find(get.url) != std::string::npos);
}

TEST_CASE("a server that never answers hits the total timeout")
{
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  // The kernel completes the handshake from the backlog; nobody ever reads.
  CurlTransport transport(io);
  HttpRequest post;
  post.url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) +
             "/v1/chat/completions";
  post.body = "{}";
  post.total_timeout = 300ms;
  auto r = transport.fetch(post);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == Error::Kind::timeout);
}

TEST_CASE("Retry-After values")
{
  CHECK(parse_retry_after("3") == 3.0);
  CHECK(parse_retry_after("0.5") == 0.5);
  CHECK_FALSE(parse_retry_after("soon"));
  CHECK_FALSE(parse_retry_after("-1"));
  auto past = parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT");
  REQUIRE(past);
  CHECK(*past == 0.0);
}

TEST_SUITE_END();
