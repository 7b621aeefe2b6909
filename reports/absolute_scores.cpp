#include <reports/absolute_scores.hpp>
#include <reports/statistics.hpp>

#include <nlohmann/json.hpp>

namespace reports {

namespace {

// Run index -> instance means, from the verdicts given.
std::map<int, std::vector<double>>
per_run(const std::vector<const harness::VerdictRecord*>& verdicts)
{
  std::map<int, std::vector<double>> runs;
  for (const auto* v : verdicts) {
    auto criteria =
        nlohmann::json::parse(v->criteria_json.empty() ? "{}" : v->criteria_json, nullptr, false);
    if (criteria.is_discarded() || !criteria.is_object()) {
      continue;
    }
    for (const auto& [key, value] : criteria.items()) {
      if (key.rfind("run ", 0) == 0 && value.is_number()) {
        runs[std::stoi(key.substr(4))].push_back(value.get<double>());
      }
    }
  }
  return runs;
}

std::optional<double>
mean_of_run_means(const std::map<int, std::vector<double>>& runs,
                  std::vector<double>* means = nullptr)
{
  std::vector<double> run_means;
  for (const auto& [run, values] : runs) {
    if (auto m = mean(values)) {
      run_means.push_back(*m);
    }
  }
  if (means) {
    *means = run_means;
  }
  return mean(run_means);
}

} // namespace

AbsoluteScores
summarize_absolute(const std::vector<harness::VerdictRecord>& verdicts)
{
  AbsoluteScores out;
  std::vector<const harness::VerdictRecord*> ok;
  std::map<std::string, std::vector<const harness::VerdictRecord*>> by_source;
  for (const auto& v : verdicts) {
    if (v.status == "ok") {
      ok.push_back(&v);
      by_source[v.source].push_back(&v);
    }
  }
  out.instances = static_cast<long>(ok.size());
  out.score = mean_of_run_means(per_run(ok), &out.run_means);
  out.sd_across_runs = sample_sd(out.run_means);
  for (const auto& [source, rows] : by_source) {
    if (auto m = mean_of_run_means(per_run(rows))) {
      out.by_source[source] = *m;
    }
  }
  return out;
}

} // namespace reports
