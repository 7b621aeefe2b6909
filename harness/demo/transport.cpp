#include <harness/demo/routes.hpp>
#include <harness/demo/transport.hpp>

#include <optional>
#include <string_view>

namespace harness::demo {

void
InProcessTransport::start(client::HttpRequest request, Done done)
{
  // The path of the URL: what follows "scheme://host[:port]".
  std::string_view url = request.url;
  auto scheme = url.find("://");
  auto path = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  std::string_view target = path == std::string_view::npos ? "/" : url.substr(path);
  auto reply = route(request.method, target,
                     request.body ? std::string_view(*request.body) : std::string_view());
  client::HttpReply http;
  http.status = reply.status;
  http.body = std::move(reply.body);
  done(std::move(http));
}

Result<client::HttpReply>
InProcessTransport::fetch(client::HttpRequest request)
{
  std::optional<Result<client::HttpReply>> reply;
  start(std::move(request), [&reply](Result<client::HttpReply> r) { reply = std::move(r); });
  return std::move(*reply);
}

} // namespace harness::demo
