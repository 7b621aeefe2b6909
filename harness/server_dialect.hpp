#pragma once

#include <harness/types.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

// The kind of OpenAI-compatible server behind an endpoint. Servers read
// sampling parameters beyond OpenAI's own under different names
// (llama.cpp's `repeat_penalty` is vLLM's `repetition_penalty`), and
// silently drop names they do not know.
enum class ServerDialect { openai, vllm, llama_cpp, sglang };

// "openai", "vllm", "llama.cpp" or "sglang"; nullopt for any other name.
std::optional<ServerDialect> parse_server_dialect(std::string_view name);
std::string_view server_dialect_name(ServerDialect dialect);

// The dialect a model listing (GET /v1/models) names by its models'
// `owned_by`: "vllm", "llamacpp", "sglang"; nullopt for any other (OpenAI
// itself, and servers that do not say).
std::optional<ServerDialect> dialect_of_owner(std::string_view owned_by);

// The parameters set in `params` that a server of `dialect` cannot apply, by
// evalrun's name (none: empty).
std::vector<std::string> unsupported_params(const GenParams& params, ServerDialect dialect);

// The wire name of evalrun's parameter `name` for `dialect` (empty: none).
std::string_view wire_name(std::string_view name, ServerDialect dialect);

} // namespace harness
