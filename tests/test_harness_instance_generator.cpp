#include "support/scripted_transport.hpp"

#include <harness/system_messages/instance_generator.hpp>

#include <boost/asio/io_context.hpp>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace harness;
using namespace harness::system_messages;
using namespace harness::client;
using namespace std::chrono_literals;
using nlohmann::json;

TEST_SUITE_BEGIN("harness::instance_generator");

namespace {

std::vector<PreferenceDimension>
shipped_dimensions()
{
  auto file = read_text_file(EVALRUN_SOURCE_DIR "/data/preferences.yaml");
  REQUIRE(file);
  auto dims = parse_preferences(*file);
  REQUIRE(dims);
  return *dims;
}

json
valid_instance(size_t rubrics = 4)
{
  json r = json::array();
  for (size_t i = 0; i < rubrics; ++i) {
    r.push_back(
        {{"criteria", "Does it?"},
         {"score_descriptions", {{"1", "a"}, {"2", "b"}, {"3", "c"}, {"4", "d"}, {"5", "e"}}}});
  }
  return {{"system_message", "You are ..."}, {"reference_answer", "Answer."}, {"rubrics", r}};
}

GenerationTask
task()
{
  GenerationTask t;
  t.id = "koala:koala_1";
  t.source = "koala";
  t.prompt = "Write a poem.";
  t.profile = sample_profile(shipped_dimensions(), 3, t.id);
  return t;
}

EndpointConfig
generator()
{
  EndpointConfig e;
  e.name = "gen";
  e.model = "gen-model";
  e.base_url = "http://127.0.0.1:1/v1";
  return e;
}

} // namespace

TEST_CASE("the shipped preferences have the four dimensions, profiles are deterministic")
{
  auto dims = shipped_dimensions();
  REQUIRE(dims.size() == 4);
  CHECK(dims[0].name == "style");
  CHECK(dims[1].name == "background_knowledge");
  CHECK(dims[2].name == "informativeness");
  CHECK(dims[3].name == "harmlessness");
  auto a = sample_profile(dims, 1, "x");
  auto b = sample_profile(dims, 1, "x");
  REQUIRE(a.choices.size() == 4);
  for (size_t i = 0; i < 4; ++i) {
    CHECK(a.choices[i].second.name == b.choices[i].second.name);
  }
  int differs = 0;
  for (int k = 0; k < 20; ++k) {
    auto c = sample_profile(dims, 1, "key" + std::to_string(k));
    differs += c.choices[0].second.name != a.choices[0].second.name;
  }
  CHECK(differs > 0);
  CHECK_FALSE(parse_preferences(TextFile{"p.yaml", "dimensions: {style: []}\n"}));
}

TEST_CASE("the request asks for structured output with one rubric per preference")
{
  auto r = generation_request(task(), GenerationTarget::instance, generator(), 0);
  CHECK(r.model == "gen-model");
  CHECK(r.json_schema_name == "multifaceted_instance");
  auto schema = json::parse(r.json_schema);
  CHECK(schema["properties"]["rubrics"]["minItems"] == 4);
  CHECK(schema["properties"]["rubrics"]["maxItems"] == 4);
  CHECK(schema["required"] == json({"system_message", "reference_answer", "rubrics"}));
  CHECK(r.messages[1].content.find("Write a poem.") != std::string::npos);
  CHECK(r.messages[1].content.find("style: ") != std::string::npos);
  auto again = generation_request(task(), GenerationTarget::instance, generator(), 1);
  CHECK(again.params.seed == 1);
  CHECK(again.messages[1].content != r.messages[1].content);
}

TEST_CASE("replies are validated against the schema")
{
  CHECK(parse_generated(valid_instance().dump(), GenerationTarget::instance, 4));
  CHECK_FALSE(parse_generated(R"({"system_message": "x", "refer)", GenerationTarget::instance, 4));
  auto three = parse_generated(valid_instance(3).dump(), GenerationTarget::instance, 4);
  REQUIRE_FALSE(three);
  CHECK(three.error().message.find("expected 4 rubrics, got 3") != std::string::npos);
  auto blank = valid_instance();
  blank["reference_answer"] = "  ";
  CHECK_FALSE(parse_generated(blank.dump(), GenerationTarget::instance, 4));
  auto level = valid_instance();
  level["rubrics"][2]["score_descriptions"].erase("3");
  auto missing = parse_generated(level.dump(), GenerationTarget::instance, 4);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("rubrics[2].score_descriptions") != std::string::npos);
  CHECK(
      parse_generated(R"({"system_message": "You are x."})", GenerationTarget::system_message, 4));
}

TEST_CASE("invalid replies are asked again, the valid one is kept")
{
  testsupport::ScriptedTransport t([](const HttpRequest& r, int) -> Result<HttpReply> {
    auto body = json::parse(*r.body);
    CHECK(body["response_format"]["type"] == "json_schema");
    bool retry =
        body["messages"][1]["content"].get<std::string>().find("Attempt 2") != std::string::npos;
    std::string content = retry ? valid_instance().dump() : R"({"system_message": ""})";
    return testsupport::ok_reply(json(content).dump().substr(1, json(content).dump().size() - 2));
  });
  boost::asio::io_context io;
  ClientPool pool(io, t, RetryPolicy{2, 1ms, 5ms});
  pool.add_endpoint(generator(), std::nullopt);
  Store store("gen.db");
  CachedClient client(io, pool, store, "test:1");
  auto result = generate_all(io, client, {task()}, GenerationTarget::instance, generator(), 3);
  CHECK(result.failures.empty());
  CHECK(result.resamples == 1);
  REQUIRE(result.instances[0]);
  CHECK(result.instances[0]->rubrics.size() == 4);
  CHECK(t.requests.size() == 2);

  // Never valid: reported after max_attempts, nothing half-formed.
  testsupport::ScriptedTransport never(
      [](const HttpRequest&, int) { return Result<HttpReply>(testsupport::ok_reply("not json")); });
  ClientPool pool2(io, never, RetryPolicy{2, 1ms, 5ms});
  pool2.add_endpoint(generator(), std::nullopt);
  Store store2("gen2.db");
  CachedClient client2(io, pool2, store2, "test:2");
  auto failed = generate_all(io, client2, {task()}, GenerationTarget::instance, generator(), 3);
  CHECK_FALSE(failed.instances[0]);
  REQUIRE(failed.failures.size() == 1);
  CHECK(failed.failures[0].find("invalid after 3 attempts") != std::string::npos);
}

TEST_SUITE_END();
