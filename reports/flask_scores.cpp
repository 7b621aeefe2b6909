#include <reports/flask_scores.hpp>

#include <nlohmann/json.hpp>

namespace reports {

namespace {

void
add(Mean& m, double x)
{
  m.mean = (m.mean * static_cast<double>(m.n) + x) / static_cast<double>(m.n + 1);
  ++m.n;
}

std::vector<std::string>
strings(const nlohmann::json& meta, const char* key)
{
  std::vector<std::string> out;
  if (meta.contains(key) && meta[key].is_array()) {
    for (const auto& v : meta[key]) {
      if (v.is_string()) {
        out.push_back(v.get<std::string>());
      }
    }
  }
  return out;
}

} // namespace

FlaskScores
summarize_flask(const std::vector<harness::VerdictRecord>& verdicts)
{
  FlaskScores out;
  for (const auto& v : verdicts) {
    if (v.status != "ok") {
      continue;
    }
    auto criteria =
        nlohmann::json::parse(v.criteria_json.empty() ? "{}" : v.criteria_json, nullptr, false);
    auto meta = nlohmann::json::parse(v.meta_json.empty() ? "{}" : v.meta_json, nullptr, false);
    if (criteria.is_discarded() || !criteria.is_object() || meta.is_discarded()) {
      continue;
    }
    auto difficulty = strings(meta, "difficulty");
    auto domains = strings(meta, "domain");
    for (const auto& [skill, score] : criteria.items()) {
      if (!score.is_number()) {
        continue; // N/A
      }
      double x = score.get<double>();
      add(out.by_skill[skill], x);
      for (const auto& d : difficulty) {
        add(out.by_skill_difficulty[{skill, d}], x);
      }
      for (const auto& d : domains) {
        add(out.by_domain[d], x);
      }
    }
  }
  return out;
}

} // namespace reports
