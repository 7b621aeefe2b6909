#include <benchmarks/records.hpp>

#include <harness/jsonl.hpp>
#include <harness/request_hash.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace benchmarks {

using harness::Error;
using harness::Item;
using harness::Result;
using nlohmann::json;

namespace {

// The value at a dotted path ("instances.0.input"), or nullptr.
const json*
at_path(const json& record, const std::string& path)
{
  const json* node = &record;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (node->is_object()) {
      auto it = node->find(part);
      if (it == node->end()) {
        return nullptr;
      }
      node = &*it;
    } else if (node->is_array() && !part.empty() &&
               part.find_first_not_of("0123456789") == std::string::npos) {
      size_t index = std::stoul(part);
      if (index >= node->size()) {
        return nullptr;
      }
      node = &(*node)[index];
    } else {
      return nullptr;
    }
    if (dot == std::string::npos) {
      break;
    }
    start = dot + 1;
  }
  return node;
}

// The first path present (and not null) among the alternatives.
std::pair<const json*, std::string>
first_present(const json& record, const std::vector<std::string>& paths)
{
  for (const auto& p : paths) {
    const json* v = at_path(record, p);
    if (v && !v->is_null()) {
      return {v, p};
    }
  }
  return {nullptr, {}};
}

Result<std::string>
scalar_text(const json& v, const std::string& path)
{
  if (v.is_string()) {
    return v.get<std::string>();
  }
  if (v.is_number() || v.is_boolean()) {
    return v.dump();
  }
  return Error(Error::Kind::config, fmt::format("field '{}': expected a string", path));
}

// An optional text field: empty when no alternative is present.
Result<std::string>
text_field(const json& record, const std::vector<std::string>& paths)
{
  auto [v, path] = first_present(record, paths);
  if (!v) {
    return std::string();
  }
  return scalar_text(*v, path);
}

Result<std::vector<std::string>>
list_field(const json& record, const std::vector<std::string>& paths)
{
  auto [v, path] = first_present(record, paths);
  std::vector<std::string> out;
  if (!v) {
    return out;
  }
  if (!v->is_array()) {
    auto one = scalar_text(*v, path);
    if (!one) {
      return one.error();
    }
    out.push_back(std::move(*one));
    return out;
  }
  for (const auto& e : *v) {
    auto one = scalar_text(e, path);
    if (!one) {
      return one.error();
    }
    out.push_back(std::move(*one));
  }
  return out;
}

} // namespace

Result<Item>
record_item(const harness::BenchSpec& spec, const json& record, size_t index)
{
  const auto& m = spec.records;
  Item item;
  item.source = spec.name;
  if (m.id.empty()) {
    item.id = m.id_prefix + std::to_string(index);
  } else {
    auto [v, path] = first_present(record, m.id);
    if (!v) {
      return Error(Error::Kind::config,
                   fmt::format("field '{}': missing", fmt::join(m.id, "' or '")));
    }
    auto id = scalar_text(*v, path);
    if (!id) {
      return id.error();
    }
    item.id = m.id_prefix + *id;
  }
  auto [prompt_value, prompt_path] = first_present(record, m.prompt);
  if (!prompt_value) {
    return Error(Error::Kind::config,
                 fmt::format("field '{}': missing", fmt::join(m.prompt, "' or '")));
  }
  auto prompt = scalar_text(*prompt_value, prompt_path);
  if (!prompt) {
    return prompt.error();
  }
  auto input = text_field(record, m.input);
  auto reference = text_field(record, m.reference);
  auto category = text_field(record, m.category);
  auto system = text_field(record, m.system);
  for (const auto* r : {&input, &reference, &category, &system}) {
    if (!*r) {
      return r->error();
    }
  }
  item.turns.push_back(input->empty() ? *prompt : *prompt + m.input_separator + *input);
  if (!reference->empty()) {
    item.references.push_back(*reference);
  }
  item.category = *category;
  if (!system->empty()) {
    item.system =
        harness::SystemMessage{"sm-" + harness::sha256_hex(*system).substr(0, 16), *system};
  }
  for (const auto& [name, paths] : m.meta) {
    auto values = list_field(record, paths);
    if (!values) {
      return values.error();
    }
    if (!values->empty()) {
      item.meta[name] = std::move(*values);
    }
  }
  item.params = harness::GenParams{};
  item.params.temperature = spec.generation.temperature;
  return item;
}

Result<std::vector<Item>>
load_records(const harness::BenchSpec& spec, const harness::FileSet& files)
{
  auto file = harness::required_file(spec, files, "records", "the records adapter reads it");
  if (!file) {
    return file.error();
  }
  return harness::items_from_records(
      **file, [&](const json& record, size_t index) { return record_item(spec, record, index); });
}

} // namespace benchmarks
