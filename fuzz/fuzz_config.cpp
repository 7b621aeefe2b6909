// libFuzzer target: the YAML loaders on arbitrary text: endpoints, benchmark
// specs (alone, extending a shipped spec, and as the base another spec
// extends), rubrics (likewise) and leaderboard configs. Each gives a value or
// a Kind::config Error with a message, never an exception.

#include "fuzz_check.hpp"

#include <harness/config.hpp>
#include <harness/rubric_spec.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

using namespace harness;

namespace {

const std::filesystem::path k_source = EVALRUN_SOURCE_DIR;

TextFile
shipped(const std::filesystem::path& relative)
{
  auto file = read_text_file(k_source / relative);
  if (!file) {
    std::fprintf(stderr, "fuzz_config: %s\n", file.error().message.c_str());
    std::abort();
  }
  return *file;
}

template <typename T>
void
check(const Result<T>& r)
{
  FUZZ_CHECK(r || (r.error().kind == Error::Kind::config && !r.error().message.empty()));
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  static const TextFile spec_base = shipped("benchmarks/flask.yaml");
  static const TextFile rubric_base = shipped("rubrics/fastchat-single.yaml");
  const TextFile input{"fuzz.yaml", std::string(reinterpret_cast<const char*>(data), size)};
  const TextFile extends_input{"extending.yaml", "extends: fuzz\nname: extending\n"};

  auto endpoints = parse_endpoints(input);
  check(endpoints);
  if (endpoints) {
    for (const auto& [name, e] : *endpoints) {
      FUZZ_CHECK(e.max_concurrency >= 1 && e.timeout_s > 0 && e.connect_timeout_s > 0);
      FUZZ_CHECK(e.kind == EndpointConfig::Kind::chat || e.chat_template);
    }
  }
  check(parse_bench_spec(input, k_source));
  check(parse_bench_spec(input, k_source, &spec_base));
  check(parse_bench_spec(extends_input, k_source, &input));
  auto rubric = parse_rubric(input);
  check(rubric);
  if (rubric) {
    FUZZ_CHECK(!rubric->prompts.empty());
  }
  check(parse_rubric(input, &rubric_base));
  check(parse_rubric(extends_input, &input));
  check(parse_leaderboard_config(input));
  return 0;
}
