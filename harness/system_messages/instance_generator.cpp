#include <harness/system_messages/instance_generator.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace harness::system_messages {

using nlohmann::json;

namespace {

constexpr const char* k_system_prompt =
    "You create evaluation data for AI assistants that must adapt to one user's stated "
    "preferences. "
    "Reply with a single JSON object that follows the given schema, and nothing else.";

json
rubric_schema()
{
  json levels = json::object();
  for (const char* level : {"1", "2", "3", "4", "5"}) {
    levels[level] = {{"type", "string"}};
  }
  return {{"type", "object"},
          {"properties",
           {{"criteria", {{"type", "string"}}},
            {"score_descriptions",
             {{"type", "object"},
              {"properties", levels},
              {"required", {"1", "2", "3", "4", "5"}},
              {"additionalProperties", false}}}}},
          {"required", {"criteria", "score_descriptions"}},
          {"additionalProperties", false}};
}

json
schema_for(GenerationTarget target, size_t rubrics)
{
  if (target == GenerationTarget::system_message) {
    return {{"type", "object"},
            {"properties", {{"system_message", {{"type", "string"}}}}},
            {"required", {"system_message"}},
            {"additionalProperties", false}};
  }
  return {{"type", "object"},
          {"properties",
           {{"system_message", {{"type", "string"}}},
            {"reference_answer", {{"type", "string"}}},
            {"rubrics",
             {{"type", "array"},
              {"minItems", rubrics},
              {"maxItems", rubrics},
              {"items", rubric_schema()}}}}},
          {"required", {"system_message", "reference_answer", "rubrics"}},
          {"additionalProperties", false}};
}

std::string
user_prompt(const GenerationTask& task, GenerationTarget target, int attempt)
{
  std::string preferences;
  for (const auto& [dimension, value] : task.profile.choices) {
    preferences += fmt::format("- {}: {} ({})\n", dimension, value.name, value.description);
  }
  std::string out =
      fmt::format("The user's instruction:\n{}\n\nThe user's preferences:\n{}\nWrite:\n"
                  "- system_message: a system message in the second person (\"You are ...\"), 4 to "
                  "8 sentences, "
                  "that tells an assistant who this user is and how to answer them, reflecting "
                  "every preference "
                  "above, without quoting the instruction.\n",
                  task.prompt, preferences);
  if (target == GenerationTarget::instance) {
    out += fmt::format(
        "- reference_answer: the best answer to the instruction for this user, following the "
        "system "
        "message.\n"
        "- rubrics: exactly {} rubrics, one per preference in the order given. Each has "
        "\"criteria\", "
        "a question asking whether a response meets that preference, and \"score_descriptions\" "
        "with "
        "keys \"1\" to \"5\" describing a response at each score (1 the worst, 5 the best).\n",
        task.profile.choices.size());
  }
  if (attempt > 0) {
    out +=
        fmt::format("\n(Attempt {}: the previous reply did not follow the schema.)\n", attempt + 1);
  }
  return out;
}

Result<std::string>
non_empty_string(const json& object, const std::string& field)
{
  auto it = object.find(field);
  if (it == object.end() || !it->is_string()) {
    return Error(Error::Kind::parse, fmt::format("field '{}': expected a string", field));
  }
  if (it->get_ref<const std::string&>().find_first_not_of(" \t\r\n") == std::string::npos) {
    return Error(Error::Kind::parse, fmt::format("field '{}': is empty", field));
  }
  return it->get<std::string>();
}

} // namespace

ChatRequest
generation_request(const GenerationTask& task, GenerationTarget target,
                   const EndpointConfig& generator, int attempt)
{
  ChatRequest r;
  r.endpoint = generator.name;
  r.model = generator.model;
  r.served = generator.served;
  r.messages = {{Role::system, k_system_prompt}, {Role::user, user_prompt(task, target, attempt)}};
  r.params = generator.params;
  if (attempt > 0) {
    r.params.seed = attempt;
  }
  r.json_schema_name =
      target == GenerationTarget::instance ? "multifaceted_instance" : "system_message";
  r.json_schema = schema_for(target, task.profile.choices.size()).dump();
  return r;
}

Result<GeneratedInstance>
parse_generated(std::string_view reply, GenerationTarget target, size_t expected_rubrics)
{
  json doc = json::parse(reply, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Error(Error::Kind::parse, "the reply is not a JSON object");
  }
  GeneratedInstance out;
  auto system = non_empty_string(doc, "system_message");
  if (!system) {
    return system.error();
  }
  out.system = std::move(*system);
  if (target == GenerationTarget::system_message) {
    return out;
  }
  auto reference = non_empty_string(doc, "reference_answer");
  if (!reference) {
    return reference.error();
  }
  out.reference_answer = std::move(*reference);
  auto rubrics = doc.find("rubrics");
  if (rubrics == doc.end() || !rubrics->is_array()) {
    return Error(Error::Kind::parse, "field 'rubrics': expected a list");
  }
  if (rubrics->size() != expected_rubrics) {
    return Error(Error::Kind::parse, fmt::format("field 'rubrics': expected {} rubrics, got {}",
                                                 expected_rubrics, rubrics->size()));
  }
  for (size_t i = 0; i < rubrics->size(); ++i) {
    const json& r = (*rubrics)[i];
    if (!r.is_object()) {
      return Error(Error::Kind::parse, fmt::format("field 'rubrics[{}]': expected an object", i));
    }
    Rubric rubric;
    auto criteria = non_empty_string(r, "criteria");
    if (!criteria) {
      return Error(Error::Kind::parse, fmt::format("rubrics[{}].{}", i, criteria.error().message));
    }
    rubric.criteria = std::move(*criteria);
    auto scores = r.find("score_descriptions");
    if (scores == r.end() || !scores->is_object()) {
      return Error(Error::Kind::parse,
                   fmt::format("field 'rubrics[{}].score_descriptions': expected an object", i));
    }
    for (const char* level : {"1", "2", "3", "4", "5"}) {
      auto text = non_empty_string(*scores, level);
      if (!text) {
        return Error(Error::Kind::parse,
                     fmt::format("rubrics[{}].score_descriptions.{}", i, text.error().message));
      }
      rubric.score_descriptions[level] = std::move(*text);
    }
    out.rubrics.push_back(std::move(rubric));
  }
  return out;
}

GenerationResult
generate_all(boost::asio::io_context& io, client::CachedClient& client,
             const std::vector<GenerationTask>& tasks, GenerationTarget target,
             const EndpointConfig& generator, int max_attempts)
{
  GenerationResult result;
  result.instances.resize(tasks.size());
  std::function<void(size_t, int)> ask = [&](size_t index, int attempt) {
    const auto& task = tasks[index];
    client.fetch(generation_request(task, target, generator, attempt), [&, index, attempt](
                                                                           const std::string&,
                                                                           Result<Response> r) {
      if (!r) {
        result.failures.push_back(fmt::format("{}: {}", tasks[index].id, r.error().message));
        return;
      }
      auto parsed = parse_generated(r->text, target, tasks[index].profile.choices.size());
      if (parsed) {
        result.instances[index] = std::move(*parsed);
      } else if (attempt + 1 < max_attempts) {
        ++result.resamples;
        ask(index, attempt + 1);
      } else {
        result.failures.push_back(fmt::format("{}: invalid after {} attempts: {}", tasks[index].id,
                                              max_attempts, parsed.error().message));
      }
    });
  };
  for (size_t i = 0; i < tasks.size(); ++i) {
    ask(i, 0);
  }
  io.restart();
  io.run();
  return result;
}

} // namespace harness::system_messages
