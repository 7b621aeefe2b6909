#pragma once

#include <harness/client/http.hpp>
#include <harness/config.hpp>
#include <harness/demo/server.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace harness::client {

// Checks, before anything is written, that an endpoint answers: GET
// {base_url}/models with a short timeout. Returns a message for the user
// naming the endpoint, its URL and what to start or set, or nullopt when it
// answered (a 404 counts as answering: not every server lists models).
std::optional<std::string> check_endpoint(Transport& transport, const EndpointConfig& endpoint,
                                          const std::optional<std::string>& api_key);

// Endpoints made ready for a command: the demo server started when one of
// them is the demo (their base_url pointed at it), API keys read from the
// environment, and each endpoint checked once.
struct ReadyEndpoints
{
  std::unique_ptr<demo::DemoServer> demo;
  std::map<std::string, std::optional<std::string>> api_keys; // by endpoint name
};

// Readies `endpoints` (updated in place) or throws Fatal listing every
// problem (missing key, unreachable server), saying that nothing was
// written to `output`.
ReadyEndpoints ready_endpoints(const std::vector<EndpointConfig*>& endpoints, Transport& transport,
                               const std::string& output);

} // namespace harness::client
