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
    // {evalrun's name, {openai's, vllm's, llama.cpp's, sglang's}}
    {"repetition_penalty", {"", "repetition_penalty", "repeat_penalty", "repetition_penalty"}},
    {"top_k", {"", "top_k", "top_k", "top_k"}},
    {"min_p", {"", "min_p", "min_p", "min_p"}},
}};

// Each kind of server: its name in endpoints files, and what its model list
// says in `owned_by` (OpenAI's own models say "openai", "system" or an
// organisation: nothing to go by). In ServerDialect's order.
struct Kind
{
  ServerDialect dialect;
  std::string_view name;
  std::string_view owner;
};

constexpr std::array<Kind, 4> k_kinds{{
    {ServerDialect::openai, "openai", ""},
    {ServerDialect::vllm, "vllm", "vllm"},
    {ServerDialect::llama_cpp, "llama.cpp", "llamacpp"},
    {ServerDialect::sglang, "sglang", "sglang"},
}};

} // namespace

std::optional<ServerDialect>
parse_server_dialect(std::string_view name)
{
  for (const auto& k : k_kinds) {
    if (k.name == name) {
      return k.dialect;
    }
  }
  return std::nullopt;
}

std::string_view
server_dialect_name(ServerDialect dialect)
{
  return k_kinds[static_cast<size_t>(dialect)].name;
}

std::optional<ServerDialect>
dialect_of_owner(std::string_view owned_by)
{
  for (const auto& k : k_kinds) {
    if (!k.owner.empty() && k.owner == owned_by) {
      return k.dialect;
    }
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
