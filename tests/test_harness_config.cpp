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

TEST_CASE("an endpoint can launch its server and have replicas")
{
  auto r = endpoints(R"(endpoints:
  local:
    base_urls: [http://127.0.0.1:8001/v1/, http://127.0.0.1:8002/v1]
    model: janus
    launch:
      command: vllm serve kaist-ai/janus-7b --served-model-name {model} --port {port}
      env: {CUDA_VISIBLE_DEVICES: "{replica}", VLLM_LOGGING_LEVEL: WARNING}
      health_path: /health
      startup_timeout_s: 1200
      stop_grace_s: 5
  plain:
    base_url: http://127.0.0.1:8000/v1
    model: m
)");
  REQUIRE(r);
  const auto& local = r->at("local");
  CHECK(local.base_url == "http://127.0.0.1:8001/v1");
  CHECK(local.urls() ==
        std::vector<std::string>{"http://127.0.0.1:8001/v1", "http://127.0.0.1:8002/v1"});
  REQUIRE(local.launch);
  CHECK(local.launch->command ==
        "vllm serve kaist-ai/janus-7b --served-model-name {model} --port {port}");
  CHECK(local.launch->env.at("CUDA_VISIBLE_DEVICES") == "{replica}");
  CHECK(local.launch->env.at("VLLM_LOGGING_LEVEL") == "WARNING");
  CHECK(local.launch->startup_timeout_s == 1200);
  CHECK(local.launch->stop_grace_s == 5);
  const auto& plain = r->at("plain");
  CHECK(plain.urls() == std::vector<std::string>{"http://127.0.0.1:8000/v1"});
  CHECK_FALSE(plain.launch.has_value());

  auto expect_error = [](const std::string& yaml, const std::string& message) {
    auto bad = endpoints(yaml);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message == message);
  };
  expect_error("endpoints:\n  a:\n    base_url: http://h:1/v1\n    base_urls: [http://h:2/v1]\n"
               "    model: m\n",
               "eps.yaml:3: field 'endpoints.a.base_url': give base_url (one server) or "
               "base_urls (replicas), not both");
  expect_error("endpoints:\n  a:\n    base_urls: []\n    model: m\n",
               "eps.yaml:3: field 'endpoints.a.base_urls': must list at least one URL");
  expect_error("endpoints:\n  a:\n    base_urls: [http://h:1/v1, ftp://h:2]\n    model: m\n",
               "eps.yaml:3: field 'endpoints.a.base_urls': must start with http:// or https://");
  expect_error("endpoints:\n  a:\n    base_urls: [http://h:1/v1, http://h:1/v1/]\n    model: m\n",
               "eps.yaml:3: field 'endpoints.a.base_urls': lists a URL twice");
  expect_error("endpoints:\n  a:\n    base_url: http://h:1/v1\n    model: m\n    launch:\n"
               "      comand: x\n",
               "eps.yaml:6: field 'endpoints.a.launch.comand': unknown field");
  expect_error("endpoints:\n  a:\n    base_url: http://h:1/v1\n    model: m\n    launch:\n"
               "      health_path: /health\n",
               "eps.yaml:6: field 'endpoints.a.launch.command': is required");
  expect_error("endpoints:\n  a:\n    base_url: http://127.0.0.1:1/v1\n    model: m\n"
               "    launch:\n      command: srv --port {prot}\n",
               "eps.yaml:6: field 'endpoints.a.launch.command': unknown placeholder {prot}: the "
               "placeholders are {port}, {replica} and {model}");
  expect_error("endpoints:\n  a:\n    base_url: http://127.0.0.1:1/v1\n    model: m\n"
               "    launch:\n      command: srv\n      env: {GPU: '{gpu}'}\n",
               "eps.yaml:7: field 'endpoints.a.launch.env.GPU': unknown placeholder {gpu}: the "
               "placeholders are {port}, {replica} and {model}");
  expect_error("endpoints:\n  a:\n    base_urls: [http://127.0.0.1:1/v1, http://gpu2:1/v1]\n"
               "    model: m\n    launch:\n      command: srv\n",
               "eps.yaml:6: field 'endpoints.a.launch': evalrun starts servers on this machine "
               "only: http://gpu2:1/v1 is not a loopback address (127.0.0.1, localhost, [::1])");
  expect_error("endpoints:\n  a:\n    base_url: http://h:1/v1\n    model: m\n    launch:\n"
               "      command: x\n      health_path: health\n",
               "eps.yaml:7: field 'endpoints.a.launch.health_path': must start with / (e.g. "
               "/health)");
  expect_error("endpoints:\n  a:\n    base_url: http://h:1/v1\n    model: m\n    launch:\n"
               "      command: x\n      startup_timeout: 5\n",
               "eps.yaml:7: field 'endpoints.a.launch.startup_timeout': unknown field");
  expect_error("endpoints:\n  a:\n    base_url: demo://in-process\n    model: m\n    launch:\n"
               "      command: x\n",
               "eps.yaml:6: field 'endpoints.a.launch': the demo server is evalrun's own: "
               "nothing to launch");
}

TEST_CASE("an offline endpoint is never contacted, so never launched")
{
  auto parsed = endpoints("endpoints:\n  a:\n    base_url: http://h:1/v1\n    model: m\n"
                          "    offline: true\n  b:\n    base_url: http://h:2/v1\n    model: m\n");
  REQUIRE(parsed);
  CHECK(parsed->at("a").offline);
  CHECK_FALSE(parsed->at("b").offline);
  auto refused = endpoints("endpoints:\n  a:\n    base_url: http://127.0.0.1:1/v1\n    model: m\n"
                           "    offline: true\n    launch:\n      command: srv\n");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message ==
        "eps.yaml:7: field 'endpoints.a.launch': an offline endpoint is never contacted, so never "
        "started (offline: true)");
  auto not_a_flag = endpoints("endpoints:\n  a:\n    base_url: http://h:1/v1\n    model: m\n"
                              "    offline: sometimes\n");
  REQUIRE_FALSE(not_a_flag);
  CHECK(not_a_flag.error().message.find("eps.yaml:5: field 'endpoints.a.offline'") !=
        std::string::npos);
}

TEST_CASE("launch placeholders, and a URL's port and origin")
{
  CHECK(expand_launch_placeholders(
            R"(srv --port {port} --alias {model} --extra '{"a": {port}}' {replica}{other})", 8001,
            2, "janus") == R"(srv --port 8001 --alias janus --extra '{"a": 8001}' 2{other})");
  CHECK(url_port("http://127.0.0.1:8001/v1") == 8001);
  CHECK(url_port("http://localhost/v1") == 80);
  CHECK(url_port("https://example.org/v1") == 443);
  CHECK(url_port("http://[::1]:9000/v1") == 9000);
  CHECK(url_origin("http://127.0.0.1:8001/v1") == "http://127.0.0.1:8001");
  CHECK(url_origin("http://[::1]:9000") == "http://[::1]:9000");
  CHECK(is_loopback_url("http://127.0.0.1:8000/v1"));
  CHECK(is_loopback_url("http://127.0.0.2:8000/v1"));
  CHECK(is_loopback_url("http://localhost/v1"));
  CHECK(is_loopback_url("http://[::1]:8000/v1"));
  CHECK_FALSE(is_loopback_url("http://10.0.0.5:8000/v1"));
  CHECK_FALSE(is_loopback_url("https://api.openai.com/v1"));
  CHECK_FALSE(is_loopback_url("http://localhost.example.org/v1"));
  CHECK(unknown_launch_placeholder("srv --port {port} --json '{\"a\": 1}' {a,b}").empty());
  CHECK(unknown_launch_placeholder("srv --port {prot}") == "{prot}");
}

TEST_CASE("an endpoint's price per million tokens, checked")
{
  auto parsed = endpoints("endpoints:\n  a:\n    base_url: http://h:1/v1\n    model: m\n"
                          "    price: {input: 2.5, output: 10}\n  b:\n    base_url: http://h:2/v1\n"
                          "    model: m\n");
  REQUIRE(parsed);
  REQUIRE(parsed->at("a").price);
  CHECK(parsed->at("a").price->input_per_million == 2.5);
  CHECK(parsed->at("a").price->output_per_million == 10);
  CHECK_FALSE(parsed->at("b").price);
  auto missing = endpoints("endpoints:\n  a:\n    base_url: http://h:1/v1\n    model: m\n"
                           "    price: {input: 2.5}\n");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("eps.yaml:5: field 'endpoints.a.price.output': is required") !=
        std::string::npos);
  auto negative = endpoints("endpoints:\n  a:\n    base_url: http://h:1/v1\n    model: m\n"
                            "    price: {input: -1, output: 1}\n");
  REQUIRE_FALSE(negative);
  CHECK(negative.error().message.find("cannot be negative") != std::string::npos);
  auto unknown = endpoints("endpoints:\n  a:\n    base_url: http://h:1/v1\n    model: m\n"
                           "    price: {input: 1, output: 1, currency: EUR}\n");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message.find("'endpoints.a.price.currency': unknown field") !=
        std::string::npos);
}

TEST_SUITE_END();
