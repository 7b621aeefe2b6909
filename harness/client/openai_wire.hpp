#pragma once

#include <harness/client/http.hpp>
#include <harness/error.hpp>
#include <harness/server_dialect.hpp>
#include <harness/types.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The only code that knows the OpenAI chat-completions wire format, in both
// directions (the client and the built-in demo server).
namespace harness::client::openai_wire {

// URL of the chat-completions endpoint under an OpenAI-style base URL
// ("http://host:8000/v1" -> ".../v1/chat/completions").
std::string chat_url(const std::string& base_url);

// URL of the text-completions endpoint.
std::string completions_url(const std::string& base_url);

// The URL `request` goes to: completions when it has a rendered prompt.
std::string request_url(const std::string& base_url, const ChatRequest& request);

// URL of the model list (GET), used to check that a server answers.
std::string models_url(const std::string& base_url);

// One model a server lists (GET /v1/models): its id, who it says owns it
// (vLLM: "vllm", llama.cpp: "llamacpp", SGLang: "sglang"), and its context
// length where it gives one (vLLM's and SGLang's max_model_len, llama.cpp's
// meta.n_ctx_train).
struct ServedModel
{
  std::string id;
  std::vector<std::string> aliases; // other names it answers to (llama.cpp's --alias a,b)
  std::string owned_by;
  std::optional<long> context_length;
  // The entry's root (vLLM, SGLang: the weights' path), max_model_len and
  // meta (llama.cpp: parameters, size, vocabulary, trained context), as
  // canonical JSON; empty when it has none of them.
  std::string identity;
};

// The models of a model list body ({"data": [{"id": ...}, ...]}); nullopt
// when the body is no such list.
std::optional<std::vector<ServedModel>> parse_model_list(std::string_view body);

// JSON body for `request` (no "stream"): /chat/completions with messages, or
// /completions with the rendered prompt when it has one. Sampling parameters
// are named as a server of `dialect` reads them (vLLM's names are evalrun's
// own); one that server cannot apply throws std::invalid_argument.
std::string request_body(const ChatRequest& request, ServerDialect dialect = ServerDialect::vllm);

// Canonical JSON of the request's semantics (model, messages, rendered
// prompt if any, params; keys
// sorted, no endpoint name): the input of the request hash and what the
// store records as the request.
std::string semantics_json(const ChatRequest& request);

// Canonical JSON of sampling parameters as they go on the wire (keys sorted,
// unset ones left out): the one encoding that requests, the request hash and
// the run key all use.
std::string params_json(const GenParams& params);

// Maps an HTTP reply to a Response, or to a typed Error: OpenAI error bodies
// ({"error":{"message","type","code"}}) and statuses give rate_limited (429),
// server (5xx), timeout (408) or http (other 4xx); a 2xx body that is not a
// chat completion (choices[0].message.content) or text completion
// (choices[0].text) gives bad_response, and so does one with a field of the
// wrong type (logprobs, finish_reason, usage), a token count no int holds or
// a number no double holds (1e999). Never throws: whatever the body, the
// reason is in the Error.
// Invalid UTF-8 and lone surrogate escapes in the body are replaced first
// (valid_json_text), not a reason to lose a reply.
Result<Response> parse_chat_reply(const HttpReply& reply);

// The two ways parse_chat_reply reads a 2xx body, the same in all they both
// read (tests compare them). Strict: simdjson, for a body that is strict
// JSON (valid UTF-8, no lone surrogate escape, every number an int64, a
// uint64 or a double) of at most 1 MiB, which valid_json_text would leave
// unchanged; nullopt for any other body. Any: the body repaired by
// valid_json_text, then nlohmann::json. Both may throw on what they cannot
// read; parse_chat_reply catches it.
std::optional<Result<Response>> decode_strict_completion(const HttpReply& reply);
Result<Response> decode_any_completion(const HttpReply& reply);

// Server side: reads a chat-completions request body into a ChatRequest (the
// endpoint field stays empty). Errors are Kind::parse with the reason: among
// them an integer no int holds and JSON nested more than 64 levels deep.
Result<ChatRequest> parse_chat_request(std::string_view body);

// Server side: reads a text-completions request body ({"model", "prompt"})
// into a ChatRequest whose prompt is set.
Result<ChatRequest> parse_completion_request(std::string_view body);

// Server side: a text_completion body with one choice.
std::string completion_reply_body(const std::string& model, const std::string& text,
                                  const Usage& usage, const std::string& finish_reason);

// Server side: a chat.completion body with one choice, and the first
// token's top logprobs when given.
std::string chat_reply_body(const std::string& model, const std::string& text, const Usage& usage,
                            const std::string& finish_reason,
                            const std::vector<std::pair<std::string, double>>& top_logprobs = {});

// Server side: an OpenAI-style error body.
std::string error_body(const std::string& message, const std::string& type);

// Lower-case wire name of a role ("system", "user", "assistant").
std::string_view role_name(Role role);

} // namespace harness::client::openai_wire
