#include <reports/arena_hard_report.hpp>
#include <reports/baseline_model.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <optional>

namespace reports {

std::optional<long>
meta_number(const std::string& meta_json, const char* key)
{
  const auto meta = nlohmann::json::parse(meta_json.empty() ? "{}" : meta_json, nullptr, false);
  if (!meta.is_object() || !meta.contains(key) || !meta[key].is_array() || meta[key].empty() ||
      !meta[key][0].is_string()) {
    return std::nullopt;
  }
  const auto& text = meta[key][0].get_ref<const std::string&>();
  long n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return n;
}

using nlohmann::json;

namespace {

std::string
folder_key(const harness::RunRecord& run)
{
  return fmt::format("{}\n{}\n{}", run.bench, run.judge_model_id, baseline_model(run));
}

// The games' labels of a judged verdict; empty for a verdict without a judgment.
std::vector<std::string>
labels_of(const harness::VerdictRecord& v)
{
  auto doc = json::parse(v.labels_json, nullptr, false);
  std::vector<std::string> out;
  if (doc.is_array()) {
    for (const auto& label : doc) {
      out.push_back(label.is_string() ? label.get<std::string>() : "");
    }
  }
  return out;
}

// Everything the fit reads from one run, read once.
struct RunData
{
  harness::RunRecord run;
  std::vector<harness::VerdictRecord> verdicts;
  std::map<std::string, long> answer_tokens;   // by answer (response hash)
  std::map<std::string, long> baseline_tokens; // by the baseline's answer (or question id)
  // Imported runs: upstream's means over the answers files (the config's
  // avg_tokens and baseline_avg_tokens), which replace the counts above.
  std::optional<double> avg_tokens;
  std::optional<double> baseline_avg_tokens;
};

RunData
read_run(harness::Store& store, const harness::RunRecord& run)
{
  RunData d;
  d.run = run;
  d.verdicts = store.verdicts(run.id, harness::Store::VerdictColumns::for_reports);
  // Imported judgments keep their file's line order (upstream's row order).
  std::map<std::string, long> lines;
  for (const auto& v : d.verdicts) {
    if (auto line = meta_number(v.meta_json, "line")) {
      lines[v.item_id] = *line;
    }
  }
  if (lines.size() == d.verdicts.size()) {
    std::stable_sort(d.verdicts.begin(), d.verdicts.end(), [&](const auto& a, const auto& b) {
      return lines[a.item_id] < lines[b.item_id];
    });
  }
  auto config = json::parse(run.config_json, nullptr, false);
  for (const auto* key : {"avg_tokens", "baseline_avg_tokens"}) {
    if (config.is_object() && config.contains(key) && config[key].is_number()) {
      (std::string(key) == "avg_tokens" ? d.avg_tokens : d.baseline_avg_tokens) =
          config[key].get<double>();
    }
  }
  for (const auto& v : d.verdicts) {
    if (labels_of(v).empty()) {
      continue;
    }
    // Each answer once, as upstream averages the lines of a model's answer file.
    if (auto response = store.find_response(v.candidate_hash)) {
      d.answer_tokens[v.candidate_hash] = response->usage.completion_tokens;
    }
    if (auto n = meta_number(v.meta_json, "baseline_token_len")) {
      d.baseline_tokens[v.baseline_hash.empty() ? v.item_id : v.baseline_hash] = *n;
    }
  }
  return d;
}

} // namespace

const ArenaHardScore*
ArenaHardReport::row() const
{
  for (const auto& s : table) {
    if (s.model == model) {
      return &s;
    }
  }
  return nullptr;
}

std::map<std::int64_t, ArenaHardReport>
arena_hard_reports(harness::Store& store, const std::vector<harness::RunRecord>& runs,
                   const ArenaHardOptions& options)
{
  std::map<std::int64_t, ArenaHardReport> out;
  if (runs.empty()) {
    return out;
  }
  // The latest run of each model in each folder.
  std::map<std::string, std::map<std::string, harness::RunRecord>> folders;
  for (auto& run : store.runs()) {
    if (run.protocol == "arena_hard") {
      auto& latest = folders[folder_key(run)][run.model];
      if (run.id > latest.id) {
        latest = run;
      }
    }
  }
  std::map<std::int64_t, RunData> data;
  auto data_of = [&](const harness::RunRecord& run) -> const RunData& {
    auto it = data.find(run.id);
    if (it == data.end()) {
      it = data.emplace(run.id, read_run(store, run)).first;
    }
    return it->second;
  };
  // Fits by the runs they are made of.
  std::map<std::vector<std::int64_t>,
           std::pair<harness::Result<std::vector<ArenaHardScore>>, ArenaHardBattles>>
      fits;
  for (const auto& run : runs) {
    ArenaHardReport& report = out[run.id];
    report.model = run.model;
    report.baseline = baseline_model(run);
    report.rounds = options.rounds;
    report.seed = options.seed;
    const RunData& own = data_of(run);
    for (const auto& v : own.verdicts) {
      auto labels = labels_of(v);
      if (labels.empty()) {
        ++report.failed;
        continue;
      }
      ++report.judged;
      report.games += static_cast<long>(labels.size());
      ++(v.status == "ok" ? report.rated : report.unreadable);
    }
    for (const auto& call : store.judge_calls(run.id)) {
      report.continuations += call.attempt > 0;
    }
    if (run.model == report.baseline) {
      report.error = fmt::format("the model is the baseline ({}): nothing to compare", run.model);
      continue;
    }
    // The folder as this run sees it: itself and the latest run of every other model.
    std::vector<const harness::RunRecord*> members;
    for (const auto& [model, latest] : folders[folder_key(run)]) {
      if (model == report.baseline) {
        continue;
      }
      members.push_back(model == run.model ? &run : &latest);
    }
    std::vector<std::int64_t> ids;
    for (const auto* m : members) {
      ids.push_back(m->id);
      report.fitted_with.push_back(fmt::format("{} (run {})", m->model, m->id));
    }
    auto fit = fits.find(ids);
    if (fit == fits.end()) {
      std::vector<ArenaHardJudgment> judgments;
      std::map<std::string, std::vector<long>> tokens;
      std::map<std::string, long> baseline_tokens;
      for (const auto* m : members) {
        const RunData& d = data_of(*m);
        for (const auto& v : d.verdicts) {
          auto labels = labels_of(v);
          if (labels.empty()) {
            continue;
          }
          ArenaHardJudgment j;
          j.model = m->model;
          if (!labels[0].empty()) {
            j.game1 = labels[0];
          }
          if (labels.size() > 1 && !labels[1].empty()) {
            j.game2 = labels[1];
          }
          judgments.push_back(std::move(j));
        }
        for (const auto& [hash, n] : d.answer_tokens) {
          tokens[m->model].push_back(n);
        }
        baseline_tokens.insert(d.baseline_tokens.begin(), d.baseline_tokens.end());
      }
      for (const auto& [question, n] : baseline_tokens) {
        tokens[report.baseline].push_back(n);
      }
      auto battles = battles_from_games(judgments, report.baseline, options);
      if (!battles) {
        fit = fits.emplace(ids,
                           std::pair{harness::Result<std::vector<ArenaHardScore>>(battles.error()),
                                     ArenaHardBattles{}})
                  .first;
      } else {
        auto scores = arena_hard_scores(*battles, tokens, options);
        if (scores) {
          for (auto& row : *scores) {
            for (const auto* m : members) {
              const RunData& d = data_of(*m);
              if (row.is_baseline && d.baseline_avg_tokens) {
                row.avg_tokens = *d.baseline_avg_tokens;
              } else if (row.model == m->model && d.avg_tokens) {
                row.avg_tokens = *d.avg_tokens;
              }
            }
          }
        }
        fit = fits.emplace(ids, std::pair{std::move(scores), std::move(*battles)}).first;
      }
    }
    const auto& [scores, battles] = fit->second;
    if (!scores) {
      report.error = scores.error().message;
      continue;
    }
    report.table = *scores;
    for (size_t m = 0; m < battles.models.size(); ++m) {
      if (battles.models[m] == run.model) {
        report.games_dropped = battles.dropped_games[m];
      }
    }
    if (!report.row()) {
      report.error = "no game of this run has a verdict label";
    }
  }
  return out;
}

} // namespace reports
