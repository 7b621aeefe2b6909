#include <harness/launch_spec.hpp>

#include <array>
#include <utility>

namespace harness {

std::string
expand_launch_placeholders(const std::string& text, int port, int replica, const std::string& model)
{
  const std::array<std::pair<std::string, std::string>, 3> names = {{
      {"{port}", std::to_string(port)},
      {"{replica}", std::to_string(replica)},
      {"{model}", model},
  }};
  std::string out;
  for (size_t i = 0; i < text.size();) {
    bool replaced = false;
    for (const auto& [name, value] : names) {
      if (text.compare(i, name.size(), name) == 0) {
        out += value;
        i += name.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) {
      out += text[i++];
    }
  }
  return out;
}

std::string
url_origin(const std::string& url)
{
  const auto scheme_end = url.find("://");
  const auto host_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  return url.substr(0, url.find('/', host_start));
}

bool
is_loopback_url(const std::string& url)
{
  const std::string origin = url_origin(url);
  const auto host_start = origin.find("://") == std::string::npos ? 0 : origin.find("://") + 3;
  std::string host = origin.substr(host_start);
  if (host.rfind("[::1]", 0) == 0) {
    return true;
  }
  host = host.substr(0, host.find(':'));
  return host == "localhost" || host.rfind("127.", 0) == 0;
}

std::string
unknown_launch_placeholder(const std::string& text)
{
  for (size_t open = text.find('{'); open != std::string::npos; open = text.find('{', open + 1)) {
    const auto close = text.find('}', open);
    if (close == std::string::npos) {
      break;
    }
    const std::string name = text.substr(open + 1, close - open - 1);
    const bool word =
        !name.empty() && name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos;
    if (word && name != "port" && name != "replica" && name != "model") {
      return "{" + name + "}";
    }
  }
  return {};
}

int
url_port(const std::string& url)
{
  const std::string origin = url_origin(url);
  const auto host_start = origin.find("://") == std::string::npos ? 0 : origin.find("://") + 3;
  // An IPv6 literal ([::1]:8000) holds colons of its own.
  const auto bracket = origin.find(']', host_start);
  const auto colon = origin.find(':', bracket == std::string::npos ? host_start : bracket);
  if (colon != std::string::npos) {
    try {
      return std::stoi(origin.substr(colon + 1));
    } catch (const std::exception&) {
      return 0;
    }
  }
  return origin.rfind("https://", 0) == 0 ? 443 : 80;
}

} // namespace harness
