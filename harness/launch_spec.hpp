#pragma once

#include <map>
#include <string>

namespace harness {

// How evalrun starts an endpoint's server itself when nothing answers at its
// URL (an endpoint's `launch:` block). `command` runs through /bin/sh; in it
// and in `env`'s values, {port} is the port of the replica's URL, {replica}
// its index (0, 1, ...) and {model} the endpoint's model.
struct LaunchSpec
{
  std::string command;
  std::map<std::string, std::string> env;
  std::string health_path = "/health"; // GET; HTTP 200 means ready
  double startup_timeout_s = 900;      // loading a model can take minutes
  double stop_grace_s = 20;            // SIGTERM, then SIGKILL after this long
};

// `text` with {port}, {replica} and {model} replaced; any other brace is
// left as it is (a command may hold JSON).
std::string expand_launch_placeholders(const std::string& text, int port, int replica,
                                       const std::string& model);

// The port of an http(s) URL: the one it names, else 80 or 443.
int url_port(const std::string& url);

// scheme://host[:port] of an http(s) URL, without its path.
std::string url_origin(const std::string& url);

// Whether an http(s) URL names this machine: localhost, 127.x.x.x or [::1].
bool is_loopback_url(const std::string& url);

// The first {name} in `text` (a lower-case name) that is no placeholder
// expand_launch_placeholders knows, such as a misspelt "{prot}"; empty if none.
std::string unknown_launch_placeholder(const std::string& text);

} // namespace harness
