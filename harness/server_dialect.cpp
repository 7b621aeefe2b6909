#include <harness/server_dialect.hpp>

#include <array>

namespace harness {

namespace {

// The parameters beyond OpenAI's own and the name each server reads them
// by. vLLM and SGLang read vLLM's names; llama.cpp's server reads
// `repeat_penalty` (and ignores `repetition_penalty`); OpenAI applies none.
struct Mapping
{
  std::string_view name;
  std::array<std::string_view, 4> wire; // by ServerDialect
};

constexpr std::array<Mapping, 3> k_extensions{{
    //                      openai  vllm                  llama.cpp         sglang
    {"repetition_penalty", {"", "repetition_penalty", "repeat_penalty", "repetition_penalty"}},
    {"top_k", {"", "top_k", "top_k", "top_k"}},
    {"min_p", {"", "min_p", "min_p", "min_p"}},
}};

} // namespace

std::optional<ServerDialect>
parse_server_dialect(std::string_view name)
{
  if (name == "openai") {
    return ServerDialect::openai;
  }
  if (name == "vllm") {
    return ServerDialect::vllm;
  }
  if (name == "llama.cpp") {
    return ServerDialect::llama_cpp;
  }
  if (name == "sglang") {
    return ServerDialect::sglang;
  }
  return std::nullopt;
}

std::string_view
server_dialect_name(ServerDialect dialect)
{
  switch (dialect) {
  case ServerDialect::openai: return "openai";
  case ServerDialect::vllm: return "vllm";
  case ServerDialect::llama_cpp: return "llama.cpp";
  case ServerDialect::sglang: return "sglang";
  }
  return "openai";
}

std::optional<ServerDialect>
dialect_of_owner(std::string_view owned_by)
{
  if (owned_by == "vllm") {
    return ServerDialect::vllm;
  }
  if (owned_by == "llamacpp") {
    return ServerDialect::llama_cpp;
  }
  if (owned_by == "sglang") {
    return ServerDialect::sglang;
  }
  return std::nullopt;
}

std::string_view
wire_name(std::string_view name, ServerDialect dialect)
{
  for (const auto& m : k_extensions) {
    if (m.name == name) {
      return m.wire[static_cast<size_t>(dialect)];
    }
  }
  return name; // one of OpenAI's own: every server reads it so
}

std::vector<std::string>
unsupported_params(const GenParams& params, ServerDialect dialect)
{
  std::vector<std::string> out;
  auto check = [&](bool set, std::string_view name) {
    if (set && wire_name(name, dialect).empty()) {
      out.emplace_back(name);
    }
  };
  check(params.repetition_penalty.has_value(), "repetition_penalty");
  check(params.top_k.has_value(), "top_k");
  check(params.min_p.has_value(), "min_p");
  return out;
}

} // namespace harness
