#include <harness/benchmark.hpp>
#include <harness/jsonl.hpp>

#include <fmt/core.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace harness {

namespace {

// How for_each_record names a record: a line of a JSON Lines file, or an
// element of a JSON array (a single-object file has only one record).
std::string
location(const TextFile& file, int where)
{
  auto first = file.content.find_first_not_of(" \t\r\n");
  bool array = first != std::string::npos && file.content[first] == '[';
  return array ? fmt::format("record [{}]", where) : fmt::format("line {}", where);
}

} // namespace

Result<std::vector<Item>>
items_from_records(const TextFile& file,
                   const std::function<Result<Item>(const nlohmann::json&, size_t)>& make)
{
  std::vector<Item> items;
  std::map<std::string, int> first_seen; // item id -> line (or record index) it came from
  auto walked = for_each_record(file, [&](int where, const nlohmann::json& record) -> Result<bool> {
    auto item = make(record, items.size());
    if (!item) {
      return item.error();
    }
    auto [seen, fresh] = first_seen.emplace(item->id, where);
    if (!fresh) {
      return Error(Error::Kind::config, fmt::format("duplicate item id '{}' (first at {})",
                                                    item->id, location(file, seen->second)));
    }
    items.push_back(std::move(*item));
    return true;
  });
  if (!walked) {
    return walked.error();
  }
  if (items.empty()) {
    return Error(Error::Kind::config,
                 fmt::format("{}: no records: the benchmark file is empty", file.path.string()));
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
