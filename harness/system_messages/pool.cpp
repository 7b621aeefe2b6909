#include <harness/jsonl.hpp>
#include <harness/request_hash.hpp>
#include <harness/system_messages/pool.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <set>

namespace harness::system_messages {

namespace {

Result<bool>
add_message(std::vector<SystemMessage>& out, std::set<std::string>& ids, const TextFile& file,
            std::string id, std::string text)
{
  if (text.empty()) {
    return Error(Error::Kind::config, "field 'text': missing or empty");
  }
  if (id.empty()) {
    id = fmt::format("{}-{}", file.path.stem().string(), out.size() + 1);
  }
  if (!ids.insert(id).second) {
    return Error(Error::Kind::config, fmt::format("field 'id': duplicate '{}'", id));
  }
  out.push_back(SystemMessage{std::move(id), std::move(text)});
  return true;
}

Result<std::vector<SystemMessage>>
parse_yaml_pool(const TextFile& file)
{
  std::vector<SystemMessage> out;
  std::set<std::string> ids;
  try {
    YAML::Node root = YAML::Load(file.content);
    YAML::Node list = root.IsMap() ? root["system_messages"] : root;
    if (!list.IsSequence()) {
      return Error(Error::Kind::config,
                   fmt::format("{}: expected a list of system messages (or system_messages: [...])",
                               file.path.string()));
    }
    for (const auto& entry : list) {
      int line = entry.Mark().line + 1;
      std::string id;
      std::string text;
      if (entry.IsScalar()) {
        text = entry.as<std::string>();
      } else if (entry.IsMap()) {
        id = entry["id"] ? entry["id"].as<std::string>() : "";
        text = entry["text"] ? entry["text"].as<std::string>()
                             : (entry["system"] ? entry["system"].as<std::string>() : "");
      }
      auto added = add_message(out, ids, file, id, text);
      if (!added) {
        return Error(Error::Kind::config,
                     fmt::format("{}:{}: {}", file.path.string(), line, added.error().message));
      }
    }
  } catch (const YAML::Exception& e) {
    return Error(Error::Kind::config, fmt::format("{}:{}: invalid YAML: {}", file.path.string(),
                                                  e.mark.line + 1, e.msg));
  }
  return out;
}

} // namespace

Result<std::vector<SystemMessage>>
parse_system_message_pool(const TextFile& file)
{
  auto ext = file.path.extension().string();
  std::vector<SystemMessage> out;
  if (ext == ".yaml" || ext == ".yml") {
    auto parsed = parse_yaml_pool(file);
    if (!parsed) {
      return parsed.error();
    }
    out = std::move(*parsed);
  } else {
    std::set<std::string> ids;
    auto walked = for_each_jsonl(file, [&](int, const nlohmann::json& r) -> Result<bool> {
      auto text = r.contains("text") ? r["text"] : r.value("system", nlohmann::json());
      if (!text.is_string()) {
        return Error(Error::Kind::config, "field 'text': expected a string");
      }
      std::string id;
      if (r.contains("id")) {
        id = r["id"].is_string() ? r["id"].get<std::string>() : r["id"].dump();
      }
      return add_message(out, ids, file, id, text.get<std::string>());
    });
    if (!walked) {
      return walked.error();
    }
  }
  if (out.empty()) {
    return Error(Error::Kind::config, fmt::format("{}: the pool is empty", file.path.string()));
  }
  return out;
}

size_t
pool_index(std::uint64_t seed, const std::string& item_id, size_t pool_size)
{
  return static_cast<size_t>(stable_hash64(fmt::format("{}:{}", seed, item_id)) % pool_size);
}

void
assign_from_pool(Item& item, const std::vector<SystemMessage>& pool, std::uint64_t seed)
{
  item.system = pool[pool_index(seed, item.id, pool.size())];
}

void
assign_from_pool(std::vector<Item>& items, const std::vector<SystemMessage>& pool,
                 std::uint64_t seed)
{
  for (auto& item : items) {
    assign_from_pool(item, pool, seed);
  }
}

} // namespace harness::system_messages
