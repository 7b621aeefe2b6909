// libFuzzer target: the OpenAI wire decoder on arbitrary bodies. A reply to a
// chat or text completion, with any status, is a Response or a typed Error,
// never an exception; the demo server's request readers likewise; and the
// repair of invalid UTF-8 and lone surrogates before decoding. The strict
// (simdjson) and the general (nlohmann) decoders agree on every body the
// strict one reads.

#include "fuzz_check.hpp"

#include <harness/client/openai_wire.hpp>
#include <harness/utf8.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace harness;
using namespace harness::client;

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string body(reinterpret_cast<const char*>(data), size);
  for (int status : {200, 201, 400, 408, 429, 500, 503}) {
    HttpReply reply;
    reply.status = status;
    reply.body = body;
    reply.elapsed_ms = 1;
    auto r = openai_wire::parse_chat_reply(reply); // an exception here aborts the run
    if (status >= 300) {
      FUZZ_CHECK(!r);
    }
    if (!r) {
      FUZZ_CHECK(!r.error().message.empty());
      // A 2xx is a completion, an error object inside it (server) or a bad_response.
      FUZZ_CHECK(status >= 300 || r.error().kind == Error::Kind::bad_response ||
                 r.error().kind == Error::Kind::server);
      continue;
    }
    FUZZ_CHECK(r->usage.prompt_tokens >= 0 && r->usage.completion_tokens >= 0);
    for (const auto& [token, logprob] : r->top_logprobs) {
      FUZZ_CHECK(std::isfinite(logprob));
    }
  }
  HttpReply ok;
  ok.status = 200;
  ok.body = body;
  if (auto strict = openai_wire::decode_strict_completion(ok)) {
    auto any = openai_wire::decode_any_completion(ok);
    FUZZ_CHECK(bool(*strict) == bool(any));
    if (any) {
      FUZZ_CHECK((*strict)->text == any->text);
      FUZZ_CHECK((*strict)->finish_reason == any->finish_reason);
      FUZZ_CHECK((*strict)->usage.prompt_tokens == any->usage.prompt_tokens);
      FUZZ_CHECK((*strict)->usage.completion_tokens == any->usage.completion_tokens);
      FUZZ_CHECK((*strict)->top_logprobs == any->top_logprobs);
    } else {
      FUZZ_CHECK(strict->error().kind == any.error().kind);
      FUZZ_CHECK(strict->error().message == any.error().message);
    }
  }
  (void)openai_wire::parse_chat_request(body);
  (void)openai_wire::parse_completion_request(body);
  // The client pool's repair of a reply before decoding: what comes out is
  // well-formed UTF-8, and repairing it again changes nothing.
  const std::string repaired = valid_json_text(body);
  FUZZ_CHECK(valid_utf8(repaired) == repaired);
  FUZZ_CHECK(valid_json_text(repaired) == repaired);
  return 0;
}
