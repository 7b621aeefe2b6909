#include <harness/client/openai_wire.hpp>
#include <harness/demo/replies.hpp>
#include <harness/demo/routes.hpp>

#include <fmt/core.h>

#include <exception>
#include <sstream>

namespace harness::demo {

namespace wire = client::openai_wire;

namespace {

int
count_words(const std::string& s)
{
  std::istringstream in(s);
  int n = 0;
  std::string w;
  while (in >> w) {
    ++n;
  }
  return n;
}

RouteReply
completion(std::string_view body, bool chat)
{
  auto parsed = chat ? wire::parse_chat_request(body) : wire::parse_completion_request(body);
  if (!parsed) {
    return {400, wire::error_body(parsed.error().message, "invalid_request_error")};
  }
  std::string reply_text = demo_reply(*parsed);
  std::string finish = "stop";
  if (parsed->params.max_tokens && count_words(reply_text) > *parsed->params.max_tokens) {
    finish = "length";
  }
  int prompt_words = count_words(parsed->prompt);
  for (const auto& m : parsed->messages) {
    prompt_words += count_words(m.content);
  }
  Usage usage{prompt_words, count_words(reply_text)};
  return {200,
          chat ? wire::chat_reply_body(parsed->model, reply_text, usage, finish,
                                       demo_top_logprobs(*parsed, reply_text))
               : wire::completion_reply_body(parsed->model, reply_text, usage, finish),
          true};
}

} // namespace

RouteReply
route(std::string_view method, std::string_view target, std::string_view body)
{
  if (method == "GET" && (target == "/health" || target == "/v1/health")) {
    return {200, R"({"status":"ok"})"};
  }
  if (method == "GET" && (target == "/v1/models" || target == "/models")) {
    return {200, R"({"object":"list","data":[{"id":"evalrun-demo","object":"model"}]})"};
  }
  const bool chat = target == "/v1/chat/completions" || target == "/chat/completions";
  const bool text = target == "/v1/completions" || target == "/completions";
  if (method == "POST" && (chat || text)) {
    try {
      return completion(body, chat);
    } catch (const std::exception& e) {
      // A reply that cannot be encoded is the server's fault, and answered as one.
      return {500, wire::error_body(e.what(), "server_error")};
    }
  }
  return {404, wire::error_body(fmt::format("no route for {}", target), "not_found_error")};
}

} // namespace harness::demo
