#include <reports/render.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace reports {

namespace {

std::string
cell(const MeanScore& s)
{
  return s.mean ? fmt::format("{:.2f}", *s.mean) : "n/a";
}

nlohmann::json
number_or_null(const MeanScore& s)
{
  return s.mean ? nlohmann::json(*s.mean) : nlohmann::json(nullptr);
}

// What the run's config says about its system messages: the mode and the
// unseen check, if one was made ("" when there is nothing to say).
std::string
system_message_note(const std::string& config_json)
{
  auto config = nlohmann::json::parse(config_json, nullptr, false);
  if (config.is_discarded() || !config.contains("system_messages")) {
    return {};
  }
  const auto& sm = config["system_messages"];
  std::string note = fmt::format("system messages: {}", sm.value("mode", "item"));
  if (sm.contains("pool")) {
    note += fmt::format(" ({}, seed {})", sm["pool"].get<std::string>(), sm.value("seed", 0));
  } else if (sm.contains("generator")) {
    note += fmt::format(" (generator {}, seed {})", sm["generator"].get<std::string>(),
                        sm.value("seed", 0));
  }
  if (sm.contains("unseen_check") && sm["unseen_check"].is_object()) {
    note += " · " + sm["unseen_check"].value("summary", "");
  }
  return note;
}

} // namespace

std::vector<RunReport>
collect(harness::Store& store, const std::string& bench, const std::string& model,
        const std::string& judge)
{
  std::vector<RunReport> out;
  for (auto& run : store.runs()) {
    if ((!bench.empty() && run.bench != bench) || (!model.empty() && run.model != model) ||
        (!judge.empty() && run.judge != judge)) {
      continue;
    }
    RunReport r;
    auto verdicts = store.verdicts(run.id);
    r.scores = summarize_single(verdicts);
    r.pairwise = summarize_pairwise(verdicts);
    r.run = std::move(run);
    out.push_back(std::move(r));
  }
  return out;
}

std::string
render_markdown(const std::vector<RunReport>& reports)
{
  if (reports.empty()) {
    return "No runs in the database.\n";
  }
  std::string out;
  for (const auto& r : reports) {
    const auto& run = r.run;
    out += fmt::format("## {} — {}{} judged by {} ({} grading){}\n\n", run.bench, run.model,
                       run.baseline.empty() ? "" : " vs " + run.baseline, run.judge, run.protocol,
                       run.demo ? " — DEMO BACKEND, not a real model" : "");
    out += fmt::format("run {} · status {} · {} items · model `{}` · judge `{}` · rubric `{}` · "
                       "evalrun {} · started {}{}\n\n",
                       run.id, run.status, run.items, run.model_id, run.judge_model_id, run.rubric,
                       run.evalrun_version, run.started_at,
                       run.finished_at.empty() ? "" : " · finished " + run.finished_at);
    if (auto note = system_message_note(run.config_json); !note.empty()) {
      out += note + "\n\n";
    }
    if (r.is_pairwise()) {
      const auto& p = r.pairwise;
      auto pct = [](const std::optional<double>& x) {
        return x ? fmt::format("{:.1f}%", *x * 100) : std::string("n/a");
      };
      out += "| wins | ties | losses | n | tie+win | win rate | adjusted | parse failures | errors "
             "|\n";
      out += "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
      out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n\n", p.wins, p.ties,
                         p.losses, p.n, pct(p.tie_win_rate), pct(p.win_rate), pct(p.adjusted),
                         p.parse_failures, p.errors);
      if (p.preference_win_rate) {
        out += fmt::format("AlpacaEval preference win rate: {:.2f}\n\n", *p.preference_win_rate);
      }
      continue;
    }
    const auto& s = r.scores;
    out += "| turn 1 | turn 2 | average | n | parse failures | errors |\n";
    out += "|---:|---:|---:|---:|---:|---:|\n";
    out += fmt::format("| {} | {} | {} | {} | {} | {} |\n\n", cell(s.turn1), cell(s.turn2),
                       cell(s.average), s.average.n, s.parse_failures, s.errors);
    if (!s.by_category.empty()) {
      out += "| category | mean | n |\n|---|---:|---:|\n";
      for (const auto& [name, score] : s.by_category) {
        out += fmt::format("| {} | {} | {} |\n", name, cell(score), score.n);
      }
      out += "\n";
    }
    if (s.parse_failures || s.errors) {
      out += fmt::format("{} judgment(s) did not count: {} unparseable, {} failed requests "
                         "(see the verdicts and errors tables).\n\n",
                         s.parse_failures + s.errors, s.parse_failures, s.errors);
    }
  }
  return out;
}

std::string
render_json(const std::vector<RunReport>& reports, const std::string& evalrun_version)
{
  nlohmann::json results = nlohmann::json::array();
  for (const auto& r : reports) {
    const auto& run = r.run;
    const auto& s = r.scores;
    nlohmann::json categories = nlohmann::json::object();
    for (const auto& [name, score] : s.by_category) {
      categories[name] = {{"mean", number_or_null(score)}, {"n", score.n}};
    }
    const auto& p = r.pairwise;
    auto opt = [](const std::optional<double>& x) {
      return x ? nlohmann::json(*x) : nlohmann::json(nullptr);
    };
    nlohmann::json pairwise = nullptr;
    if (r.is_pairwise()) {
      pairwise = {{"wins", p.wins},
                  {"ties", p.ties},
                  {"losses", p.losses},
                  {"n", p.n},
                  {"win_rate", opt(p.win_rate)},
                  {"tie_win_rate", opt(p.tie_win_rate)},
                  {"adjusted", opt(p.adjusted)},
                  {"parse_failures", p.parse_failures},
                  {"errors", p.errors},
                  {"preference_win_rate", opt(p.preference_win_rate)}};
    }
    results.push_back({{"run_id", run.id},
                       {"baseline", run.baseline},
                       {"pairwise", pairwise},
                       {"bench", run.bench},
                       {"bench_version", run.bench_version},
                       {"model", run.model},
                       {"model_id", run.model_id},
                       {"judge", run.judge},
                       {"judge_model_id", run.judge_model_id},
                       {"protocol", run.protocol},
                       {"rubric", run.rubric},
                       {"demo", run.demo},
                       {"status", run.status},
                       {"started_at", run.started_at},
                       {"finished_at", run.finished_at},
                       {"turn1", number_or_null(s.turn1)},
                       {"turn2", number_or_null(s.turn2)},
                       {"average", number_or_null(s.average)},
                       {"n", s.average.n},
                       {"n_turn1", s.turn1.n},
                       {"n_turn2", s.turn2.n},
                       {"parse_failures", s.parse_failures},
                       {"errors", s.errors},
                       {"judgments", s.judgments},
                       {"categories", categories}});
  }
  nlohmann::json doc = {{"evalrun_version", evalrun_version}, {"results", results}};
  return doc.dump(2) + "\n";
}

} // namespace reports
