#include <harness/client/http.hpp>
#include <harness/demo/server.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <doctest/doctest.h>

#include <istream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

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
  post.body = std::make_shared<const std::string>(
      R"({"model":"evalrun-demo","messages":[{"role":"user","content":"hello"}]})");
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
    post.body = std::make_shared<const std::string>(
        R"({"model":"evalrun-demo","messages":[{"role":"user","content":"q)" + std::to_string(i) +
        R"("}]})");
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
  post.body = std::make_shared<const std::string>("{}");
  post.total_timeout = 300ms;
  auto r = transport.fetch(post);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == Error::Kind::timeout);
}

TEST_CASE("an easy handle used again carries nothing of the transfer before it")
{
  // A loopback server on one kept-alive connection that records each request
  // (its request line, headers and body) and answers {}: POSTs and GETs with
  // different headers alternate on the same handle and connection.
  namespace asio = boost::asio;
  asio::io_context server_io;
  asio::ip::tcp::acceptor acceptor(server_io, {asio::ip::make_address("127.0.0.1"), 0});
  const std::string base = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  constexpr int k_requests = 4;
  std::vector<std::string> heads;
  std::vector<std::string> bodies;
  int connections = 0;
  std::thread server([&] {
    asio::streambuf buffer;
    std::optional<asio::ip::tcp::socket> socket;
    for (int served = 0; served < k_requests; ++served) {
      boost::system::error_code ec;
      if (socket) {
        asio::read_until(*socket, buffer, "\r\n\r\n", ec);
      }
      if (!socket || ec) {
        socket.emplace(acceptor.accept());
        ++connections;
        buffer.consume(buffer.size());
        asio::read_until(*socket, buffer, "\r\n\r\n");
      }
      std::string data(asio::buffers_begin(buffer.data()), asio::buffers_end(buffer.data()));
      const size_t end = data.find("\r\n\r\n") + 4;
      std::string head = data.substr(0, end);
      buffer.consume(end);
      size_t length = 0;
      if (auto at = head.find("Content-Length: "); at != std::string::npos) {
        length = std::stoul(head.substr(at + 16));
      }
      if (buffer.size() < length) {
        asio::read(*socket, buffer, asio::transfer_exactly(length - buffer.size()));
      }
      std::string body(asio::buffers_begin(buffer.data()),
                       asio::buffers_begin(buffer.data()) + static_cast<long>(length));
      buffer.consume(length);
      heads.push_back(head);
      bodies.push_back(body);
      asio::write(*socket,
                  asio::buffer(std::string("HTTP/1.1 200 OK\r\nContent-Length: "
                                           "2\r\nContent-Type: application/json\r\n\r\n{}")));
    }
  });

  asio::io_context io;
  CurlTransport transport(io);
  HttpRequest first;
  first.url = base + "/v1/chat/completions";
  first.body = std::make_shared<const std::string>(R"({"first":true})");
  first.headers = {"X-First: 1"};
  HttpRequest second;
  second.method = "GET";
  second.url = base + "/v1/models";
  HttpRequest third;
  third.url = base + "/v1/completions";
  third.body = std::make_shared<const std::string>(R"({"third":true,"longer":"than the first"})");
  third.headers = {"Authorization: Bearer k3"};
  HttpRequest fourth;
  fourth.method = "GET";
  fourth.url = base + "/v1/models?fourth";
  fourth.headers = {"X-Fourth: 4"};
  for (const auto& request : {first, second, third, fourth}) {
    auto reply = transport.fetch(request);
    REQUIRE(reply);
    CHECK(reply->status == 200);
    CHECK(reply->body == "{}");
  }
  server.join();
  REQUIRE(heads.size() == 4);
  CHECK(connections == 1); // one connection, kept alive, so one easy handle after another
  const auto has = [&](int i, const std::string& text) {
    return heads[static_cast<size_t>(i)].find(text) != std::string::npos;
  };
  CHECK(has(0, "POST /v1/chat/completions HTTP/1.1"));
  CHECK(has(0, "X-First: 1"));
  CHECK(has(0, "Content-Type: application/json"));
  CHECK_FALSE(has(0, "Expect:"));
  CHECK(bodies[0] == *first.body);
  CHECK(has(1, "GET /v1/models HTTP/1.1"));
  CHECK_FALSE(has(1, "X-First"));
  CHECK_FALSE(has(1, "Content-Type"));
  CHECK_FALSE(has(1, "Content-Length"));
  CHECK(bodies[1].empty());
  CHECK(has(2, "POST /v1/completions HTTP/1.1"));
  CHECK(has(2, "Authorization: Bearer k3"));
  CHECK_FALSE(has(2, "X-First"));
  CHECK(bodies[2] == *third.body);
  CHECK(has(3, "GET /v1/models?fourth HTTP/1.1"));
  CHECK(has(3, "X-Fourth: 4"));
  CHECK_FALSE(has(3, "Authorization"));
  CHECK_FALSE(has(3, "Content-Type"));
  CHECK(bodies[3].empty());
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
