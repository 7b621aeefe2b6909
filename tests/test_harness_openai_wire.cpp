#include <harness/client/openai_wire.hpp>
#include <harness/request_hash.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace harness;
using namespace harness::client;
using nlohmann::json;

TEST_SUITE_BEGIN("harness::openai_wire");

namespace {

ChatRequest
sample_request()
{
  ChatRequest r;
  r.endpoint = "janus";
  r.model = "kaist-ai/janus-7b";
  r.messages = {{Role::system, "Be brief."}, {Role::user, "Hi \"there\""}};
  r.params.temperature = 0.7;
  r.params.max_tokens = 1024;
  return r;
}

HttpReply
http_reply(int status, std::string body)
{
  HttpReply r;
  r.status = status;
  r.body = std::move(body);
  r.elapsed_ms = 12.5;
  return r;
}

} // namespace

TEST_CASE("chat body carries model, messages and only the set params")
{
  auto body = json::parse(openai_wire::request_body(sample_request()));
  CHECK(body["model"] == "kaist-ai/janus-7b");
  CHECK(body["messages"][0]["role"] == "system");
  CHECK(body["messages"][1]["content"] == "Hi \"there\"");
  CHECK(body["temperature"] == 0.7);
  CHECK(body["max_tokens"] == 1024);
  CHECK_FALSE(body.contains("top_p"));
  CHECK_FALSE(body.contains("seed"));
  CHECK_FALSE(body.contains("stream"));
}

namespace {

// The request body and semantics as nlohmann::json builds them: what the
// direct writers must give byte for byte.
json
reference_params(const GenParams& p)
{
  json out = json::object();
  if (p.temperature) {
    out["temperature"] = *p.temperature;
  }
  if (p.top_p) {
    out["top_p"] = *p.top_p;
  }
  if (p.max_tokens) {
    out["max_tokens"] = *p.max_tokens;
  }
  if (p.seed) {
    out["seed"] = *p.seed;
  }
  if (p.repetition_penalty) {
    out["repetition_penalty"] = *p.repetition_penalty;
  }
  if (!p.stop.empty()) {
    out["stop"] = p.stop;
  }
  if (p.logprobs) {
    out["logprobs"] = *p.logprobs;
  }
  if (p.top_logprobs) {
    out["top_logprobs"] = *p.top_logprobs;
  }
  return out;
}

json
reference_messages(const ChatRequest& r)
{
  json out = json::array();
  for (const auto& m : r.messages) {
    out.push_back({{"role", openai_wire::role_name(m.role)}, {"content", m.content}});
  }
  return out;
}

json
reference_format(const ChatRequest& r)
{
  return {
      {"type", "json_schema"},
      {"json_schema",
       {{"name", r.json_schema_name}, {"schema", json::parse(r.json_schema)}, {"strict", true}}}};
}

std::string
reference_body(const ChatRequest& r)
{
  json body = reference_params(r.params);
  body["model"] = r.model;
  if (r.prompt.empty()) {
    body["messages"] = reference_messages(r);
  } else {
    body["prompt"] = r.prompt;
  }
  if (!r.json_schema.empty()) {
    body["response_format"] = reference_format(r);
  }
  return body.dump();
}

std::string
reference_semantics(const ChatRequest& r)
{
  json body = {{"model", r.model},
               {"messages", reference_messages(r)},
               {"params", reference_params(r.params)}};
  if (!r.prompt.empty()) {
    body["prompt"] = r.prompt;
  }
  if (!r.json_schema.empty()) {
    body["response_format"] = reference_format(r);
  }
  return body.dump();
}

} // namespace

TEST_CASE("the body and semantics are written byte for byte as nlohmann::json dumps them")
{
  std::string every_byte_below_128;
  for (int c = 0; c < 128; ++c) {
    every_byte_below_128 += static_cast<char>(c);
  }
  std::vector<ChatRequest> requests;
  requests.push_back(sample_request());
  ChatRequest texts = sample_request();
  texts.messages = {
      {Role::system, every_byte_below_128},
      {Role::user, "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x99\x82 \\\"q\" \x7f"},
      {Role::assistant, ""},
      {Role::user, std::string(5000, 'x') + "\n\t\"end\""}};
  requests.push_back(texts);
  ChatRequest every_param = texts;
  every_param.params.temperature = 0.0;
  every_param.params.top_p = 0.95;
  every_param.params.max_tokens = 2048;
  every_param.params.seed = -7;
  every_param.params.repetition_penalty = 1.03;
  every_param.params.stop = {"</s>", "\n\"stop\"\\"};
  every_param.params.logprobs = true;
  every_param.params.top_logprobs = 5;
  every_param.json_schema_name = "verdict";
  every_param.json_schema = R"({"type":"object","properties":{"score":{"type":"integer"}}})";
  requests.push_back(every_param);
  ChatRequest completion = every_param;
  completion.prompt = "[INST] " + every_byte_below_128 + " [/INST]";
  requests.push_back(completion);
  ChatRequest no_params = sample_request();
  no_params.params = {};
  no_params.messages.clear();
  requests.push_back(no_params);
  for (const auto& r : requests) {
    CHECK(openai_wire::request_body(r) == reference_body(r));
    CHECK(openai_wire::semantics_json(r) == reference_semantics(r));
  }
  // Text that is not UTF-8 is refused as dump() refuses it.
  ChatRequest invalid = sample_request();
  invalid.messages[1].content = "bad \xff byte";
  CHECK_THROWS_AS(openai_wire::request_body(invalid), json::type_error);
  CHECK_THROWS_AS(openai_wire::semantics_json(invalid), json::type_error);
  invalid.messages[1].content = "overlong \xc0\xaf";
  CHECK_THROWS_AS(openai_wire::semantics_json(invalid), json::type_error);
  invalid.messages[1].content = "surrogate \xed\xa0\x80";
  CHECK_THROWS_AS(openai_wire::semantics_json(invalid), json::type_error);
}

TEST_CASE("request hash covers semantics only")
{
  auto a = sample_request();
  auto b = sample_request();
  b.endpoint = "other-name";
  CHECK(request_hash(a) == request_hash(b));
  CHECK(request_hash(a).size() == 64);
  b.params.temperature = 0.0;
  CHECK(request_hash(a) != request_hash(b));
  auto c = sample_request();
  c.messages[1].content += " ";
  CHECK(request_hash(a) != request_hash(c));
  auto d = sample_request();
  d.model = "other";
  CHECK(request_hash(a) != request_hash(d));
}

TEST_CASE("the cache key covers the rendered prompt, the response format and logprobs")
{
  // Each of these changes what the server answers, so each must change the key.
  auto base = sample_request();
  auto with = [&](auto change) {
    auto r = sample_request();
    change(r);
    return request_hash(r);
  };
  const auto key = request_hash(base);
  CHECK(with([](ChatRequest& r) { r.prompt = "[INST] hi [/INST] "; }) != key);
  CHECK(with([](ChatRequest& r) { r.prompt = "[INST] hi [/INST]"; }) !=
        with([](ChatRequest& r) { r.prompt = "[INST] hi [/INST] "; }));
  CHECK(with([](ChatRequest& r) {
          r.json_schema_name = "instance";
          r.json_schema = R"({"type":"object"})";
        }) != key);
  CHECK(with([](ChatRequest& r) {
          r.json_schema_name = "instance";
          r.json_schema = R"({"type":"object"})";
        }) != with([](ChatRequest& r) {
          r.json_schema_name = "instance";
          r.json_schema = R"({"type":"array"})";
        }));
  CHECK(with([](ChatRequest& r) { r.params.logprobs = true; }) != key);
  CHECK(with([](ChatRequest& r) {
          r.params.logprobs = true;
          r.params.top_logprobs = 5;
        }) != with([](ChatRequest& r) {
          r.params.logprobs = true;
          r.params.top_logprobs = 2;
        }));
  CHECK(with([](ChatRequest& r) { r.params.repetition_penalty = 1.03; }) != key);
  CHECK(with([](ChatRequest& r) { r.params.stop = {"</s>"}; }) != key);
  CHECK(with([](ChatRequest& r) { r.params.seed = 1; }) != key);
}

TEST_CASE("sha256 of a known vector")
{
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("a chat completion parses into a Response")
{
  auto r = openai_wire::parse_chat_reply(http_reply(
      200,
      R"({"choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"length"}],
             "usage":{"prompt_tokens":7,"completion_tokens":1,"total_tokens":8}})"));
  REQUIRE(r);
  CHECK(r->text == "Hello");
  CHECK(r->finish_reason == "length");
  CHECK(r->usage.prompt_tokens == 7);
  CHECK(r->usage.completion_tokens == 1);
  CHECK(r->latency_ms == 12.5);
}

TEST_CASE("the strict and the general reply decoders read every strict body alike")
{
  // The strict decoder (simdjson) must give what the general one (nlohmann,
  // which has always read replies) gives, whatever the fields hold.
  const std::vector<std::string> strict_bodies = {
      R"({"choices":[{"message":{"content":"Hi \"you\" \u00e9 \ud83d\ude00 \u0000."},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":4}})",
      R"({"choices":[{"text":"completion text","finish_reason":"length"}]})",
      R"({"choices":[{"text":"t","message":{"content":"m"}}]})",
      R"({"choices":[{"message":{"content":null,"refusal":"no"}}]})",
      R"({"choices":[{"message":{"content":"first"}}],"choices":[{"message":{"content":"second"}}]})",
      R"({"choices":[{"message":{"content":"x","content":"last"}}]})",
      R"({"choices":[{"message":{"content":"x"},"logprobs":{"content":[{"token":"A","logprob":-0.1,"top_logprobs":[{"token":"A","logprob":-1},{"token":"B","logprob":-2.5e-3},{"token":"C","logprob":0}]}]}}]})",
      R"({"choices":[{"message":{"content":"x"},"logprobs":{"content":[{"top_logprobs":[{"token":"A"}]}]}}]})",
      R"({"choices":[{"message":{"content":"x"},"logprobs":{"tokens":["a"],"token_logprobs":[-1]}}]})",
      R"({"choices":[{"message":{"content":"x"},"logprobs":[]}]})",
      R"({"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":7.0,"completion_tokens":1}})",
      R"({"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":-0,"completion_tokens":-1}})",
      R"({"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":2147483647,"completion_tokens":2147483648}})",
      R"({"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":18446744073709551615}})",
      R"({"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":null,"completion_tokens":5}})",
      R"({"choices":[{"message":{"content":"x"},"finish_reason":3}]})",
      R"({"choices":[{"message":{"content":"x"},"finish_reason":null}],"usage":null})",
      R"({"choices":[{"message":{"content":7}}]})",
      R"({"choices":[{"message":"text"}]})",
      R"({"choices":[]})",
      R"({"choices":{"0":{}}})",
      R"({"choices":[1]})",
      R"({"error":{"message":"overloaded"},"choices":[]})",
      R"({"error":null,"choices":[{"message":{"content":"ok"}}]})",
      R"([1,2])",
      R"("text")",
  };
  for (const auto& body : strict_bodies) {
    CAPTURE(body);
    auto reply = http_reply(200, body);
    auto strict = openai_wire::decode_strict_completion(reply);
    REQUIRE(strict.has_value());
    auto any = openai_wire::decode_any_completion(reply);
    REQUIRE(bool(*strict) == bool(any));
    if (any) {
      CHECK((*strict)->text == any->text);
      CHECK((*strict)->finish_reason == any->finish_reason);
      CHECK((*strict)->usage.prompt_tokens == any->usage.prompt_tokens);
      CHECK((*strict)->usage.completion_tokens == any->usage.completion_tokens);
      CHECK((*strict)->top_logprobs == any->top_logprobs);
      CHECK((*strict)->latency_ms == any->latency_ms);
    } else {
      CHECK(strict->error().kind == any.error().kind);
      CHECK(strict->error().message == any.error().message);
    }
  }
  // Values by hand for three of them.
  auto first = *openai_wire::decode_strict_completion(http_reply(200, strict_bodies[0]));
  REQUIRE(first);
  CHECK(first->text == std::string("Hi \"you\" \xC3\xA9 \xF0\x9F\x98\x80 \0.", 19));
  CHECK(first->usage.completion_tokens == 4);
  auto duplicate = *openai_wire::decode_strict_completion(http_reply(200, strict_bodies[4]));
  REQUIRE(duplicate);
  CHECK(duplicate->text == "second"); // the last of two members of one name, as nlohmann keeps
  auto logprobs = *openai_wire::decode_strict_completion(http_reply(200, strict_bodies[6]));
  REQUIRE(logprobs);
  CHECK(logprobs->top_logprobs ==
        std::vector<std::pair<std::string, double>>{{"A", -1.0}, {"B", -2.5e-3}, {"C", 0.0}});

  // What the strict decoder leaves to the general one, which repairs or refuses it.
  for (
      const std::string body : {
          R"({"choices":[{"message":{"content":"lone \ud800 high"}}]})",
          "{\"choices\":[{\"message\":{\"content\":\"bad \xFF byte\"}}]}",
          R"({"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":1e999}})",
          R"({"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":-9223372036854775809}})",
          R"({"choices":[{"message":{"content":"x"}}]} trailing)",
          "",
      }) {
    CAPTURE(body);
    CHECK_FALSE(openai_wire::decode_strict_completion(http_reply(200, body)).has_value());
  }
  auto repaired = openai_wire::parse_chat_reply(
      http_reply(200, "{\"choices\":[{\"message\":{\"content\":\"lone \\ud800 high \xFF\"}}]}"));
  REQUIRE(repaired);
  CHECK(repaired->text == "lone \xEF\xBF\xBD high \xEF\xBF\xBD");
}

TEST_CASE("null content is an empty text, or the refusal when there is one, not an error")
{
  auto r = openai_wire::parse_chat_reply(http_reply(
      200,
      R"({"choices":[{"message":{"role":"assistant","content":null},"finish_reason":"stop"}]})"));
  REQUIRE(r);
  CHECK(r->text.empty());
  auto refused = openai_wire::parse_chat_reply(http_reply(
      200,
      R"({"choices":[{"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]})"));
  REQUIRE(refused);
  CHECK(refused->text == "I can't help with that.");
}

TEST_CASE("HTTP statuses and OpenAI error bodies map to typed errors")
{
  auto rate = http_reply(
      429,
      R"({"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}})");
  rate.retry_after_s = 2.0;
  auto r = openai_wire::parse_chat_reply(rate);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == Error::Kind::rate_limited);
  CHECK(r.error().http_status == 429);
  CHECK(r.error().retry_after_s == 2.0);
  CHECK(r.error().message.find("rate_limit_exceeded") != std::string::npos);
  CHECK(r.error().message.find("Rate limit reached") != std::string::npos);
  CHECK(is_retryable(r.error().kind));

  auto server = openai_wire::parse_chat_reply(http_reply(503, "upstream down"));
  CHECK(server.error().kind == Error::Kind::server);
  CHECK(server.error().message.find("upstream down") != std::string::npos);

  auto context = openai_wire::parse_chat_reply(http_reply(
      400,
      R"({"error":{"message":"maximum context length is 4096","type":"invalid_request_error","code":"context_length_exceeded"}})"));
  CHECK(context.error().kind == Error::Kind::context_exceeded);
  CHECK_FALSE(is_retryable(context.error().kind));
  // Each server's own words (bodies as they send them, numbers shortened).
  for (
      const char* body :
      {R"({"error":{"code":400,"message":"the request exceeds the available context size, try increasing it","type":"exceed_context_size_error","n_prompt_tokens":5000,"n_ctx":4096}})",
       R"({"object":"error","message":"This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4000 in the messages, 1000 in the completion). Please reduce the length of the messages or completion.","type":"BadRequestError","param":null,"code":400})",
       R"({"object":"error","message":"The input (5000 tokens) is longer than the model's context length (4096 tokens).","type":"BadRequestError","param":null,"code":400})"}) {
    auto refused = openai_wire::parse_chat_reply(http_reply(400, body));
    CHECK_MESSAGE(refused.error().kind == Error::Kind::context_exceeded, body);
    CHECK(refused.error().message.find("HTTP 400") == 0);
  }
  // vLLM's and SGLang's top-level error: its message, not the JSON text.
  CHECK(openai_wire::parse_chat_reply(
            http_reply(400, R"({"object":"error","message":"bad top_p","type":"BadRequestError",)"
                            R"("param":null,"code":400})"))
            .error()
            .message == "HTTP 400 BadRequestError: bad top_p");
  // Another 400, and the words at another status, are not.
  CHECK(openai_wire::parse_chat_reply(http_reply(400, R"({"error":{"message":"bad top_p"}})"))
            .error()
            .kind == Error::Kind::http);
  CHECK(openai_wire::parse_chat_reply(
            http_reply(500, R"({"error":{"message":"maximum context length"}})"))
            .error()
            .kind == Error::Kind::server);

  CHECK(openai_wire::parse_chat_reply(http_reply(408, "")).error().kind == Error::Kind::timeout);
  CHECK(openai_wire::parse_chat_reply(http_reply(404, R"({"error":{"message":"model not found"}})"))
            .error()
            .kind == Error::Kind::http);
}

TEST_CASE("a 200 whose body is not a chat completion is bad_response")
{
  for (const char* body :
       {R"({"id":"chatcmpl-garbage","object":"chat.compl)", "[]", R"({"choices":[]})",
        R"({"choices":[{"message":{"content":5}}]})", R"({"choices":[{}]})"}) {
    CAPTURE(body);
    auto r = openai_wire::parse_chat_reply(http_reply(200, body));
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == Error::Kind::bad_response);
    CHECK(is_retryable(r.error().kind));
  }
}

namespace {

// Decodes `body` as a 200 reply, checking that it is a bad_response whose
// message names the reason (the decoder never throws, whatever the body).
Error
rejected(const std::string& body)
{
  CAPTURE(body.substr(0, 200));
  std::optional<Result<Response>> r;
  REQUIRE_NOTHROW(r.emplace(openai_wire::parse_chat_reply(http_reply(200, body))));
  REQUIRE_FALSE(*r);
  CHECK(r->error().kind == Error::Kind::bad_response);
  CHECK(r->error().http_status == 200);
  CHECK(r->error().message.starts_with("invalid chat completion: "));
  CHECK(r->error().message.size() > std::string_view("invalid chat completion: ").size());
  return r->error();
}

// A valid chat completion with `field` (a JSON text) at `where` ("body",
// "choice" or "message"), replacing what is there.
std::string
completion_with(const std::string& where, const std::string& field)
{
  std::string message = R"({"role":"assistant","content":"Hello")";
  std::string choice = R"({"index":0,"finish_reason":"stop")";
  std::string body = R"({"id":"chatcmpl-1","object":"chat.completion","model":"m")";
  (where == "message" ? message : where == "choice" ? choice : body) += "," + field;
  choice += R"(,"message":)" + message + "}}";
  if (body.find(R"("choices")") == std::string::npos) {
    body += R"(,"choices":[)" + choice + "]";
  }
  return body + "}";
}

} // namespace

TEST_CASE("numbers out of range are a bad_response with the reason, never an exception")
{
  // nlohmann throws out_of_range (not parse_error) for a number no double holds.
  auto e = rejected(completion_with("body", R"("created":1e999)"));
  CHECK(e.message.find("1e999") != std::string::npos);
  rejected(completion_with("body", R"("created":-1e999)"));
  // Token counts beyond an int, negative or fractional are no token counts.
  for (const char* usage : {R"({"prompt_tokens":99999999999999999999999,"completion_tokens":1})",
                            R"({"prompt_tokens":18446744073709551615,"completion_tokens":1})",
                            R"({"prompt_tokens":1,"completion_tokens":2147483648})",
                            R"({"prompt_tokens":-1,"completion_tokens":1})",
                            R"({"prompt_tokens":1e300})", R"({"prompt_tokens":1.5})"}) {
    e = rejected(completion_with("body", std::string(R"("usage":)") + usage));
    CHECK(e.message.find("usage") != std::string::npos);
  }
  // The largest count an int holds is read.
  auto ok = openai_wire::parse_chat_reply(http_reply(
      200,
      completion_with("body", R"("usage":{"prompt_tokens":2147483647,"completion_tokens":null})")));
  REQUIRE(ok);
  CHECK(ok->usage.prompt_tokens == 2147483647);
  CHECK(ok->usage.completion_tokens == 0);
}

TEST_CASE("fields of the wrong type are a bad_response naming the field")
{
  struct Case
  {
    std::string body;
    std::string names;
  };
  const std::vector<Case> cases = {
      {R"({"choices":{"0":{"message":{"content":"Hello"}}}})", "choices"},
      {R"({"choices":"Hello"})", "choices"},
      {R"({"choices":["Hello"]})", "choice"},
      {R"({"choices":[{"text":5}]})", "text"},
      {R"({"choices":[{"message":"Hello"}]})", "message"},
      {completion_with("message", R"("content":["Hello"])"), "content"},
      {R"({"choices":[{"message":{"content":{"text":"Hello"}}}]})", "content"},
      {completion_with("choice", R"("logprobs":"garbage")"), "logprobs"},
      {completion_with("choice", R"("logprobs":[1,2,3])"), "logprobs"},
      {completion_with("choice", R"("logprobs":{"content":5})"), "logprobs.content"},
      {completion_with("choice", R"("logprobs":{"content":[5]})"), "logprobs.content[0]"},
      {completion_with("choice", R"("logprobs":{"content":[{"token":"m","top_logprobs":"m"}]})"),
       "top_logprobs"},
      {completion_with(
           "choice",
           R"("logprobs":{"content":[{"token":"m","top_logprobs":[{"token":"m","logprob":"-0.1"}]}]})"),
       "top logprob"},
      {completion_with(
           "choice",
           R"("logprobs":{"content":[{"token":"m","top_logprobs":[{"token":7,"logprob":-0.1}]}]})"),
       "top logprob"},
      {completion_with("choice", R"("logprobs":{"content":[{"top_logprobs":[null]}]})"),
       "top logprob"},
      {completion_with("choice", R"("finish_reason":7)"), "finish_reason"},
      {completion_with("body", R"("usage":[7,1])"), "usage"},
      {completion_with("body", R"("usage":{"prompt_tokens":"7","completion_tokens":1})"), "usage"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.body);
    CHECK(rejected(c.body).message.find(c.names) != std::string::npos);
  }
}

TEST_CASE("null and absent optional fields are read as nothing")
{
  auto r = openai_wire::parse_chat_reply(
      http_reply(200, R"({"choices":[{"message":{"role":"assistant","content":"Hi"},"logprobs":null,
               "finish_reason":null}],"usage":null})"));
  REQUIRE(r);
  CHECK(r->text == "Hi");
  CHECK(r->top_logprobs.empty());
  CHECK(r->finish_reason.empty());
  // A text completion's logprobs (tokens, token_logprobs, ...) are not the chat format's.
  r = openai_wire::parse_chat_reply(http_reply(
      200,
      R"({"choices":[{"text":"Hi","logprobs":{"tokens":["Hi"],"token_logprobs":[-0.1],"top_logprobs":[{"Hi":-0.1}]}}]})"));
  REQUIRE(r);
  CHECK(r->text == "Hi");
  CHECK(r->top_logprobs.empty());
  // Chat logprobs with "bytes" and the rest, as vLLM and OpenAI send them.
  r = openai_wire::parse_chat_reply(http_reply(
      200,
      completion_with(
          "choice",
          R"("logprobs":{"content":[{"token":"m","logprob":-0.2,"bytes":[109],"top_logprobs":[{"token":"m","logprob":-0.2,"bytes":[109]},{"token":"M","logprob":-1.7,"bytes":null}]}]})")));
  REQUIRE(r);
  REQUIRE(r->top_logprobs.size() == 2);
  CHECK(r->top_logprobs[1].first == "M");
  CHECK(r->top_logprobs[1].second == -1.7);
}

TEST_CASE("deeply nested JSON is a bad_response, not a stack overflow")
{
  const size_t depth = 100'000;
  std::string arrays = std::string(depth, '[') + std::string(depth, ']');
  std::string objects;
  for (size_t i = 0; i < depth; ++i) {
    objects += R"({"a":)";
  }
  objects += "1" + std::string(depth, '}');
  rejected(arrays);
  rejected(objects);
  rejected(R"({"choices":)" + arrays + "}");
  rejected(R"({"choices":[{"message":{"content":)" + objects + "}}]}");
  rejected(completion_with("choice", R"("logprobs":{"content":)" + arrays + "}"));
  rejected(completion_with("choice", R"("logprobs":{"content":)" + objects + "}"));
  // Unbalanced: the parser gives up at the end of the text.
  rejected(std::string(depth, '['));
  // An error body nested as deep is read without recursion too.
  auto r = openai_wire::parse_chat_reply(http_reply(500, R"({"error":)" + objects + "}"));
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == Error::Kind::server);
}

TEST_CASE("an error object inside a 200 is not taken as a success")
{
  auto r = openai_wire::parse_chat_reply(
      http_reply(200, R"({"error":{"message":"overloaded","type":"server_error"}})"));
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == Error::Kind::server);
}

TEST_CASE("server side: request parse and reply body round-trip")
{
  auto parsed = openai_wire::parse_chat_request(openai_wire::request_body(sample_request()));
  REQUIRE(parsed);
  CHECK(parsed->model == "kaist-ai/janus-7b");
  CHECK(parsed->messages == sample_request().messages);
  CHECK(parsed->params.max_tokens == 1024);
  CHECK_FALSE(openai_wire::parse_chat_request("{}"));

  auto body = openai_wire::chat_reply_body("m", "text \"q\"", Usage{4, 2}, "stop");
  auto r = openai_wire::parse_chat_reply(http_reply(200, body));
  REQUIRE(r);
  CHECK(r->text == "text \"q\"");
  CHECK(r->usage.prompt_tokens == 4);
}

TEST_CASE("server side: numbers no int holds and deep nesting are parse errors, not a crash")
{
  // Found by fuzz/fuzz_openai_reply: get<int>() of 1e30 is undefined behaviour (UBSan:
  // "1e+30 is outside the range of representable values of type 'int'"), and dumping a
  // schema nested 200,000 levels deep overflowed the demo server's stack.
  auto chat = [](const std::string& extra) {
    return R"({"model":"m","messages":[{"role":"user","content":"Hi"}])" + extra + "}";
  };
  for (const char* max_tokens : {"1e30", "-1e30", "2147483648", "99999999999999999999",
                                 "-2147483649", "18446744073709551615", "12.5", "\"12\""}) {
    CAPTURE(max_tokens);
    std::optional<Result<ChatRequest>> r;
    REQUIRE_NOTHROW(r.emplace(
        openai_wire::parse_chat_request(chat(R"(,"max_tokens":)" + std::string(max_tokens)))));
    REQUIRE_FALSE(*r);
    CHECK(r->error().kind == Error::Kind::parse);
    CHECK(r->error().message.find("max_tokens") != std::string::npos);
    REQUIRE_NOTHROW(r.emplace(openai_wire::parse_completion_request(
        R"({"model":"m","prompt":"Hi","max_tokens":)" + std::string(max_tokens) + "}")));
    REQUIRE_FALSE(*r);
    CHECK(r->error().kind == Error::Kind::parse);
  }
  CHECK_FALSE(
      openai_wire::parse_chat_request(chat(R"(,"logprobs":true,"top_logprobs":4294967301)")));
  auto fits = openai_wire::parse_chat_request(chat(R"(,"max_tokens":2147483647,"top_logprobs":5)"));
  REQUIRE(fits);
  CHECK(fits->params.max_tokens == 2147483647);
  CHECK(fits->params.top_logprobs == 5);

  const size_t depth = 200'000;
  auto deep = openai_wire::parse_chat_request(
      chat(R"(,"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":)" +
           std::string(depth, '[') + std::string(depth, ']') + "}}"));
  REQUIRE_FALSE(deep);
  CHECK(deep.error().kind == Error::Kind::parse);
  CHECK(deep.error().message.find("nested deeper") != std::string::npos);
  // The schemas evalrun sends are far shallower.
  auto schema = openai_wire::parse_chat_request(
      chat(R"(,"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":)" +
           std::string(40, '[') + std::string(40, ']') + "}}"));
  REQUIRE(schema);
  CHECK(schema->json_schema == std::string(40, '[') + std::string(40, ']'));
}

TEST_SUITE_END();
