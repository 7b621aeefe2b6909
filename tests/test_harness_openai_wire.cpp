#include <harness/client/openai_wire.hpp>
#include <harness/request_hash.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

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

TEST_CASE("null content (e.g. a refusal) is an empty text, not an error")
{
  auto r = openai_wire::parse_chat_reply(http_reply(
      200,
      R"({"choices":[{"message":{"role":"assistant","content":null},"finish_reason":"stop"}]})"));
  REQUIRE(r);
  CHECK(r->text.empty());
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
  CHECK(context.error().kind == Error::Kind::http);
  CHECK_FALSE(is_retryable(context.error().kind));

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

TEST_SUITE_END();
