#include <reports/absolute_scores.hpp>
#include <reports/statistics.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace reports {

namespace {

// A verdict's instance mean per judge run ("run N" criteria), in run order.
std::vector<double>
run_scores(const harness::VerdictRecord& v)
{
  std::map<int, double> by_run;
  auto criteria =
      nlohmann::json::parse(v.criteria_json.empty() ? "{}" : v.criteria_json, nullptr, false);
  if (criteria.is_object()) {
    for (const auto& [key, value] : criteria.items()) {
      if (key.rfind("run ", 0) == 0 && value.is_number()) {
        by_run[std::stoi(key.substr(4))] = value.get<double>();
      }
    }
  }
  std::vector<double> out;
  for (const auto& [run, score] : by_run) {
    out.push_back(score);
  }
  return out;
}

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
  std::vector<double> instance_sds;
  for (const auto* v : ok) {
    const auto scores = run_scores(*v);
    if (scores.size() >= 2) {
      instance_sds.push_back(sample_sd(scores).value_or(0));
      out.instances_varying +=
          std::any_of(scores.begin(), scores.end(), [&](double s) { return s != scores[0]; });
    }
  }
  out.instances_in_several_runs = static_cast<long>(instance_sds.size());
  out.mean_instance_sd = mean(instance_sds);
  for (const auto& [source, rows] : by_source) {
    if (auto m = mean_of_run_means(per_run(rows))) {
      out.by_source[source] = *m;
    }
  }
  return out;
}

} // namespace reports
