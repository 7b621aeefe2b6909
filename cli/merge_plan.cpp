#include <cli/merge_plan.hpp>

#include <harness/error.hpp>
#include <harness/request_hash.hpp>
#include <harness/shard.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace cli {

using harness::Fatal;
using nlohmann::json;

namespace {

// A stored run, read for merging: a shard (run --shard i/n), the shards an
// earlier merge combined (some of n), or a run that was not sharded.
struct Part
{
  size_t input = 0;
  const harness::RunRecord* run = nullptr;
  std::optional<int> count; // of the slices it is cut into; none: not sharded
  std::set<int> shards;     // the slices it holds
  bool complete = false;    // every turn of the slices it holds was judged
  json semantics;           // without the shard
  std::string whole_key;
};

Part
read_part(size_t input, const harness::RunRecord& run)
{
  Part part{input, &run, std::nullopt, {}, run.status == "complete", json(), run.key};
  auto config = json::parse(run.config_json, nullptr, false);
  if (!config.is_object() || !config.contains("semantics") || !config["semantics"].is_object()) {
    return part; // imported judgments: a run of their own
  }
  part.semantics = config["semantics"];
  if (auto shard = part.semantics.find("shard"); shard != part.semantics.end()) {
    part.count = shard->value("count", 1);
    part.shards = {shard->value("index", 0)};
    part.semantics.erase("shard");
    part.whole_key = harness::sha256_hex(part.semantics.dump());
  } else if (auto merged = config.find("merged_shards");
             merged != config.end() && merged->is_object()) {
    part.count = merged->value("count", 1);
    for (const auto& index : merged->value("indexes", json::array())) {
      part.shards.insert(index.get<int>());
    }
    part.complete = merged->value("complete", false); // incomplete for the missing shards only
  }
  return part;
}

// "shard 1/4", "shards 0, 1 of 4".
std::string
shards_text(const Part& part)
{
  if (part.shards.size() == 1) {
    return fmt::format("shard {}/{}", *part.shards.begin(), *part.count);
  }
  return fmt::format("shards {} of {}", fmt::join(part.shards, ", "), *part.count);
}

// "bench/model by judge".
std::string
describe(const harness::RunRecord& run)
{
  return fmt::format("{} {} judged by {}", run.bench, run.model, run.judge);
}

// The semantic fields in which `a` and `b` differ, as "field: A vs B".
std::string
differences(const json& a, const json& b)
{
  std::vector<std::string> out;
  auto shown = [](const json* value) {
    std::string text = value ? value->dump() : "(none)";
    return text.size() > 80 ? text.substr(0, 77) + "..." : text;
  };
  std::set<std::string> fields;
  for (const auto* side : {&a, &b}) {
    for (const auto& [field, value] : side->items()) {
      fields.insert(field);
    }
  }
  for (const auto& field : fields) {
    const json* x = a.contains(field) ? &a[field] : nullptr;
    const json* y = b.contains(field) ? &b[field] : nullptr;
    if (!x || !y || *x != *y) {
      out.push_back(fmt::format("{}: {} vs {}", field, shown(x), shown(y)));
    }
  }
  return fmt::format("{}", fmt::join(out, "; "));
}

// Refuses databases whose shards are not shards of the same runs: every
// database holding shards holds one of each run sharded.
void
check_same_runs(const std::vector<MergeInput>& inputs, const std::vector<Part>& parts)
{
  std::map<size_t, std::map<std::string, const Part*>> sharded; // input -> whole key -> part
  for (const auto& part : parts) {
    if (part.count) {
      sharded[part.input].emplace(part.whole_key, &part);
    }
  }
  for (const auto& [input, runs] : sharded) {
    for (const auto& [other, other_runs] : sharded) {
      for (const auto& [key, part] : runs) {
        if (other_runs.contains(key)) {
          continue;
        }
        // The other's shard of the same benchmark and model, else its first.
        const Part* near = other_runs.begin()->second;
        for (const auto& [other_key, candidate] : other_runs) {
          if (candidate->run->bench == part->run->bench &&
              candidate->run->model == part->run->model) {
            near = candidate;
          }
        }
        throw Fatal(fmt::format(
            "{} ({} of {}) and {} ({} of {}) are shards of different configurations, and were "
            "not merged: {}",
            inputs[input].path.string(), shards_text(*part), describe(*part->run),
            inputs[other].path.string(), shards_text(*near), describe(*near->run),
            differences(part->semantics, near->semantics)));
      }
    }
  }
}

} // namespace

std::vector<MergedRun>
plan_merge(const std::vector<MergeInput>& inputs)
{
  std::vector<Part> parts;
  for (size_t i = 0; i < inputs.size(); ++i) {
    for (const auto& run : inputs[i].runs) {
      parts.push_back(read_part(i, run));
    }
  }
  check_same_runs(inputs, parts);
  std::vector<std::vector<const Part*>> groups;
  std::map<std::string, size_t> group_of; // whole key -> index into groups
  for (const auto& part : parts) {
    auto [at, fresh] = group_of.emplace(part.whole_key, groups.size());
    if (fresh) {
      groups.emplace_back();
    }
    groups[at->second].push_back(&part);
  }
  std::vector<MergedRun> out;
  for (const auto& group : groups) {
    const Part& first = *group.front();
    auto where = [&](const Part& p) {
      return p.count ? fmt::format("{} ({})", inputs[p.input].path.string(), shards_text(p))
                     : inputs[p.input].path.string();
    };
    MergedRun merged;
    merged.run = *first.run;
    merged.run.id = 0;
    std::set<int> shards;
    bool complete = true;
    long items = 0;
    for (const Part* p : group) {
      if (p != &first && (!p->count || !first.count)) {
        throw Fatal(fmt::format("{} and {} both hold {}: the databases overlap, and were not "
                                "merged",
                                where(first), where(*p), describe(*p->run)));
      }
      if (p->count && *p->count != *first.count) {
        throw Fatal(fmt::format("{} and {} are shards of {} cut into different numbers of "
                                "slices; they were not merged",
                                where(first), where(*p), describe(*p->run)));
      }
      for (int index : p->shards) {
        if (!shards.insert(index).second) {
          const auto* twin = *std::find_if(
              group.begin(), group.end(), [&](const Part* q) { return q->shards.contains(index); });
          throw Fatal(fmt::format("{} and {} both hold shard {}/{} of {}: the databases overlap, "
                                  "and were not merged",
                                  where(*twin), where(*p), index, *p->count, describe(*p->run)));
        }
      }
      complete = complete && p->complete;
      items += p->run->items;
      merged.parts.emplace_back(p->input, p->run->id);
    }
    if (first.count) {
      merged.shard_count = *first.count;
      merged.shards.assign(shards.begin(), shards.end());
      for (int i = 0; i < *first.count; ++i) {
        if (!shards.contains(i)) {
          merged.missing_shards.push_back(i);
        }
      }
      auto config = json::parse(first.run->config_json);
      config.erase("shard");
      config["semantics"] = first.semantics;
      // Which shards it holds, while some are missing, for a later merge to add them.
      config.erase("merged_shards");
      if (!merged.missing_shards.empty()) {
        config["merged_shards"] = {
            {"count", *first.count}, {"indexes", merged.shards}, {"complete", complete}};
      }
      merged.run.key = first.whole_key;
      merged.run.config_json = config.dump();
      merged.run.items = static_cast<int>(items);
    }
    merged.run.status = complete && merged.missing_shards.empty() ? "complete" : "incomplete";
    out.push_back(std::move(merged));
  }
  return out;
}

} // namespace cli
