#include <harness/config.hpp>

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>

using namespace harness;

TEST_SUITE_BEGIN("harness::config");

namespace {

Result<EndpointMap>
endpoints(const std::string& yaml)
{
  return parse_endpoints(TextFile{"eps.yaml", yaml});
}

} // namespace

TEST_CASE("endpoints parse with defaults and params")
{
  auto r = endpoints(R"(endpoints:
  janus:
    base_url: http://127.0.0.1:8000/v1/
    model: kaist-ai/janus-7b
    max_concurrency: 8
    params: {temperature: 1.0, top_p: 0.9, max_tokens: 1024}
  judge:
    base_url: https://api.openai.com/v1
    model: gpt-4-0613
    api_key_env: OPENAI_API_KEY
)");
  REQUIRE(r);
  const auto& j = r->at("janus");
  CHECK(j.base_url == "http://127.0.0.1:8000/v1"); // trailing slash dropped
  CHECK(j.max_concurrency == 8);
  CHECK(j.params.temperature == 1.0);
  CHECK(j.params.max_tokens == 1024);
  CHECK(j.timeout_s == 600);
  CHECK(j.defined_in == "eps.yaml:2");
  CHECK(r->at("judge").api_key_env == "OPENAI_API_KEY");
}

TEST_CASE("bad endpoint files name file, line and field")
{
  auto missing = endpoints("endpoints:\n  a:\n    base_url: http://x/v1\n");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("eps.yaml:") == 0);
  CHECK(missing.error().message.find("endpoints.a.model") != std::string::npos);

  auto typo = endpoints(
      "endpoints:\n  a:\n    base_url: http://x/v1\n    model: m\n    max_concurency: 3\n");
  REQUIRE_FALSE(typo);
  CHECK(typo.error().message.find("eps.yaml:5") == 0);
  CHECK(typo.error().message.find("unknown field") != std::string::npos);

  auto type = endpoints(
      "endpoints:\n  a:\n    base_url: http://x/v1\n    model: m\n    max_concurrency: many\n");
  REQUIRE_FALSE(type);
  CHECK(type.error().message.find("eps.yaml:5") == 0);
  CHECK(type.error().message.find("expected an integer") != std::string::npos);

  auto scheme = endpoints("endpoints:\n  a:\n    base_url: 127.0.0.1:8000\n    model: m\n");
  REQUIRE_FALSE(scheme);
  CHECK(scheme.error().message.find("http://") != std::string::npos);

  auto yaml = endpoints("endpoints: [\n");
  REQUIRE_FALSE(yaml);
  CHECK(yaml.error().message.find("invalid YAML") != std::string::npos);
}

TEST_CASE("an endpoint names its kind of server and the sampling beyond OpenAI's")
{
  auto r = endpoints(R"(endpoints:
  local:
    base_url: http://127.0.0.1:8080/v1
    model: tiny.gguf
    server: llama.cpp
    params: {repetition_penalty: 1.03, top_k: 40, min_p: 0.05}
  unsaid:
    base_url: http://127.0.0.1:8000/v1
    model: m
)");
  REQUIRE(r);
  const auto& local = r->at("local");
  CHECK(local.server == ServerDialect::llama_cpp);
  CHECK(local.params.repetition_penalty == 1.03);
  CHECK(local.params.top_k == 40);
  CHECK(local.params.min_p == 0.05);
  CHECK_FALSE(r->at("unsaid").server.has_value()); // read from the server's model list

  auto wrong = endpoints(
      "endpoints:\n  a:\n    base_url: http://x/v1\n    model: m\n    server: llamacpp\n");
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message.find("eps.yaml:5") == 0);
  CHECK(wrong.error().message.find("endpoints.a.server") != std::string::npos);
  CHECK(wrong.error().message.find("vllm, llama.cpp, sglang or openai") != std::string::npos);
}

TEST_CASE("the demo endpoint is built in")
{
  auto d = demo_endpoint();
  CHECK(d.name == "demo");
  CHECK(d.demo);
  CHECK(d.api_key_env.empty());
}

TEST_CASE("the shipped endpoints file and MT-Bench spec parse")
{
  auto file = TextFile{EVALRUN_SOURCE_DIR "/data/endpoints.yaml", ""};
  std::ifstream in(file.path);
  file.content.assign(std::istreambuf_iterator<char>(in), {});
  auto eps = parse_endpoints(file);
  REQUIRE(eps);
  CHECK(eps->at("janus").base_url == "http://127.0.0.1:8000/v1");
  CHECK(eps->at("janus").model == "kaist-ai/janus-7b");
  CHECK(eps->at("gpt-4").api_key_env == "OPENAI_API_KEY");

  TextFile spec_file{EVALRUN_SOURCE_DIR "/benchmarks/mtbench.yaml", ""};
  std::ifstream spec_in(spec_file.path);
  spec_file.content.assign(std::istreambuf_iterator<char>(spec_in), {});
  auto spec = parse_bench_spec(spec_file, EVALRUN_SOURCE_DIR);
  REQUIRE(spec);
  CHECK(spec->adapter == "mtbench");
  CHECK(spec->judge.rubric == "fastchat-single");
  CHECK(spec->judge.params.temperature == 0.0);
  CHECK(spec->judge.params.max_tokens == 2048);
  CHECK(spec->category_temperature.at("stem") == 0.1);
  CHECK(spec->generation.max_tokens == 1024);
  CHECK(spec->files.at("questions").is_absolute());
}

TEST_CASE("a spec's judge needs a rubric, unknown judge fields are errors")
{
  auto r = parse_bench_spec(TextFile{"b.yaml", "name: b\nversion: '1'\nadapter: mtbench\n"
                                               "judge: {endpoint: demo}\n"},
                            "/tmp");
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("judge.rubric") != std::string::npos);
  auto typo = parse_bench_spec(TextFile{"b.yaml", "name: b\nversion: '1'\nadapter: mtbench\n"
                                                  "judge: {endpoint: demo, rubric: x, runz: 3}\n"},
                               "/tmp");
  REQUIRE_FALSE(typo);
  CHECK(typo.error().message.find("judge.runz") != std::string::npos);
}

TEST_SUITE_END();
