#include <harness/client/openai_wire.hpp>
#include <harness/client/preflight.hpp>
#include <harness/request_hash.hpp>
#include <harness/server_dialect.hpp>

#include <doctest/doctest.h>
#include <fmt/core.h>

#include <stdexcept>
#include <string>
#include <tests/support/scripted_transport.hpp>

using harness::ChatRequest;
using harness::EndpointConfig;
using harness::ServerDialect;
using harness::client::HttpReply;
using harness::client::HttpRequest;
namespace wire = harness::client::openai_wire;

TEST_SUITE_BEGIN("harness::server_dialect");

namespace {

ChatRequest
sampled_request()
{
  ChatRequest r;
  r.model = "m";
  r.messages = {{harness::Role::user, "hi"}};
  r.params.temperature = 0.7;
  r.params.top_p = 0.9;
  r.params.max_tokens = 64;
  r.params.seed = 1;
  r.params.repetition_penalty = 1.03;
  r.params.top_k = 40;
  r.params.min_p = 0.05;
  return r;
}

} // namespace

// The bodies below are written by hand from each server's parameter names:
// vLLM's and SGLang's OpenAI servers read repetition_penalty, top_k and min_p
// as extra sampling fields; llama.cpp's server reads repeat_penalty (and
// ignores repetition_penalty), top_k and min_p; OpenAI applies none of them.
TEST_CASE("each server gets the sampling parameters by the names it reads")
{
  const ChatRequest r = sampled_request();
  const std::string messages = R"("messages":[{"content":"hi","role":"user"}])";
  CHECK(wire::request_body(r, ServerDialect::vllm) ==
        R"({"max_tokens":64,)" + messages +
            R"(,"min_p":0.05,"model":"m","repetition_penalty":1.03,"seed":1,)"
            R"("temperature":0.7,"top_k":40,"top_p":0.9})");
  CHECK(wire::request_body(r, ServerDialect::sglang) == wire::request_body(r, ServerDialect::vllm));
  CHECK(wire::request_body(r, ServerDialect::llama_cpp) ==
        R"({"max_tokens":64,)" + messages +
            R"(,"min_p":0.05,"model":"m","repeat_penalty":1.03,"seed":1,)"
            R"("temperature":0.7,"top_k":40,"top_p":0.9})");
  // OpenAI: refused, never dropped; OpenAI's own parameters go as they are.
  CHECK_THROWS_AS(wire::request_body(r, ServerDialect::openai), std::invalid_argument);
  ChatRequest plain = r;
  plain.params.repetition_penalty.reset();
  plain.params.top_k.reset();
  plain.params.min_p.reset();
  CHECK(wire::request_body(plain, ServerDialect::openai) ==
        R"({"max_tokens":64,)" + messages +
            R"(,"model":"m","seed":1,"temperature":0.7,"top_p":0.9})");
}

TEST_CASE("the request hash covers evalrun's names, whatever the server")
{
  const ChatRequest r = sampled_request();
  CHECK(wire::semantics_json(r) ==
        R"({"messages":[{"content":"hi","role":"user"}],"model":"m","params":{"max_tokens":64,)"
        R"("min_p":0.05,"repetition_penalty":1.03,"seed":1,"temperature":0.7,"top_k":40,)"
        R"("top_p":0.9}})");
}

TEST_CASE("the parameters a server cannot apply are named")
{
  harness::GenParams p;
  p.temperature = 1.0;
  CHECK(harness::unsupported_params(p, ServerDialect::openai).empty());
  p.repetition_penalty = 1.03;
  p.min_p = 0.1;
  CHECK(harness::unsupported_params(p, ServerDialect::openai) ==
        std::vector<std::string>{"repetition_penalty", "min_p"});
  CHECK(harness::unsupported_params(p, ServerDialect::llama_cpp).empty());
  CHECK(harness::parse_server_dialect("llama.cpp") == ServerDialect::llama_cpp);
  CHECK_FALSE(harness::parse_server_dialect("llamacpp").has_value());
}

// Model lists as each server writes them (fields trimmed to those read).
TEST_CASE("model lists name the kind of server and its context length")
{
  auto vllm = wire::parse_model_list(
      R"({"object":"list","data":[{"id":"kaist-ai/janus-7b","object":"model","created":1,)"
      R"("owned_by":"vllm","root":"kaist-ai/janus-7b","parent":null,"max_model_len":32768,)"
      R"("permission":[]}]})");
  REQUIRE(vllm);
  REQUIRE(vllm->size() == 1);
  CHECK((*vllm)[0].id == "kaist-ai/janus-7b");
  CHECK(harness::dialect_of_owner((*vllm)[0].owned_by) == ServerDialect::vllm);
  CHECK((*vllm)[0].context_length == 32768);
  auto llama = wire::parse_model_list(
      R"({"object":"list","data":[{"id":"models/tiny.gguf","object":"model","created":1,)"
      R"("owned_by":"llamacpp","meta":{"vocab_type":1,"n_vocab":32000,"n_ctx_train":2048}}]})");
  REQUIRE(llama);
  CHECK(harness::dialect_of_owner((*llama)[0].owned_by) == ServerDialect::llama_cpp);
  CHECK((*llama)[0].context_length == 2048);
  auto sglang = wire::parse_model_list(
      R"({"object":"list","data":[{"id":"m","object":"model","owned_by":"sglang","root":"m",)"
      R"("max_model_len":4096}]})");
  REQUIRE(sglang);
  CHECK(harness::dialect_of_owner((*sglang)[0].owned_by) == ServerDialect::sglang);
  auto openai = wire::parse_model_list(
      R"({"object":"list","data":[{"id":"gpt-4-0613","object":"model","owned_by":"openai"}]})");
  REQUIRE(openai);
  CHECK_FALSE(harness::dialect_of_owner((*openai)[0].owned_by).has_value());
  CHECK_FALSE((*openai)[0].context_length.has_value());
  CHECK_FALSE(wire::parse_model_list("not json").has_value());
  CHECK_FALSE(wire::parse_model_list(R"({"data":[{"name":"x"}]})").has_value());
}

// llama-server's own list (Debian's build 11669, `--parallel 4 -c 4096`):
// meta.n_ctx is what each slot gets, not the trained context.
TEST_CASE("a llama.cpp model list gives the context each slot has")
{
  auto llama = wire::parse_model_list(
      R"({"models":[{"name":"model.gguf"}],"object":"list","data":[{"id":"model.gguf",)"
      R"("owned_by":"llamacpp","object":"model","created":1764467000,"meta":{"n_vocab":896,)"
      R"("n_ctx":1024,"n_ctx_train":4096,"n_embd":256,"n_params":3410176,"size":6824960,)"
      R"("ftype":"F16"}}]})");
  REQUIRE(llama);
  CHECK((*llama)[0].context_length == 1024);
}

TEST_CASE("what a model list says names the weights and context, not the listing")
{
  auto vllm = wire::parse_model_list(
      R"({"object":"list","data":[{"id":"local","object":"model","created":1700000001,)"
      R"("owned_by":"vllm","root":"/models/janus-7b","parent":null,"max_model_len":4096,)"
      R"("permission":[{"id":"modelperm-1"}]}]})");
  REQUIRE(vllm);
  // Canonical JSON of root and max_model_len; created and permission change at every start.
  CHECK((*vllm)[0].identity == R"({"max_model_len":4096,"root":"/models/janus-7b"})");
  auto other = wire::parse_model_list(
      R"({"object":"list","data":[{"id":"local","object":"model","created":1700000999,)"
      R"("owned_by":"vllm","root":"/models/other-7b","max_model_len":4096}]})");
  REQUIRE(other);
  CHECK((*other)[0].identity == R"({"max_model_len":4096,"root":"/models/other-7b"})");
  auto llama = wire::parse_model_list(
      R"({"data":[{"id":"local","owned_by":"llamacpp","meta":{"n_params":3,"n_ctx":1024}}]})");
  REQUIRE(llama);
  CHECK((*llama)[0].identity == R"({"meta":{"n_ctx":1024,"n_params":3}})");
  auto openai = wire::parse_model_list(
      R"({"object":"list","data":[{"id":"gpt-4o","object":"model","owned_by":"system"}]})");
  REQUIRE(openai);
  CHECK((*openai)[0].identity.empty());
}

// Two servers that both call their model `local`: their requests are not the
// same request, and an endpoint that says nothing more keeps the hash it had.
TEST_CASE("what the server serves is part of a request's identity")
{
  harness::ChatRequest a;
  a.model = "local";
  a.messages = {{harness::Role::user, "hi"}};
  const std::string plain = wire::semantics_json(a);
  CHECK(plain.find("served") == std::string::npos);
  harness::ChatRequest b = a;
  b.served = R"({"max_model_len":4096,"root":"/models/janus-7b"})";
  harness::ChatRequest c = a;
  c.served = R"({"max_model_len":4096,"root":"/models/other-7b"})";
  CHECK(wire::semantics_json(b) ==
        R"({"messages":[{"content":"hi","role":"user"}],"model":"local","params":{},)"
        R"("served":{"max_model_len":4096,"root":"/models/janus-7b"}})");
  CHECK(harness::request_hash(b) != harness::request_hash(c));
  CHECK(harness::request_hash(b) != harness::request_hash(a));
  // Never sent: the body is what the server reads.
  CHECK(wire::request_body(b).find("served") == std::string::npos);
}

TEST_CASE("a reply's model and system_fingerprint are kept, a malformed one ignored")
{
  harness::client::HttpReply reply;
  reply.status = 200;
  reply.body = R"({"id":"x","model":"gpt-4o-2024-08-06","system_fingerprint":"fp_abc",)"
               R"("choices":[{"index":0,"message":{"role":"assistant","content":"ok"},)"
               R"("finish_reason":"stop"}]})";
  auto parsed = wire::parse_chat_reply(reply);
  REQUIRE(parsed);
  CHECK(parsed->model == "gpt-4o-2024-08-06");
  CHECK(parsed->system_fingerprint == "fp_abc");
  reply.body = R"({"model":7,"system_fingerprint":null,"choices":[{"message":{"content":"ok"}}]})";
  parsed = wire::parse_chat_reply(reply);
  REQUIRE(parsed);
  CHECK(parsed->text == "ok");
  CHECK(parsed->model.empty());
  CHECK(parsed->system_fingerprint.empty());
}

namespace {

// check_endpoint against a server that answers GET /models with `body`.
std::optional<std::string>
check_against(EndpointConfig& e, int status, std::string body)
{
  testsupport::ScriptedTransport transport(
      [&](const HttpRequest&, int) -> harness::Result<HttpReply> {
        HttpReply reply;
        reply.status = status;
        reply.body = body;
        return reply;
      });
  return harness::client::check_endpoint(transport, e, std::nullopt);
}

EndpointConfig
endpoint(std::string model)
{
  EndpointConfig e;
  e.name = "local";
  e.base_url = "http://127.0.0.1:8080/v1";
  e.model = std::move(model);
  e.defined_in = "eps.yaml:3";
  return e;
}

const char* k_llama_list =
    R"({"object":"list","data":[{"id":"tiny.gguf","object":"model","owned_by":"llamacpp"}]})";

} // namespace

TEST_CASE("a model the server does not list is refused, naming what it serves")
{
  EndpointConfig typo = endpoint("tiny.ggfu");
  auto problem = check_against(typo, 200, k_llama_list);
  REQUIRE(problem);
  CHECK(problem->find("does not serve model 'tiny.ggfu'; it serves 'tiny.gguf'") !=
        std::string::npos);
  CHECK(problem->find("eps.yaml:3") != std::string::npos);

  EndpointConfig right = endpoint("tiny.gguf");
  right.params.repetition_penalty = 1.03;
  CHECK_FALSE(check_against(right, 200, k_llama_list).has_value());
  CHECK(right.server == ServerDialect::llama_cpp); // read from owned_by
}

TEST_CASE("a server's kind comes from the endpoints file first, else OpenAI's")
{
  EndpointConfig said = endpoint("tiny.gguf");
  said.server = ServerDialect::vllm;
  CHECK_FALSE(check_against(said, 200, k_llama_list).has_value());
  CHECK(said.server == ServerDialect::vllm);

  // No list (404): the model cannot be checked, and the kind is OpenAI's, so a
  // parameter beyond OpenAI's is refused before anything is sent.
  EndpointConfig unlisted = endpoint("x");
  unlisted.params.repetition_penalty = 1.03;
  auto problem = check_against(unlisted, 404, "{}");
  REQUIRE(problem);
  CHECK(problem->find("is an openai server, which cannot apply repetition_penalty") !=
        std::string::npos);
  CHECK(unlisted.server == ServerDialect::openai);
}

// llama-server started with `--alias local,other` lists id "local" with
// aliases ["local", "other"], and answers to either.
TEST_CASE("a model is served when it is among a listed model's aliases")
{
  auto e = endpoint("other");
  CHECK_FALSE(check_against(e, 200,
                            R"({"data":[{"id":"local","aliases":["local","other"],)"
                            R"("owned_by":"llamacpp","meta":{"n_ctx":1024}}]})"));
  CHECK(e.context_length == 1024);
  auto typo = endpoint("othr");
  CHECK(check_against(
            typo, 200,
            R"({"data":[{"id":"local","aliases":["local","other"],"owned_by":"llamacpp"}]})")
            .has_value());
}

// Replicas answer for one endpoint: what one says describes them all, so
// replicas that list the model differently are refused before anything is sent.
TEST_CASE("replicas that serve the model differently are refused")
{
  testsupport::ScriptedTransport transport([](const HttpRequest& request,
                                              int) -> harness::Result<HttpReply> {
    HttpReply reply;
    reply.status = 200;
    const bool second = request.url.find(":8082/") != std::string::npos;
    reply.body =
        fmt::format(R"({{"data":[{{"id":"local","owned_by":"llamacpp","meta":{{"n_ctx":{}}}}}]}})",
                    second ? 1280 : 256);
    return reply;
  });
  auto e = endpoint("local");
  e.replica_urls = {"http://127.0.0.1:8081/v1", "http://127.0.0.1:8082/v1"};
  e.base_url = e.replica_urls.front();
  try {
    harness::client::ready_endpoints({&e}, transport, "out.db");
    FAIL("replicas that differ were accepted");
  } catch (const harness::Fatal& fatal) {
    const std::string message = fatal.what();
    CHECK(message.find("the replicas of endpoint 'local' (defined in eps.yaml:3) do not serve the "
                       "same: http://127.0.0.1:8081/v1 says llama.cpp server, context 256") !=
          std::string::npos);
    CHECK(message.find("http://127.0.0.1:8082/v1 says llama.cpp server, context 1280") !=
          std::string::npos);
  }
  // The same lists: accepted, described by the first.
  testsupport::ScriptedTransport same([](const HttpRequest&, int) -> harness::Result<HttpReply> {
    HttpReply reply;
    reply.status = 200;
    reply.body = R"({"data":[{"id":"local","owned_by":"llamacpp","meta":{"n_ctx":512}}]})";
    return reply;
  });
  auto f = endpoint("local");
  f.replica_urls = {"http://127.0.0.1:8081/v1", "http://127.0.0.1:8082/v1"};
  f.base_url = f.replica_urls.front();
  auto ready = harness::client::ready_endpoints({&f}, same, "out.db");
  CHECK(f.context_length == 512);
  CHECK(f.served == R"({"meta":{"n_ctx":512}})");
  CHECK(same.requests.size() == 2); // one model list per replica
}

TEST_SUITE_END();
