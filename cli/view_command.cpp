// evalrun view: a local web app over a database, on 127.0.0.1.

#include <cli/commands.hpp>
#include <cli/view_api.hpp>
#include <cli/view_page.hpp>

#include <harness/error.hpp>
#include <harness/stop_signals.hpp>
#include <harness/store.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <memory>

namespace cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// The page, or the API's answer. Only GET and HEAD; nothing is written.
http::response<http::string_body>
answer(ViewApi& api, const http::request<http::string_body>& req)
{
  ViewReply reply;
  const std::string target(req.target());
  if (req.method() != http::verb::get) {
    reply = {405, "application/json", R"({"error": "evalrun view answers only GET"})"};
  } else if (target == "/" || target.rfind("/?", 0) == 0 || target == "/index.html") {
    reply = {200, "text/html; charset=utf-8", std::string(k_view_page)};
  } else {
    try {
      reply = api.get(target);
    } catch (const std::exception& e) {
      reply = {500, "application/json",
               nlohmann::json({{"error", e.what()}})
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
    }
  }
  http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
  res.set(http::field::content_type, reply.content_type);
  res.set(http::field::cache_control, "no-store");
  // Nothing but this server: the page loads no script, style or font from elsewhere.
  res.set("Content-Security-Policy",
          "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
          "img-src 'self' data:");
  if (reply.status == 405) {
    res.set(http::field::allow, "GET");
  }
  res.keep_alive(false);
  res.body() = std::move(reply.body);
  res.prepare_payload();
  return res;
}

// One connection: one request read (within 10 s), answered, closed.
class Session : public std::enable_shared_from_this<Session>
{
public:
  Session(tcp::socket socket, ViewApi& api) : m_stream(std::move(socket)), m_api(api) {}
  void start()
  {
    m_stream.expires_after(std::chrono::seconds(10));
    http::async_read(m_stream, m_buffer, m_request,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (!ec) {
                         self->respond();
                       } else if (ec == http::error::header_limit) {
                         self->refuse(http::status::request_header_fields_too_large);
                       } else if (ec == http::error::body_limit) {
                         self->refuse(http::status::payload_too_large);
                       }
                     });
  }

private:
  void refuse(http::status status)
  {
    m_response = {status, 11};
    m_response.set(http::field::content_type, "application/json");
    m_response.body() = R"({"error": "the request is too long"})";
    m_response.keep_alive(false);
    m_response.prepare_payload();
    write();
  }
  void respond()
  {
    m_response = answer(m_api, m_request);
    write();
  }
  void write()
  {
    m_stream.expires_after(std::chrono::seconds(30));
    http::async_write(m_stream, m_response, [self = shared_from_this()](beast::error_code, size_t) {
      beast::error_code ignored;
      self->m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  beast::tcp_stream m_stream;
  beast::flat_buffer m_buffer;
  http::request<http::string_body> m_request;
  http::response<http::string_body> m_response;
  ViewApi& m_api;
};

void
accept(tcp::acceptor& acceptor, ViewApi& api)
{
  acceptor.async_accept([&acceptor, &api](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      return; // closed
    }
    std::make_shared<Session>(std::move(socket), api)->start();
    accept(acceptor, api);
  });
}

} // namespace

int
view_command(const ViewOptions& options)
{
  if (!std::filesystem::exists(options.db)) {
    throw harness::Fatal(fmt::format("{}: no such database", options.db.string()), 2);
  }
  // Live: runs written while the viewer is open appear in it.
  harness::Store store(options.db, harness::Store::Access::read_live);
  asio::io_context io{1};
  tcp::acceptor acceptor(io);
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"),
                               static_cast<unsigned short>(options.port));
  beast::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    throw harness::Fatal(
        fmt::format("--port {}: cannot listen on 127.0.0.1: {}", options.port, ec.message()), 2);
  }
  ViewApi api(store);
  accept(acceptor, api);
  asio::signal_set stop(io, SIGINT, SIGTERM);
  stop.async_wait([&](beast::error_code, int) {
    acceptor.close();
    io.stop();
  });
  fmt::print("evalrun view: http://127.0.0.1:{}/ ({}; Ctrl-C stops)\n",
             acceptor.local_endpoint().port(), options.db.string());
  std::fflush(stdout);
  io.run();
  return 0;
}

} // namespace cli
