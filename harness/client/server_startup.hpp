#pragma once

#include <harness/client/http.hpp>
#include <harness/config.hpp>
#include <harness/launched_server.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace harness::client {

// A server evalrun started for one URL of an endpoint.
struct StartedServer
{
  std::string endpoint; // the endpoint's name
  std::string url;      // the replica's base URL
  std::string name;     // "'endpoint' (URL)", or "'endpoint' replica N (URL)"
  std::unique_ptr<LaunchedServer> process;
};

// Starts the servers of `endpoints` that have a `launch:` block and that
// nothing answers for: for each of their URLs, a GET of its health path that
// gets no HTTP answer starts the command (its output appended to
// `log_prefix` + ".<endpoint>[.<replica>].server.log"); then waits until every
// server answers HTTP 200 there, drawing a progress line on stderr. A server
// that answers already is used as it is. Throws Fatal naming the endpoint
// and showing the end of the log when a server ends before it is ready or is
// not ready within its startup_timeout_s (exit 2), or when SIGINT, SIGTERM or
// SIGHUP comes meanwhile (exit 128 + the signal); the servers started so far
// are stopped first. The servers returned stop when they are destroyed.
std::vector<StartedServer> start_servers(const std::vector<EndpointConfig*>& endpoints,
                                         Transport& transport, const std::string& log_prefix,
                                         bool progress);

// "The end of its log (PATH):" and the log's last lines, indented.
std::string log_excerpt(const LaunchedServer& server, size_t lines = 20);

} // namespace harness::client
