#pragma once

#include <harness/config.hpp>
#include <harness/http.hpp>

#include <optional>
#include <string>

namespace harness {

// Checks, before anything is written, that an endpoint answers: GET
// {base_url}/models with a short timeout. Returns a message for the user
// naming the endpoint, its URL and what to start or set, or nullopt when it
// answered (a 404 counts as answering: not every server lists models).
std::optional<std::string> check_endpoint(Transport& transport, const EndpointConfig& endpoint,
                                          const std::optional<std::string>& api_key);

} // namespace harness
