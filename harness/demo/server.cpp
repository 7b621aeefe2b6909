#include <harness/demo/routes.hpp>
#include <harness/demo/server.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/core.h>

#include <atomic>
#include <thread>

namespace harness::demo {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

http::response<http::string_body>
handle(const http::request<http::string_body>& req, std::atomic<long>& served)
{
  auto answer = route(std::string(req.method_string()), std::string(req.target()), req.body());
  if (answer.completion) {
    ++served;
  }
  http::response<http::string_body> res{static_cast<http::status>(answer.status), req.version()};
  res.set(http::field::content_type, "application/json");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(answer.body);
  res.prepare_payload();
  return res;
}

class Session : public std::enable_shared_from_this<Session>
{
public:
  Session(tcp::socket socket, std::atomic<long>& served)
      : m_stream(std::move(socket)), m_served(served)
  {}
  void start() { read(); }

private:
  void read()
  {
    m_request = {};
    http::async_read(m_stream, m_buffer, m_request,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (!ec) {
                         self->respond();
                       }
                     });
  }
  void respond()
  {
    m_response = handle(m_request, m_served);
    http::async_write(m_stream, m_response,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (!ec && self->m_response.keep_alive()) {
                          self->read();
                        } else {
                          beast::error_code ignored;
                          self->m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                        }
                      });
  }

  beast::tcp_stream m_stream;
  beast::flat_buffer m_buffer;
  http::request<http::string_body> m_request;
  http::response<http::string_body> m_response;
  std::atomic<long>& m_served;
};

} // namespace

struct DemoServer::Impl
{
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::atomic<long> served{0};
  std::thread thread;

  void accept()
  {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        return; // acceptor closed
      }
      std::make_shared<Session>(std::move(socket), served)->start();
      accept();
    });
  }
};

DemoServer::DemoServer() : m_impl(std::make_unique<Impl>())
{
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  m_impl->acceptor.open(endpoint.protocol());
  m_impl->acceptor.set_option(asio::socket_base::reuse_address(true));
  m_impl->acceptor.bind(endpoint);
  m_impl->acceptor.listen(asio::socket_base::max_listen_connections);
  m_impl->accept();
  m_impl->thread = std::thread([impl = m_impl.get()] { impl->io.run(); });
}

DemoServer::~DemoServer()
{
  m_impl->io.stop();
  m_impl->thread.join();
}

unsigned short
DemoServer::port() const
{
  return m_impl->acceptor.local_endpoint().port();
}

std::string
DemoServer::base_url() const
{
  return fmt::format("http://127.0.0.1:{}/v1", port());
}

long
DemoServer::requests_served() const
{
  return m_impl->served.load();
}

} // namespace harness::demo
