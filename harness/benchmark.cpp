#include <harness/benchmark.hpp>
#include <harness/jsonl.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

namespace harness {

Result<std::vector<Item>>
items_from_records(const TextFile& file,
                   const std::function<Result<Item>(const nlohmann::json&, size_t)>& make)
{
  std::vector<Item> items;
  auto walked = for_each_record(file, [&](int, const nlohmann::json& record) -> Result<bool> {
    auto item = make(record, items.size());
    if (!item) {
      return item.error();
    }
    items.push_back(std::move(*item));
    return true;
  });
  if (!walked) {
    return walked.error();
  }
  return items;
}

Result<const TextFile*>
required_file(const BenchSpec& spec, const FileSet& files, const std::string& key,
              const std::string& why)
{
  auto it = files.find(key);
  if (it == files.end()) {
    return Error(Error::Kind::config,
                 fmt::format("{}: files.{} is required: {}", spec.defined_in.string(), key, why));
  }
  return &it->second;
}

} // namespace harness
