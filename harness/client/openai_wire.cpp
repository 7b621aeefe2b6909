#include <harness/client/json_view.hpp>
#include <harness/client/openai_wire.hpp>
#include <harness/json_string.hpp>
#include <harness/server_dialect.hpp>
#include <harness/utf8.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>

namespace harness::client::openai_wire {

using nlohmann::json;

namespace {

json
messages_json(const std::vector<Message>& messages)
{
  json out = json::array();
  for (const auto& m : messages) {
    out.push_back({{"role", role_name(m.role)}, {"content", m.content}});
  }
  return out;
}

// A JSON string of `text`, as json(text).dump() writes it (and throws for
// text that is not UTF-8), escaped without building a JSON value.
std::string
string_json(const std::string& text)
{
  std::string out = "\"";
  if (!append_json_escaped(out, text)) {
    return json(text).dump(); // throws json::type_error, as dump() does
  }
  out += '"';
  return out;
}

// messages_json(messages).dump(), written directly: the messages' texts are
// the bulk of every request, and are escaped once, in runs.
std::string
messages_text(const std::vector<Message>& messages)
{
  size_t size = 2;
  for (const auto& m : messages) {
    size += m.content.size() + 40;
  }
  std::string out = "[";
  out.reserve(size);
  for (const auto& m : messages) {
    out += out.size() > 1 ? ",{\"content\":\"" : "{\"content\":\"";
    if (!append_json_escaped(out, m.content)) {
      return messages_json(messages).dump(); // throws json::type_error, as dump() does
    }
    out += "\",\"role\":\"";
    out += role_name(m.role); // a plain word: nothing to escape
    out += "\"}";
  }
  out += ']';
  return out;
}

// An object's members, each already JSON, written as nlohmann::json::dump()
// writes an object: keys in byte order, no spaces.
std::string
object_text(const std::map<std::string, std::string>& members)
{
  size_t size = 2;
  for (const auto& [key, value] : members) {
    size += key.size() + value.size() + 4;
  }
  std::string out = "{";
  out.reserve(size);
  for (const auto& [key, value] : members) {
    out += out.size() > 1 ? ",\"" : "\"";
    out += key; // evalrun's own keys: nothing to escape
    out += "\":";
    out += value;
  }
  out += '}';
  return out;
}

void
put_response_format(json& body, const ChatRequest& request)
{
  if (request.json_schema.empty()) {
    return;
  }
  body["response_format"] = {{"type", "json_schema"},
                             {"json_schema",
                              {{"name", request.json_schema_name},
                               {"schema", json::parse(request.json_schema)},
                               {"strict", true}}}};
}

// The parameters set in `p`, named as a server of `dialect` reads them, or,
// without a dialect, by evalrun's names (those the request hash covers). A
// parameter that server cannot apply throws std::invalid_argument: it is
// never dropped.
void
put_params(json& body, const GenParams& p, std::optional<ServerDialect> dialect)
{
  auto put = [&](std::string_view name, json value) {
    std::string_view wire = dialect ? wire_name(name, *dialect) : name;
    if (wire.empty()) {
      throw std::invalid_argument(
          fmt::format("a {} server cannot apply {}", server_dialect_name(*dialect), name));
    }
    body[std::string(wire)] = std::move(value);
  };
  if (p.temperature) {
    put("temperature", *p.temperature);
  }
  if (p.top_p) {
    put("top_p", *p.top_p);
  }
  if (p.max_tokens) {
    put("max_tokens", *p.max_tokens);
  }
  if (p.seed) {
    put("seed", *p.seed);
  }
  if (p.repetition_penalty) {
    put("repetition_penalty", *p.repetition_penalty);
  }
  if (p.top_k) {
    put("top_k", *p.top_k);
  }
  if (p.min_p) {
    put("min_p", *p.min_p);
  }
  if (!p.stop.empty()) {
    put("stop", p.stop);
  }
  if (p.logprobs) {
    put("logprobs", *p.logprobs);
  }
  if (p.top_logprobs) {
    put("top_logprobs", *p.top_logprobs);
  }
}

// Whether an HTTP 400's error code (or type) and message say the prompt is
// over the model's context, as each server words it:
//   llama.cpp: type exceed_context_size_error ("the request exceeds the
//              available context size, try increasing it")
//   OpenAI:    code context_length_exceeded ("This model's maximum context
//              length is 8192 tokens. However, ...")
//   vLLM:      "This model's maximum context length is 4096 tokens. However,
//              you requested 5000 tokens ..." (code 400, a number)
//   SGLang:    "The input (5000 tokens) is longer than the model's context
//              length (4096 tokens)."
bool
over_context(const std::string& code, const std::string& message)
{
  if (code == "exceed_context_size_error" || code == "context_length_exceeded") {
    return true;
  }
  for (const char* words : {"maximum context length", "longer than the model's context length",
                            "exceeds the available context size"}) {
    if (message.find(words) != std::string::npos) {
      return true;
    }
  }
  return false;
}

Error
reply_error(const HttpReply& reply)
{
  std::string message;
  std::string code;
  try {
    auto body = json::parse(reply.body);
    // vLLM and SGLang write the error's fields at the top level
    // ({"object": "error", "message": ...}), OpenAI and llama.cpp in "error".
    const bool top_level = body.is_object() && !body.contains("error") &&
                           body.contains("message") && body["message"].is_string();
    const auto& e = top_level ? body : body.at("error");
    if (e.is_object()) {
      message = e.value("message", "");
      if (e.contains("code") && e["code"].is_string()) {
        code = e["code"].get<std::string>();
      } else if (e.contains("type") && e["type"].is_string()) {
        code = e["type"].get<std::string>();
      }
    } else if (e.is_string()) {
      message = e.get<std::string>();
    }
  } catch (const std::exception&) { // not JSON, or JSON of another shape
    message = reply.body.substr(0, 200);
  }
  std::string text = fmt::format("HTTP {}{}{}", reply.status, code.empty() ? "" : " " + code,
                                 message.empty() ? "" : ": " + message);
  Error::Kind kind = Error::Kind::http;
  if (reply.status == 400 && over_context(code, message)) {
    kind = Error::Kind::context_exceeded;
  } else if (reply.status == 429) {
    kind = Error::Kind::rate_limited;
  } else if (reply.status >= 500) {
    kind = Error::Kind::server;
  } else if (reply.status == 408) {
    kind = Error::Kind::timeout;
  }
  return Error{kind, std::move(text), reply.status, reply.retry_after_s};
}

Error
bad_response(const HttpReply& reply, const std::string& why)
{
  return Error{Error::Kind::bad_response, "invalid chat completion: " + why, reply.status, {}};
}

// A token count of `usage`: absent or null is 0; anything but a whole number
// in 0..INT_MAX is nullopt.
template <class View>
std::optional<int>
token_count(const View& usage, const char* field)
{
  auto count = usage.member(field);
  if (!count || count->is_null()) {
    return 0;
  }
  auto value = count->whole_int();
  return value && *value >= 0 ? value : std::nullopt;
}

// Server side: the integer `field` of a request, which an int must hold
// (get<int>() of 1e30 is undefined behaviour); throws otherwise.
int
int_field(const json& request, const char* field)
{
  auto value = json_view::Nlohmann(request.at(field)).whole_int();
  if (!value) {
    throw std::invalid_argument(fmt::format("field '{}': {} is not an integer that an int holds",
                                            field, request.at(field).dump().substr(0, 40)));
  }
  return *value;
}

// Server side: how deep a request body may nest. Deeper values would overflow
// the stack when dumped (the response format's schema); evalrun's own schemas
// nest about a dozen levels.
constexpr int k_max_request_depth = 64;

// Server side: a request body as JSON, nested at most k_max_request_depth levels.
json
parse_request_json(std::string_view body)
{
  return json::parse(body, [](int depth, json::parse_event_t, json&) {
    if (depth > k_max_request_depth) {
      throw std::invalid_argument(
          fmt::format("JSON nested deeper than {} levels", k_max_request_depth));
    }
    return true;
  });
}

// Reads a parsed 2xx body as a chat or text completion, through either view
// of it (json_view.hpp). A field of the wrong type is a bad_response.
template <class View>
Result<Response>
decode_completion(const View& body, const HttpReply& reply)
{
  if (!body.is_object()) {
    return bad_response(reply, "body is not a JSON object");
  }
  if (auto error = body.member("error"); error && !error->is_null()) {
    return reply_error(HttpReply{500, reply.body, reply.retry_after_s, reply.elapsed_ms});
  }
  auto choices = body.member("choices");
  if (!choices || !choices->is_array()) {
    return bad_response(reply, "no choices");
  }
  const auto all_choices = choices->elements();
  if (all_choices.empty()) {
    return bad_response(reply, "no choices");
  }
  const View& choice = all_choices.front();
  if (!choice.is_object()) {
    return bad_response(reply, "choice is not an object");
  }
  Response out;
  auto text = choice.member("text");
  auto message = choice.member("message");
  if (text && !message) {
    if (!text->is_string()) {
      return bad_response(reply, "choice text is not a string");
    }
    out.text = text->string();
  } else if (!message || !message->is_object()) {
    return bad_response(reply, "choice has no message");
  } else {
    auto content = message->member("content");
    auto refusal = message->member("refusal");
    if (content && content->is_string()) {
      out.text = content->string();
    } else if (!content || !content->is_null()) {
      return bad_response(reply, "message content is not a string");
    } else if (refusal && refusal->is_string()) {
      out.text = refusal->string(); // what the user would have read
    }
  }
  // Chat logprobs: {"content": [{"token", "logprob", "top_logprobs": [...]}, ...]}; a text
  // completion's logprobs object (tokens, token_logprobs, ...) has no content and is not read.
  if (auto lp = choice.member("logprobs"); lp && !lp->is_null()) {
    if (!lp->is_object()) {
      return bad_response(reply, "logprobs is not an object");
    }
    if (auto content = lp->member("content"); content && !content->is_null()) {
      if (!content->is_array()) {
        return bad_response(reply, "logprobs.content is not a list");
      }
      const auto tokens = content->elements();
      if (!tokens.empty()) {
        const View& first = tokens.front();
        if (!first.is_object()) {
          return bad_response(reply, "logprobs.content[0] is not an object");
        }
        if (auto top = first.member("top_logprobs"); top && !top->is_null()) {
          if (!top->is_array()) {
            return bad_response(reply, "logprobs.content[0].top_logprobs is not a list");
          }
          for (const View& alt : top->elements()) {
            auto token = alt.member("token"); // nullopt unless an object
            auto logprob = alt.member("logprob");
            if (!token || !token->is_string() || !logprob || !logprob->is_number()) {
              return bad_response(reply, "a top logprob is not {\"token\": string, "
                                         "\"logprob\": number}");
            }
            out.top_logprobs.emplace_back(token->string(), logprob->number());
          }
        }
      }
    }
  }
  if (auto finish = choice.member("finish_reason"); finish && !finish->is_null()) {
    if (!finish->is_string()) {
      return bad_response(reply, "finish_reason is not a string");
    }
    out.finish_reason = finish->string();
  }
  if (auto usage = body.member("usage"); usage && !usage->is_null()) {
    if (!usage->is_object()) {
      return bad_response(reply, "usage is not an object");
    }
    auto prompt_tokens = token_count(*usage, "prompt_tokens");
    auto completion_tokens = token_count(*usage, "completion_tokens");
    if (!prompt_tokens || !completion_tokens) {
      return bad_response(reply, fmt::format("usage token counts are not whole numbers in 0..{}",
                                             std::numeric_limits<int>::max()));
    }
    out.usage.prompt_tokens = *prompt_tokens;
    out.usage.completion_tokens = *completion_tokens;
  }
  // Who answered, as the server names it: informative, so a value that is no
  // string is left out rather than refused.
  if (auto model = body.member("model"); model && model->is_string()) {
    out.model = model->string();
  }
  if (auto fingerprint = body.member("system_fingerprint");
      fingerprint && fingerprint->is_string()) {
    out.system_fingerprint = fingerprint->string();
  }
  out.latency_ms = reply.elapsed_ms;
  return out;
}

// Bodies up to this size may take the strict path: simdjson's parser keeps
// buffers as large as the largest body it read.
constexpr size_t k_max_strict_body_bytes = 1024 * 1024;

} // namespace

std::string_view
role_name(Role role)
{
  switch (role) {
  case Role::system: return "system";
  case Role::user: return "user";
  case Role::assistant: return "assistant";
  }
  return "user";
}

std::string
chat_url(const std::string& base_url)
{
  return base_url + "/chat/completions";
}

std::string
completions_url(const std::string& base_url)
{
  return base_url + "/completions";
}

std::string
request_url(const std::string& base_url, const ChatRequest& request)
{
  return request.prompt.empty() ? chat_url(base_url) : completions_url(base_url);
}

std::string
models_url(const std::string& base_url)
{
  return base_url + "/models";
}

std::optional<std::vector<ServedModel>>
parse_model_list(std::string_view body)
{
  json list = json::parse(body, nullptr, false);
  if (!list.is_object() || !list.contains("data") || !list["data"].is_array()) {
    return std::nullopt;
  }
  std::vector<ServedModel> models;
  for (const auto& entry : list["data"]) {
    if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_string()) {
      return std::nullopt;
    }
    ServedModel m;
    m.id = entry["id"].get<std::string>();
    if (entry.contains("aliases") && entry["aliases"].is_array()) {
      for (const auto& alias : entry["aliases"]) {
        if (alias.is_string()) {
          m.aliases.push_back(alias.get<std::string>());
        }
      }
    }
    if (entry.contains("owned_by") && entry["owned_by"].is_string()) {
      m.owned_by = entry["owned_by"].get<std::string>();
    }
    auto length = [](const json& where, const char* field) -> std::optional<long> {
      if (where.is_object() && where.contains(field) && where[field].is_number_integer()) {
        return where[field].get<long>();
      }
      return std::nullopt;
    };
    // vLLM and SGLang: max_model_len; llama.cpp: the context each slot has
    // (meta.n_ctx, which --parallel divides), else the trained one.
    m.context_length = length(entry, "max_model_len");
    if (!m.context_length && entry.contains("meta")) {
      m.context_length = length(entry["meta"], "n_ctx");
    }
    if (!m.context_length && entry.contains("meta")) {
      m.context_length = length(entry["meta"], "n_ctx_train");
    }
    // What names the weights and the context, not the listing (vLLM's
    // `created` and `permission` change with every start).
    json identity = json::object();
    for (const char* field : {"root", "max_model_len", "meta"}) {
      if (entry.contains(field) && !entry[field].is_null()) {
        identity[field] = entry[field];
      }
    }
    m.identity = identity.empty() ? "" : identity.dump();
    models.push_back(std::move(m));
  }
  return models;
}

std::string
request_body(const ChatRequest& request, ServerDialect dialect)
{
  // What json{...}.dump() gives, with the texts escaped directly.
  json small = json::object();
  put_params(small, request.params, dialect);
  put_response_format(small, request);
  std::map<std::string, std::string> members;
  for (const auto& [key, value] : small.items()) {
    members.emplace(key, value.dump());
  }
  members.emplace("model", string_json(request.model));
  if (request.prompt.empty()) {
    members.emplace("messages", messages_text(request.messages));
  } else {
    members.emplace("prompt", string_json(request.prompt));
  }
  return object_text(members);
}

std::string
semantics_json(const ChatRequest& request)
{
  // json{{"model", ...}, {"messages", ...}, {"params", ...}, ...}.dump(),
  // with the texts escaped directly (nlohmann::json objects are key-sorted).
  json params = json::object();
  put_params(params, request.params, std::nullopt);
  std::map<std::string, std::string> members;
  members.emplace("model", string_json(request.model));
  members.emplace("messages", messages_text(request.messages));
  members.emplace("params", params.dump());
  if (!request.prompt.empty()) {
    members.emplace("prompt", string_json(request.prompt));
  }
  if (!request.json_schema.empty()) {
    json format = json::object();
    put_response_format(format, request);
    members.emplace("response_format", format.at("response_format").dump());
  }
  if (!request.served.empty()) {
    members.emplace("served", request.served);
  }
  return object_text(members);
}

std::optional<Result<Response>>
decode_strict_completion(const HttpReply& reply)
{
  if (reply.body.size() > k_max_strict_body_bytes) {
    return std::nullopt;
  }
  thread_local simdjson::dom::parser parser(k_max_strict_body_bytes);
  simdjson::dom::element body;
  if (parser.parse(reply.body).get(body) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return decode_completion(json_view::Simdjson(body), reply);
}

Result<Response>
decode_any_completion(const HttpReply& reply)
{
  HttpReply valid = reply;
  valid.body = valid_json_text(reply.body);
  json body;
  try {
    body = json::parse(valid.body);
  } catch (const json::exception& e) {
    // parse_error, or out_of_range for a number that overflows a double (1e999).
    return bad_response(valid, fmt::format("body is not JSON ({})", e.what()));
  }
  return decode_completion(json_view::Nlohmann(body), valid);
}

Result<Response>
parse_chat_reply(const HttpReply& reply)
{
  if (reply.status < 200 || reply.status >= 300) {
    return reply_error(HttpReply{reply.status, valid_json_text(reply.body), reply.retry_after_s,
                                 reply.elapsed_ms});
  }
  // Whatever a server sends, decoding it never throws: a body that cannot
  // be read is a bad_response with the reason (e.g. a number that overflows).
  try {
    if (auto strict = decode_strict_completion(reply)) {
      return std::move(*strict);
    }
    return decode_any_completion(reply);
  } catch (const std::exception& e) {
    return bad_response(reply, e.what());
  } catch (...) {
    return bad_response(reply, "unreadable body");
  }
}

Result<ChatRequest>
parse_chat_request(std::string_view body)
{
  try {
    auto j = parse_request_json(body);
    ChatRequest r;
    r.model = j.at("model").get<std::string>();
    for (const auto& m : j.at("messages")) {
      auto role = m.at("role").get<std::string>();
      Message msg;
      msg.role = role == "system"      ? Role::system
                 : role == "assistant" ? Role::assistant
                                       : Role::user;
      msg.content = m.at("content").get<std::string>();
      r.messages.push_back(std::move(msg));
    }
    if (j.contains("temperature")) {
      r.params.temperature = j["temperature"].get<double>();
    }
    if (j.contains("max_tokens")) {
      r.params.max_tokens = int_field(j, "max_tokens");
    }
    if (j.contains("logprobs") && j["logprobs"].is_boolean()) {
      r.params.logprobs = j["logprobs"].get<bool>();
    }
    if (j.contains("top_logprobs") && j["top_logprobs"].is_number_integer()) {
      r.params.top_logprobs = int_field(j, "top_logprobs");
    }
    if (j.contains("response_format") && j["response_format"].value("type", "") == "json_schema") {
      const auto& schema = j["response_format"].at("json_schema");
      r.json_schema_name = schema.value("name", "");
      r.json_schema = schema.at("schema").dump();
    }
    return r;
  } catch (const std::exception& e) {
    return Error(Error::Kind::parse, fmt::format("invalid chat request: {}", e.what()), 400);
  }
}

Result<ChatRequest>
parse_completion_request(std::string_view body)
{
  try {
    auto j = parse_request_json(body);
    ChatRequest r;
    r.model = j.at("model").get<std::string>();
    r.prompt = j.at("prompt").get<std::string>();
    if (j.contains("max_tokens")) {
      r.params.max_tokens = int_field(j, "max_tokens");
    }
    return r;
  } catch (const std::exception& e) {
    return Error(Error::Kind::parse, fmt::format("invalid completion request: {}", e.what()), 400);
  }
}

// A one-choice reply body of the given object type ("chat.completion" or "text_completion").
std::string
reply_body(const char* id, const char* object, const std::string& model, json choice,
           const Usage& usage)
{
  json body = {{"id", id},
               {"object", object},
               {"created", 0},
               {"model", model},
               {"choices", json::array({std::move(choice)})},
               {"usage",
                {{"prompt_tokens", usage.prompt_tokens},
                 {"completion_tokens", usage.completion_tokens},
                 {"total_tokens", usage.prompt_tokens + usage.completion_tokens}}}};
  return body.dump();
}

std::string
completion_reply_body(const std::string& model, const std::string& text, const Usage& usage,
                      const std::string& finish_reason)
{
  return reply_body("cmpl-evalrun-demo", "text_completion", model,
                    {{"index", 0}, {"text", text}, {"finish_reason", finish_reason}}, usage);
}

std::string
chat_reply_body(const std::string& model, const std::string& text, const Usage& usage,
                const std::string& finish_reason,
                const std::vector<std::pair<std::string, double>>& top_logprobs)
{
  json choice = {{"index", 0},
                 {"message", {{"role", "assistant"}, {"content", text}}},
                 {"finish_reason", finish_reason}};
  if (!top_logprobs.empty()) {
    json alternatives = json::array();
    for (const auto& [token, logprob] : top_logprobs) {
      alternatives.push_back({{"token", token}, {"logprob", logprob}});
    }
    choice["logprobs"] = {{"content", json::array({{{"token", top_logprobs.front().first},
                                                    {"logprob", top_logprobs.front().second},
                                                    {"top_logprobs", alternatives}}})}};
  }
  return reply_body("chatcmpl-evalrun-demo", "chat.completion", model, std::move(choice), usage);
}

std::string
error_body(const std::string& message, const std::string& type)
{
  return json{{"error", {{"message", message}, {"type", type}, {"code", nullptr}}}}.dump();
}

std::string
params_json(const GenParams& params)
{
  json out = json::object();
  put_params(out, params, std::nullopt);
  return out.dump();
}

} // namespace harness::client::openai_wire
