#include <harness/jsonl.hpp>
#include <harness/system_messages/unseen_check.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdint>
#include <map>
#include <unordered_map>
#include <unordered_set>

namespace harness::system_messages {

namespace {

std::vector<std::string>
words_of(const std::string& text)
{
  std::vector<std::string> out;
  std::string word;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c >= 0x80) {
      word.push_back(static_cast<char>(std::tolower(c)));
    } else if (!word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) {
    out.push_back(std::move(word));
  }
  return out;
}

std::string
normalised(const std::string& text)
{
  std::string out;
  for (const auto& w : words_of(text)) {
    if (!out.empty()) {
      out += ' ';
    }
    out += w;
  }
  return out;
}

// 64-bit FNV-1a of the n words starting at i, separated by spaces.
std::uint64_t
gram_hash(const std::vector<std::string>& words, size_t i, int n)
{
  std::uint64_t h = 1469598103934665603ULL;
  for (int k = 0; k < n; ++k) {
    for (unsigned char c : words[i + static_cast<size_t>(k)]) {
      h = (h ^ c) * 1099511628211ULL;
    }
    h = (h ^ ' ') * 1099511628211ULL;
  }
  return h;
}

std::unordered_set<std::uint64_t>
grams(const std::string& text, int n)
{
  auto words = words_of(text);
  std::unordered_set<std::uint64_t> out;
  if (words.size() < static_cast<size_t>(n)) {
    if (!words.empty()) {
      out.insert(gram_hash(words, 0, static_cast<int>(words.size())));
    }
    return out;
  }
  for (size_t i = 0; i + static_cast<size_t>(n) <= words.size(); ++i) {
    out.insert(gram_hash(words, i, n));
  }
  return out;
}

} // namespace

Result<std::vector<std::string>>
parse_seen_messages(const TextFile& file)
{
  std::vector<std::string> out;
  auto ext = file.path.extension().string();
  if (ext == ".jsonl" || ext == ".json") {
    auto walked = for_each_jsonl(file, [&](int, const nlohmann::json& r) -> Result<bool> {
      const char* key = r.contains("system") ? "system" : "text";
      if (!r.contains(key) || !r[key].is_string()) {
        return Error(Error::Kind::config, "field 'system': expected a string");
      }
      out.push_back(r[key].get<std::string>());
      return true;
    });
    if (!walked) {
      return walked.error();
    }
    return out;
  }
  for (const auto& [line_number, line] : non_blank_lines(file.content)) {
    out.emplace_back(line);
  }
  return out;
}

UnseenReport
check_unseen(const std::vector<Item>& items, const std::vector<std::string>& seen, int n,
             double threshold)
{
  struct Target
  {
    std::string item_id;
    std::string system_id;
    std::string normal;
    size_t grams = 0;
    SeenMatch best;
  };
  std::vector<Target> targets;
  std::unordered_map<std::string, size_t> target_of_normal;
  std::unordered_map<std::uint64_t, std::vector<size_t>> index; // n-gram -> targets
  for (const auto& item : items) {
    if (!item.system) {
      continue;
    }
    auto normal = normalised(item.system->text);
    if (target_of_normal.count(normal)) {
      continue;
    }
    target_of_normal[normal] = targets.size();
    auto g = grams(item.system->text, n);
    for (auto h : g) {
      index[h].push_back(targets.size());
    }
    Target t{item.id, item.system->id, normal, g.size(), {}};
    t.best.item_id = item.id;
    t.best.system_id = item.system->id;
    targets.push_back(std::move(t));
  }

  for (size_t s = 0; s < seen.size(); ++s) {
    auto normal = normalised(seen[s]);
    if (auto exact = target_of_normal.find(normal); exact != target_of_normal.end()) {
      auto& best = targets[exact->second].best;
      if (!best.exact) {
        best.exact = true;
        best.overlap = 1.0;
        best.seen_index = s;
      }
      // Other evaluation messages may still be near this seen one.
    }
    std::map<size_t, size_t> shared; // target -> distinct shared n-grams
    for (auto h : grams(seen[s], n)) {
      if (auto it = index.find(h); it != index.end()) {
        for (size_t t : it->second) {
          ++shared[t];
        }
      }
    }
    for (const auto& [t, count] : shared) {
      auto& target = targets[t];
      double overlap =
          target.grams ? static_cast<double>(count) / static_cast<double>(target.grams) : 0;
      if (!target.best.exact && overlap > target.best.overlap) {
        target.best.overlap = overlap;
        target.best.seen_index = s;
      }
    }
  }

  UnseenReport report;
  report.checked = targets.size();
  for (const auto& t : targets) {
    if (t.best.exact) {
      ++report.exact;
      report.matches.push_back(t.best);
    } else if (t.best.overlap >= threshold && t.best.overlap > 0) {
      ++report.near;
      report.matches.push_back(t.best);
    }
  }
  return report;
}

} // namespace harness::system_messages
