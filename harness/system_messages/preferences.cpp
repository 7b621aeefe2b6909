#include <harness/request_hash.hpp>
#include <harness/system_messages/preferences.hpp>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace harness::system_messages {

Result<std::vector<PreferenceDimension>>
parse_preferences(const TextFile& file)
{
  const std::string path = file.path.string();
  std::vector<PreferenceDimension> out;
  try {
    YAML::Node root = YAML::Load(file.content);
    YAML::Node dims = root.IsMap() ? root["dimensions"] : YAML::Node();
    if (!dims.IsMap() || dims.size() == 0) {
      return Error(
          Error::Kind::config,
          fmt::format("{}:{}: field 'dimensions': expected a mapping of dimension names to "
                      "lists of values",
                      path, root.Mark().line + 1));
    }
    for (const auto& kv : dims) {
      PreferenceDimension d;
      d.name = kv.first.as<std::string>();
      if (!kv.second.IsSequence() || kv.second.size() == 0) {
        return Error(Error::Kind::config, fmt::format("{}:{}: field 'dimensions.{}': expected a "
                                                      "non-empty list",
                                                      path, kv.first.Mark().line + 1, d.name));
      }
      for (const auto& v : kv.second) {
        if (!v.IsMap() || !v["name"] || !v["description"]) {
          return Error(Error::Kind::config,
                       fmt::format("{}:{}: field 'dimensions.{}': each value needs name and "
                                   "description",
                                   path, v.Mark().line + 1, d.name));
        }
        d.values.push_back({v["name"].as<std::string>(), v["description"].as<std::string>()});
      }
      out.push_back(std::move(d));
    }
  } catch (const YAML::Exception& e) {
    return Error(Error::Kind::config,
                 fmt::format("{}:{}: invalid YAML: {}", path, e.mark.line + 1, e.msg));
  }
  return out;
}

PreferenceProfile
sample_profile(const std::vector<PreferenceDimension>& dimensions, std::uint64_t seed,
               const std::string& key)
{
  PreferenceProfile profile;
  for (const auto& d : dimensions) {
    auto index = stable_hash64(fmt::format("{}:{}:{}", seed, key, d.name)) % d.values.size();
    profile.choices.emplace_back(d.name, d.values[index]);
  }
  return profile;
}

} // namespace harness::system_messages
