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
