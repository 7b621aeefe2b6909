#include <reports/janus_tables.hpp>
#include <reports/markdown_text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace reports {

namespace {

// The latest run per model among `reports` that `wanted` accepts.
template <typename Pred>
std::map<std::string, const RunReport*>
latest_by_model(const std::vector<RunReport>& reports, Pred wanted)
{
  std::map<std::string, const RunReport*> out;
  for (const auto& r : reports) {
    if (wanted(r)) {
      auto& slot = out[r.run.model];
      if (!slot || r.run.id > slot->run.id) {
        slot = &r;
      }
    }
  }
  return out;
}

std::string
number(const std::optional<double>& x, int digits)
{
  return x ? fmt::format("{:.{}f}", *x, digits) : "n/a";
}

} // namespace

std::string
janus_tables_markdown(const std::vector<RunReport>& reports)
{
  // Models in the order they first appear.
  std::vector<std::string> models;
  for (const auto& r : reports) {
    if (std::find(models.begin(), models.end(), r.run.model) == models.end()) {
      models.push_back(r.run.model);
    }
  }
  auto alpaca = latest_by_model(reports, [](const RunReport& r) {
    return r.run.bench == "alpacaeval" && r.run.protocol == "alpaca_eval";
  });
  auto mtbench = latest_by_model(reports, [](const RunReport& r) {
    return r.run.bench == "mtbench" && r.run.protocol == "single";
  });
  auto arena = latest_by_model(reports, [](const RunReport& r) {
    return r.run.bench == "arenahard" && r.run.protocol == "arena_hard";
  });
  auto multifaceted = latest_by_model(reports, [](const RunReport& r) {
    return r.run.bench == "multifaceted" && r.run.protocol == "absolute";
  });
  const bool demo =
      std::any_of(reports.begin(), reports.end(), [](const RunReport& r) { return r.run.demo; });

  std::string out = "# The Janus evaluation\n\n";
  if (demo) {
    out += "**DEMO BACKEND**: these numbers come from evalrun's built-in demo models and judge, "
           "not from real models.\n\n";
  }
  std::vector<std::string> notes;
  out += "## Helpfulness\n\n| model | AE2 LC | AE2 WR | MT-Bench | Arena-Hard |\n"
         "|---|---:|---:|---:|---:|\n";
  for (const auto& model : models) {
    if (!alpaca.count(model) && !mtbench.count(model) && !arena.count(model)) {
      continue; // judged on Multifaceted Bench only
    }
    std::string lc = "—";
    std::string wr = "—";
    if (auto it = alpaca.find(model); it != alpaca.end()) {
      const auto& r = *it->second;
      wr = r.alpaca_eval && r.alpaca_eval->n_total ? fmt::format("{:.1f}", r.alpaca_eval->win_rate)
                                                   : "n/a";
      if (r.length_controlled && r.length_controlled->result) {
        lc = fmt::format("{:.1f}", r.length_controlled->result->length_controlled_winrate);
      } else {
        lc = "n/a";
        if (r.length_controlled && notes.empty()) {
          notes.push_back("AE2 LC: " + markdown_text(r.length_controlled->note));
        }
      }
    }
    std::string mt = "—";
    if (auto it = mtbench.find(model); it != mtbench.end()) {
      mt = number(it->second->scores.average.mean, 2);
    }
    std::string ah = "—";
    if (auto it = arena.find(model); it != arena.end()) {
      const auto* row = it->second->arena_hard ? it->second->arena_hard->row() : nullptr;
      ah = row ? fmt::format("{:.1f} ({:+.1f}/{:+.1f})", row->score, row->lower - row->score,
                             row->upper - row->score)
               : "n/a";
    }
    out += fmt::format("| {} | {} | {} | {} | {} |\n", markdown_text(model), lc, wr, mt, ah);
  }
  out += "\nAE2: AlpacaEval 2.0 win rates (%) against gpt4_1106_preview; MT-Bench: GPT-4 single "
         "grading, mean of both turns (1-10); Arena-Hard: Bradley-Terry win rate (%) against "
         "gpt-4-0314, 95% interval from 100 bootstrap rounds.\n\n";
  for (const auto& note : notes) {
    out += "- " + note + "\n";
  }
  if (!notes.empty()) {
    out += "\n";
  }

  static const std::vector<std::pair<std::string, std::string>> k_sources = {
      {"alpacaeval", "AlpacaEval 2.0"},
      {"flask", "FLASK"},
      {"koala", "Koala"},
      {"mtbench", "MT-Bench"},
      {"selfinstruct", "Self-Instruct"}};
  out += "## Multifaceted Bench\n\n| model |";
  for (const auto& [key, name] : k_sources) {
    out += " " + name + " |";
  }
  out += " Avg. |\n|---|";
  for (size_t i = 0; i <= k_sources.size(); ++i) {
    out += "---:|";
  }
  out += "\n";
  for (const auto& model : models) {
    auto it = multifaceted.find(model);
    if (it == multifaceted.end() || !it->second->absolute) {
      continue;
    }
    const auto& a = *it->second->absolute;
    out += "| " + markdown_text(model) + " |";
    for (const auto& [key, name] : k_sources) {
      auto s = a.by_source.find(key);
      out += s == a.by_source.end() ? " — |" : fmt::format(" {:.2f} |", s->second);
    }
    out += fmt::format(" {}{} |\n", number(a.score, 2),
                       a.sd_across_runs ? fmt::format(" (sd {:.2f})", *a.sd_across_runs) : "");
  }
  out += "\nAbsolute grading with each instance's rubrics (1-5): per instance the mean over "
         "its rubrics, per judge run the mean over instances, then the mean of the runs (sd "
         "across runs).\n\n";

  out += "## Tie+win rates against baselines\n\n| model | baseline | wins | ties | losses | n | "
         "tie+win |\n|---|---|---:|---:|---:|---:|---:|\n";
  for (const auto& r : reports) {
    if (r.run.bench != "multifaceted" || r.run.protocol != "pairwise") {
      continue;
    }
    const auto& p = r.pairwise;
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", markdown_text(r.run.model),
                       markdown_text(r.run.baseline), p.wins, p.ties, p.losses, p.n,
                       p.tie_win_rate ? fmt::format("{:.1f}%", *p.tie_win_rate * 100) : "n/a");
  }
  out += "\nPairwise grading in both orders with each item's system message shown to the "
         "judge; a pair whose games disagree is a tie.\n";
  return out;
}

} // namespace reports
