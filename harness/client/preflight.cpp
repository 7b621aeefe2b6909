#include <harness/client/openai_wire.hpp>
#include <harness/client/preflight.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>

namespace harness::client {

namespace {

std::string
start_hint(const EndpointConfig& e)
{
  if (!e.api_key_env.empty()) {
    return fmt::format("Check the network and the key in ${}.", e.api_key_env);
  }
  std::string port = "8000";
  auto colon = e.base_url.rfind(':');
  auto slash = e.base_url.find('/', colon == std::string::npos ? 0 : colon);
  if (colon != std::string::npos && colon > 6) {
    port = e.base_url.substr(colon + 1,
                             slash == std::string::npos ? std::string::npos : slash - colon - 1);
  }
  return fmt::format(
      "Start an OpenAI-compatible server for model '{}' there, for example\n"
      "  vllm serve {} --port {}\n"
      "  llama-server -m MODEL.gguf --port {}\n"
      "  python -m sglang.launch_server --model-path {} --port {}\n"
      "or edit the '{}' entry of the endpoints file (--endpoints FILE), or use --model demo.",
      e.model, e.model, port, port, e.model, port, e.name);
}

// The model list a server answered `reply` with: `endpoint.model` must be
// among its ids (servers such as llama.cpp's answer any name, so a typo would
// otherwise be stored as that model), and, unless the endpoints file says,
// its `owned_by` names the kind of server (OpenAI's when it does not say). A
// server that lists nothing (a 404) is taken at its word.
std::optional<std::string>
check_served_model(EndpointConfig& endpoint, const HttpReply& reply, const std::string& what)
{
  std::optional<std::vector<openai_wire::ServedModel>> models;
  if (reply.status == 200) {
    models = openai_wire::parse_model_list(reply.body);
  }
  const openai_wire::ServedModel* served = nullptr;
  if (models && !models->empty()) {
    for (const auto& m : *models) {
      if (m.id == endpoint.model ||
          std::find(m.aliases.begin(), m.aliases.end(), endpoint.model) != m.aliases.end()) {
        served = &m;
      }
    }
    if (!served && !endpoint.demo) {
      std::vector<std::string> ids;
      for (const auto& m : *models) {
        ids.push_back("'" + m.id + "'");
      }
      return fmt::format("{} does not serve model '{}'; it serves {}. Set `model:` of '{}' to "
                         "the id it serves (nothing is sent to a model that is not there).",
                         what, endpoint.model, fmt::join(ids, ", "), endpoint.name);
    }
  }
  if (served) {
    endpoint.context_length = served->context_length;
    endpoint.served = served->identity;
  }
  if (!endpoint.server) {
    endpoint.server = served ? dialect_of_owner(served->owned_by) : std::nullopt;
  }
  if (!endpoint.server) {
    endpoint.server = ServerDialect::openai;
  }
  return std::nullopt;
}

// What a replica's model list said, for a message.
std::string
served_description(const EndpointConfig& e)
{
  return fmt::format("{} server, context {}{}",
                     server_dialect_name(e.server.value_or(ServerDialect::openai)),
                     e.context_length ? std::to_string(*e.context_length) : "not given",
                     e.served.empty() ? "" : ", " + e.served);
}

} // namespace

std::optional<std::string>
check_endpoint(Transport& transport, EndpointConfig& endpoint,
               const std::optional<std::string>& api_key)
{
  HttpRequest request;
  request.method = "GET";
  request.url = openai_wire::models_url(endpoint.base_url);
  if (api_key) {
    request.headers.push_back("Authorization: Bearer " + *api_key);
  }
  request.connect_timeout = std::chrono::milliseconds(
      static_cast<long long>(std::min(endpoint.connect_timeout_s, 5.0) * 1000));
  request.total_timeout = std::chrono::milliseconds(10'000);

  Result<HttpReply> reply = transport.fetch(std::move(request));

  std::string what = fmt::format("endpoint '{}' ({}, model {}, defined in {})", endpoint.name,
                                 endpoint.base_url, endpoint.model, endpoint.defined_in);
  if (!reply) {
    return fmt::format("{} is not reachable: {}.\n{}", what, reply.error().message,
                       start_hint(endpoint));
  }
  if (reply->status == 401 || reply->status == 403) {
    return fmt::format("{} refused the request (HTTP {}): {}", what, reply->status,
                       endpoint.api_key_env.empty() ? "it needs an API key: set api_key_env"
                                                    : "check the key in $" + endpoint.api_key_env);
  }
  if (reply->status >= 500) {
    return fmt::format("{} answered HTTP {}: the server is not ready.", what, reply->status);
  }
  if (auto problem = check_served_model(endpoint, *reply, what)) {
    return problem;
  }
  return params_problem(endpoint, endpoint.params);
}

std::optional<std::string>
params_problem(const EndpointConfig& endpoint, const GenParams& params)
{
  const auto dialect = endpoint.server.value_or(ServerDialect::openai);
  auto unsupported = unsupported_params(params, dialect);
  if (unsupported.empty()) {
    return std::nullopt;
  }
  return fmt::format("endpoint '{}' ({}, defined in {}) is a{} {} server, which cannot apply {}: "
                     "take {} out of the sampling parameters, or set the endpoint's `server:` "
                     "(vllm, llama.cpp, sglang, openai) if it is another kind (without `server:`, "
                     "the kind is the owned_by of its model list: vllm, llamacpp or sglang; a "
                     "server that says none of these counts as openai)",
                     endpoint.name, endpoint.base_url, endpoint.defined_in,
                     dialect == ServerDialect::openai ? "n" : "", server_dialect_name(dialect),
                     fmt::join(unsupported, ", "), unsupported.size() == 1 ? "it" : "them");
}

ReadyEndpoints
ready_endpoints(const std::vector<EndpointConfig*>& endpoints, Transport& transport,
                const std::string& output, bool progress)
{
  ReadyEndpoints ready;
  ready.servers = start_servers(endpoints, transport, output, progress);
  std::vector<std::string> problems;
  for (auto* e : endpoints) {
    if (e->demo && !ready.demo) {
      ready.demo = std::make_unique<demo::DemoServer>();
    }
    if (e->demo) {
      e->base_url = ready.demo->base_url();
    }
  }
  std::map<std::string, const EndpointConfig*> checked; // by endpoint name
  for (auto* e : endpoints) {
    if (e->offline) {
      continue; // never contacted: nothing to check, no key needed
    }
    if (auto first = checked.find(e->name); first != checked.end()) {
      // Checked already (the same endpoint in two roles): what the server said.
      e->server = first->second->server;
      e->context_length = first->second->context_length;
      e->served = first->second->served;
      continue;
    }
    checked[e->name] = e;
    std::optional<std::string> key;
    if (!e->api_key_env.empty()) {
      const char* value = std::getenv(e->api_key_env.c_str());
      if (!value || !*value) {
        problems.push_back(fmt::format("endpoint '{}' ({}) needs an API key: set the environment "
                                       "variable {}",
                                       e->name, e->base_url, e->api_key_env));
        ready.api_keys[e->name] = std::nullopt;
        continue;
      }
      key = value;
    }
    ready.api_keys[e->name] = key;
    // Every replica must serve the model, and the same way: one answer
    // describes them all (a request's identity, its context).
    const auto urls = e->urls();
    std::optional<EndpointConfig> first;
    for (const auto& url : urls) {
      EndpointConfig replica = *e;
      replica.base_url = url;
      if (auto problem = check_endpoint(transport, replica, key)) {
        problems.push_back(*problem);
        continue;
      }
      if (!first) {
        first = replica;
      } else if (replica.served != first->served || replica.server != first->server ||
                 replica.context_length != first->context_length) {
        problems.push_back(fmt::format(
            "the replicas of endpoint '{}' (defined in {}) do not serve the same: {} says {}, {} "
            "says {}. Start them with the same model and settings (context, slots), or make "
            "them endpoints of their own",
            e->name, e->defined_in, first->base_url, served_description(*first), url,
            served_description(replica)));
      }
    }
    if (first) {
      e->server = first->server;
      e->context_length = first->context_length;
      e->served = first->served;
    }
  }
  if (!problems.empty()) {
    throw Fatal(fmt::format("cannot start; nothing was written to {}:\n{}", output,
                            fmt::join(problems, "\n")));
  }
  return ready;
}

} // namespace harness::client
