#pragma once

#include <harness/client/http.hpp>
#include <harness/client/server_startup.hpp>
#include <harness/config.hpp>
#include <harness/demo/server.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace harness::client {

// Checks, before anything is written, that an endpoint answers: GET
// {base_url}/models with a short timeout. A server that lists models must
// list `model`; its kind (`server`), unless the endpoint names it, is read
// from the list (OpenAI's when the list does not say), and the endpoint's
// own sampling parameters must be ones that kind of server applies. Returns a
// message for the user naming the endpoint, its URL and what to start or
// set, or nullopt when all is well (a 404 counts as answering: not every
// server lists models).
std::optional<std::string> check_endpoint(Transport& transport, EndpointConfig& endpoint,
                                          const std::optional<std::string>& api_key);

// A message naming the sampling parameters in `params` that `endpoint`'s
// kind of server cannot apply (it would drop them silently); nullopt when it
// applies them all.
std::optional<std::string> params_problem(const EndpointConfig& endpoint, const GenParams& params);

// Endpoints made ready for a command: the demo server started when one of
// them is the demo (their base_url pointed at it), the servers of those with
// a `launch:` block started when nothing answers (see start_servers), API
// keys read from the environment, and each endpoint checked once, at every
// URL it has. The servers started stop when this goes.
struct ReadyEndpoints
{
  std::unique_ptr<demo::DemoServer> demo;
  std::map<std::string, std::optional<std::string>> api_keys; // by endpoint name
  std::vector<StartedServer> servers;
};

// Readies `endpoints` (updated in place) or throws Fatal listing every
// problem (missing key, unreachable server), saying that nothing was
// written to `output`; launched servers' logs go beside `output`.
// `progress`: draw the wait for servers as a line redrawn in place.
ReadyEndpoints ready_endpoints(const std::vector<EndpointConfig*>& endpoints, Transport& transport,
                               const std::string& output, bool progress = false);

} // namespace harness::client
