#include <benchmarks/mtbench.hpp>

#include <harness/jsonl.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <map>

namespace benchmarks {

using harness::Error;
using harness::Item;
using harness::Result;
using nlohmann::json;

namespace {

Result<std::vector<std::string>>
string_list(const json& record, const char* field)
{
  auto it = record.find(field);
  if (it == record.end() || !it->is_array() || it->empty()) {
    return Error(Error::Kind::config,
                 fmt::format("field '{}': expected a non-empty list of strings", field));
  }
  std::vector<std::string> out;
  for (const auto& v : *it) {
    if (!v.is_string()) {
      return Error(Error::Kind::config,
                   fmt::format("field '{}': expected a list of strings", field));
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<std::string>
id_of(const json& record)
{
  auto it = record.find("question_id");
  if (it == record.end() || !(it->is_number_integer() || it->is_string())) {
    return Error(Error::Kind::config, "field 'question_id': expected an integer");
  }
  return it->is_string() ? it->get<std::string>() : std::to_string(it->get<long long>());
}

} // namespace

Result<std::vector<Item>>
load_mtbench(const harness::BenchSpec& spec, const harness::FileSet& files)
{
  auto questions = harness::required_file(spec, files, "questions", "the mtbench adapter reads it");
  if (!questions) {
    return questions.error();
  }
  std::map<std::string, std::vector<std::string>> references;
  if (auto ref_file = files.find("references"); ref_file != files.end()) {
    auto walked =
        harness::for_each_jsonl(ref_file->second, [&](int, const json& r) -> Result<bool> {
          auto id = id_of(r);
          if (!id) {
            return id.error();
          }
          auto choices = r.find("choices");
          if (choices == r.end() || !choices->is_array() || choices->empty() ||
              !(*choices)[0].is_object()) {
            return Error(Error::Kind::config,
                         "field 'choices': expected a non-empty list of objects");
          }
          auto turns = string_list((*choices)[0], "turns");
          if (!turns) {
            return Error(Error::Kind::config, "choices[0]." + turns.error().message);
          }
          references[*id] = std::move(*turns);
          return true;
        });
    if (!walked) {
      return walked.error();
    }
  }

  std::vector<Item> items;
  auto walked = harness::for_each_jsonl(**questions, [&](int, const json& q) -> Result<bool> {
    Item item;
    auto id = id_of(q);
    if (!id) {
      return id.error();
    }
    item.id = *id;
    auto category = q.find("category");
    if (category == q.end() || !category->is_string()) {
      return Error(Error::Kind::config, "field 'category': expected a string");
    }
    item.category = category->get<std::string>();
    auto turns = string_list(q, "turns");
    if (!turns) {
      return turns.error();
    }
    item.turns = std::move(*turns);
    if (auto ref = references.find(item.id); ref != references.end()) {
      item.references = ref->second;
    }
    auto temp = spec.category_temperature.find(item.category);
    item.params.temperature = temp != spec.category_temperature.end() ? std::optional(temp->second)
                                                                      : spec.generation.temperature;
    items.push_back(std::move(item));
    return true;
  });
  if (!walked) {
    return walked.error();
  }
  return items;
}

} // namespace benchmarks
