#include <benchmarks/multifaceted.hpp>

#include <harness/jsonl.hpp>
#include <harness/request_hash.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <map>

namespace benchmarks {

using harness::Error;
using harness::Item;
using harness::Result;
using nlohmann::json;

namespace {

Error
field_error(const std::string& field, const std::string& why)
{
  return Error(Error::Kind::config, fmt::format("field '{}': {}", field, why));
}

Result<std::string>
required_text(const json& record, const char* field)
{
  auto it = record.find(field);
  if (it == record.end() || !it->is_string()) {
    return field_error(field, it == record.end() ? "missing" : "expected a string");
  }
  if (it->get_ref<const std::string&>().empty()) {
    return field_error(field, "is empty");
  }
  return it->get<std::string>();
}

Result<std::vector<harness::Rubric>>
parse_rubrics(const json& record)
{
  const char* key = record.contains("rubrics") ? "rubrics" : "rubric";
  auto it = record.find(key);
  if (it == record.end()) {
    return field_error("rubrics", "missing (neither 'rubrics' nor 'rubric' is present)");
  }
  if (!it->is_array() || it->empty()) {
    return field_error(key, "expected a non-empty list of rubrics");
  }
  std::vector<harness::Rubric> out;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& r = (*it)[i];
    std::string where = fmt::format("{}[{}]", key, i);
    if (!r.is_object()) {
      return field_error(where, "expected an object");
    }
    harness::Rubric rubric;
    auto criteria = r.find("criteria");
    if (criteria == r.end() || !criteria->is_string() ||
        criteria->get_ref<const std::string&>().empty()) {
      return field_error(where + ".criteria", "expected a non-empty string");
    }
    rubric.criteria = criteria->get<std::string>();
    auto scores = r.find("score_descriptions");
    if (scores == r.end() || !scores->is_object()) {
      return field_error(where + ".score_descriptions",
                         "expected an object with keys \"1\"..\"5\"");
    }
    for (const char* level : {"1", "2", "3", "4", "5"}) {
      auto d = scores->find(level);
      if (d == scores->end() || !d->is_string()) {
        return field_error(fmt::format("{}.score_descriptions.{}", where, level),
                           "expected a string");
      }
      rubric.score_descriptions[level] = d->get<std::string>();
    }
    out.push_back(std::move(rubric));
  }
  return out;
}

Result<Item>
make_item(const json& record, size_t index, const std::map<std::string, std::string>& source_map)
{
  Item item;
  if (auto id = record.find("id"); id != record.end() && !id->is_null()) {
    if (!id->is_string() && !id->is_number_integer()) {
      return field_error("id", "expected a string or an integer");
    }
    item.id = id->is_string() ? id->get<std::string>() : id->dump();
  } else {
    item.id = fmt::format("multifaceted_{}", index);
  }
  auto source = required_text(record, "source");
  auto system = required_text(record, "system");
  auto prompt = required_text(record, "prompt");
  auto reference = required_text(record, "reference_answer");
  for (const auto* r : {&source, &system, &prompt, &reference}) {
    if (!*r) {
      return r->error();
    }
  }
  auto rubrics = parse_rubrics(record);
  if (!rubrics) {
    return rubrics.error();
  }
  item.category = *source;
  auto mapped = source_map.find(*source);
  item.source = mapped != source_map.end() ? mapped->second : "unknown";
  item.turns = {*prompt};
  item.references = {*reference};
  item.system = harness::SystemMessage{"sm-" + harness::sha256_hex(*system).substr(0, 16), *system};
  item.rubrics = std::move(*rubrics);
  return item;
}

Result<std::map<std::string, std::string>>
parse_source_map(const harness::FileSet& files)
{
  std::map<std::string, std::string> out;
  auto file = files.find("source_map");
  if (file == files.end()) {
    return out;
  }
  try {
    auto doc = json::parse(file->second.content);
    for (const auto& [name, bench] : doc.at("sources").items()) {
      out[name] = bench.get<std::string>();
    }
  } catch (const json::exception& e) {
    return Error(Error::Kind::config,
                 fmt::format("{}: field 'sources': {}", file->second.path.string(), e.what()));
  }
  return out;
}

} // namespace

Result<std::vector<Item>>
load_multifaceted(const harness::BenchSpec& spec, const harness::FileSet& files)
{
  auto file =
      harness::required_file(spec, files, "records", "pass the data with --bench-file FILE");
  if (!file) {
    return file.error();
  }
  auto source_map = parse_source_map(files);
  if (!source_map) {
    return source_map.error();
  }
  return harness::items_from_records(**file, [&](const json& record, size_t index) {
    return make_item(record, index, *source_map);
  });
}

} // namespace benchmarks
