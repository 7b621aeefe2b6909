#include <reports/csv_field.hpp>
#include <reports/markdown_text.hpp>
#include <reports/render.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <vector>

namespace reports {

using nlohmann::json;

namespace {

std::string
cell(const MeanScore& s)
{
  return s.mean ? fmt::format("{:.2f}", *s.mean) : "n/a";
}

json
opt(const std::optional<double>& x)
{
  return x ? json(*x) : json(nullptr);
}

json
number_or_null(const MeanScore& s)
{
  return opt(s.mean);
}

std::string
pct(const std::optional<double>& x)
{
  return x ? fmt::format("{:.1f}%", *x * 100) : std::string("n/a");
}

std::string
ci_text(const RunReport& r, const std::string& name, int digits = 2)
{
  auto it = r.intervals.find(name);
  if (it == r.intervals.end()) {
    return "";
  }
  return fmt::format(" (95% CI {:.{}f}–{:.{}f}{})", it->second.low, digits, it->second.high, digits,
                     metric_unit(name) == "percent" ? "%" : "");
}

json
interval_json(const RunReport& r, const std::string& name)
{
  auto it = r.intervals.find(name);
  if (it == r.intervals.end()) {
    return nullptr;
  }
  return {{"low", it->second.low},
          {"high", it->second.high},
          {"unit", metric_unit(name)},
          {"resamples", it->second.resamples},
          {"seed", it->second.seed}};
}

// What the run's config says about its system messages: the mode and the
// unseen check, if one was made ("" when there is nothing to say), as plain
// text (the caller escapes it).
// What the run's config says about the slice of the items it holds (run
// --shard, or a merge of some shards): "" for a whole run.
std::string
shard_note(const std::string& config_json)
{
  auto config = json::parse(config_json, nullptr, false);
  if (config.is_discarded()) {
    return {};
  }
  if (auto shard = config.find("shard"); shard != config.end() && shard->is_string()) {
    return fmt::format("SHARD {} of the items: not the benchmark's numbers until the shards are "
                       "merged (evalrun merge)",
                       shard->get<std::string>());
  }
  if (auto merged = config.find("merged_shards"); merged != config.end() && merged->is_object()) {
    return fmt::format("SHARDS {} of {} merged, the others missing: not the benchmark's numbers "
                       "until they are merged in too (evalrun merge)",
                       fmt::join(merged->value("indexes", std::vector<int>{}), ", "),
                       merged->value("count", 0));
  }
  return {};
}

std::string
system_message_note(const std::string& config_json)
{
  auto config = json::parse(config_json, nullptr, false);
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

std::string
pairwise_markdown(const RunReport& r)
{
  const auto& p = r.pairwise;
  std::string out =
      "| wins | ties | losses | n | tie+win | win rate | adjusted | parse failures | errors |\n"
      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n\n", p.wins, p.ties, p.losses,
                     p.n, pct(p.tie_win_rate), pct(p.win_rate), pct(p.adjusted), p.parse_failures,
                     p.errors);
  if (r.run.protocol != "alpaca_eval") {
    out += fmt::format("tie+win{}; win rate{}\n\n", ci_text(r, "tie_win_rate", 1),
                       ci_text(r, "win_rate", 1));
  }
  if (r.pairwise_by_source.size() > 1) {
    out += "| source | wins | ties | losses | tie+win |\n|---|---:|---:|---:|---:|\n";
    for (const auto& [source, s] : r.pairwise_by_source) {
      out +=
          fmt::format("| {} | {} | {} | {} | {} |\n", source.empty() ? "-" : markdown_text(source),
                      s.wins, s.ties, s.losses, pct(s.tie_win_rate));
    }
    out += "\n";
  }
  return out;
}

std::string
alpaca_markdown(const RunReport& r)
{
  const auto& a = *r.alpaca_eval;
  std::string out = "| win_rate | standard_error | n_wins | n_wins_base | n_draws | n_total | "
                    "discrete_win_rate | avg_length |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  out += fmt::format("| {:.2f} | {:.2f} | {} | {} | {} | {} | {:.2f} | {} |\n\n", a.win_rate,
                     a.standard_error, a.n_wins, a.n_wins_base, a.n_draws, a.n_total,
                     a.discrete_win_rate, a.avg_length);
  out += fmt::format("win rate{}.\n\n", ci_text(r, "win_rate"));
  const auto& lc = r.length_controlled;
  if (lc && lc->result) {
    const auto& f = *lc->result;
    out += fmt::format(
        "length-controlled win rate: **{:.2f}** (lc_standard_error {:.2f}) over {} annotations; "
        "{}; weights against {}: np.tanh(std_delta_len) {:.4f}, instruction_difficulty {:.4f}, "
        "not_gamed_baseline {:.4f}{}.\n\n",
        f.length_controlled_winrate, f.lc_standard_error, lc->annotations,
        !f.chosen_c           ? "the model is the baseline"
        : f.cv_scores.empty() ? fmt::format("C = {:.6g} (pinned)", *f.chosen_c)
                              : fmt::format("C = {:.6g} chosen by {}-fold cross-validation",
                                            *f.chosen_c, f.cv_scores.front().fold_scores.size()),
        markdown_text(lc->baseline), f.weights.length, f.weights.difficulty, f.weights.not_gamed,
        lc->from_weights ? fmt::format("; from these weights over instruction_difficulty.csv "
                                       "(predict_winrate): {:.2f}",
                                       *lc->from_weights)
                         : "");
  }
  if (lc && !lc->note.empty()) {
    out += fmt::format("length-controlled win rate: {}.\n\n", markdown_text(lc->note));
  }
  return out;
}

std::string
single_markdown(const RunReport& r)
{
  const auto& s = r.scores;
  std::string out = "| turn 1 | turn 2 | average | n | parse failures | errors |\n"
                    "|---:|---:|---:|---:|---:|---:|\n";
  out += fmt::format("| {} | {} | {} | {} | {} | {} |\n\n", cell(s.turn1), cell(s.turn2),
                     cell(s.average), s.average.n, s.parse_failures, s.errors);
  if (r.intervals.count("average")) {
    out += fmt::format("average{}\n\n", ci_text(r, "average"));
  }
  if (r.absolute) {
    const auto& a = *r.absolute;
    out += fmt::format("score (mean over {} judge run(s) of the mean of rubric means): {}{}{}\n\n",
                       a.run_means.size(), a.score ? fmt::format("{:.3f}", *a.score) : "n/a",
                       a.sd_across_runs ? fmt::format(", sd across runs {:.3f}", *a.sd_across_runs)
                                        : "",
                       ci_text(r, "score", 3));
    if (a.mean_instance_sd) {
      out += fmt::format("per instance across judge runs: sd {:.3f} on average; scores differ on "
                         "{} of {} instances\n\n",
                         *a.mean_instance_sd, a.instances_varying, a.instances_in_several_runs);
    }
    if (!a.by_source.empty()) {
      out += "| source | score |\n|---|---:|\n";
      for (const auto& [source, score] : a.by_source) {
        out +=
            fmt::format("| {} | {:.3f} |\n", source.empty() ? "-" : markdown_text(source), score);
      }
      out += "\n";
    }
  }
  if (r.flask) {
    if (r.intervals.count("score")) {
      out += fmt::format("score (FLASK's 1-5 scale){}\n\n", ci_text(r, "score"));
    }
    out += "| skill | mean | n |\n|---|---:|---:|\n";
    for (const auto& [skill, m] : r.flask->by_skill) {
      out += fmt::format("| {} | {:.3f} | {} |\n", markdown_text(skill), m.mean, m.n);
    }
    out += "\n| domain | mean | n |\n|---|---:|---:|\n";
    for (const auto& [domain, m] : r.flask->by_domain) {
      out += fmt::format("| {} | {:.3f} | {} |\n", markdown_text(domain), m.mean, m.n);
    }
    out += "\n";
  } else if (!s.by_category.empty() && !r.absolute) {
    out += "| category | mean | n |\n|---|---:|---:|\n";
    for (const auto& [name, score] : s.by_category) {
      out += fmt::format("| {} | {} | {} |\n", markdown_text(name), cell(score), score.n);
    }
    out += "\n";
  }
  return out;
}

std::string
arena_hard_markdown(const RunReport& r)
{
  const auto& a = *r.arena_hard;
  std::string out;
  const auto* row = a.row();
  if (!row) {
    out += fmt::format("No Arena-Hard score: {}.\n\n",
                       a.error.empty() ? "no table" : markdown_text(a.error));
  } else {
    out += "| score | 95% CI | rating | wins | ties | losses | avg #tokens |\n"
           "|---:|---:|---:|---:|---:|---:|---:|\n";
    out += fmt::format("| {:.2f}% | {:.2f}–{:.2f}% | {:.1f} | {} | {} | {} | {} |\n\n", row->score,
                       row->lower, row->upper, row->rating, row->wins, row->ties, row->losses,
                       static_cast<long>(row->avg_tokens));
    if (!std::isfinite(row->rating)) {
      out += fmt::format("The model {} every battle: its Bradley–Terry rating is unbounded (the "
                         "maximum-likelihood fit does not exist), and so is the interval.\n\n",
                         row->rating > 0 ? "won or tied" : "lost");
    }
  }
  out += fmt::format("Games: {} judged, {} dropped (no single verdict label); the judge was asked "
                     "to continue {} time(s). Wins, ties and losses are battle rows against {} "
                     "(a strong verdict counts 3).\n\n",
                     a.games, a.games_dropped, a.continuations, markdown_text(a.baseline));
  if (!a.table.empty()) {
    // Upstream's lines byte for byte, unescaped, in a fence that no backticks
    // in a model's name can close.
    std::string lines;
    for (const auto& score : a.table) {
      lines += arena_hard_line(score) + "\n";
    }
    std::vector<std::string> fitted;
    for (const auto& name : a.fitted_with) {
      fitted.push_back(markdown_text(name));
    }
    const auto fence = markdown_fence(lines);
    out += fmt::format("show_result.py's table ({} bootstrap rounds, seed {}; fitted together, "
                       "battle rows in this order, each run's in question-id order or, when "
                       "imported, its file's line order: {}):\n\n{}\n{}{}\n\n",
                       a.rounds, a.seed, fmt::join(fitted, ", "), fence, lines, fence);
  }
  return out;
}

json
arena_hard_json(const ArenaHardReport& a)
{
  json table = json::array();
  for (const auto& s : a.table) {
    table.push_back({{"model", s.model},
                     {"score", s.score},
                     {"lower", s.lower},
                     {"upper", s.upper},
                     {"rating", s.rating},
                     {"avg_tokens", s.avg_tokens}});
  }
  json out = {{"baseline", a.baseline},
              {"score", nullptr},
              {"lower", nullptr},
              {"upper", nullptr},
              {"avg_tokens", nullptr},
              {"games", a.games},
              {"games_dropped", a.games_dropped},
              {"continuations", a.continuations},
              {"rounds", a.rounds},
              {"seed", a.seed},
              {"fitted_with", a.fitted_with},
              {"table", table},
              {"error", a.error}};
  if (const auto* row = a.row()) {
    out["score"] = row->score;
    out["lower"] = row->lower;
    out["upper"] = row->upper;
    out["avg_tokens"] = row->avg_tokens;
    out["rating"] = row->rating;
    out["rating_lower"] = row->rating_lower;
    out["rating_upper"] = row->rating_upper;
    out["wins"] = row->wins;
    out["ties"] = row->ties;
    out["losses"] = row->losses;
  }
  return out;
}

json
diagnostics_json(const JudgeDiagnostics& d)
{
  auto fraction = [](long n, long m) {
    return m > 0 ? json(static_cast<double>(n) / static_cast<double>(m)) : json(nullptr);
  };
  return {{"verdicts", d.verdicts},
          {"unreadable", d.unreadable},
          {"unreadable_fraction", fraction(d.unreadable, d.verdicts)},
          {"games", d.games},
          {"games_unread", d.games_unread},
          {"pairs", d.pairs},
          {"swap_inconsistent", d.swap_inconsistent},
          {"swap_inconsistent_fraction", fraction(d.swap_inconsistent, d.pairs)},
          {"swap_flips", d.swap_flips},
          {"swap_flip_fraction", fraction(d.swap_flips, d.pairs)},
          {"decisive_games", d.decisive_games},
          {"first_position_wins", d.first_position_wins},
          {"first_position_win_fraction", fraction(d.first_position_wins, d.decisive_games)},
          {"decisive_with_lengths", d.decisive_with_lengths},
          {"longer_won", d.longer_won},
          {"longer_won_fraction", fraction(d.longer_won, d.decisive_with_lengths)},
          {"score_length_r", d.score_length_r ? json(*d.score_length_r) : json(nullptr)},
          {"scored_with_lengths", d.scored_with_lengths},
          {"judge_calls", d.judge_calls},
          {"resampled_calls", d.resampled_calls},
          {"resampled_verdicts", d.resampled_verdicts},
          {"resampled_fraction", fraction(d.resampled_verdicts, d.verdicts)}};
}

// Per other judge of the same answers: turns both read, those agreed on,
// the share, Cohen's kappa and its 95% interval.
json
agreement_json(const RunReport& r)
{
  json out = json::array();
  for (const auto& a : r.agreements) {
    const auto& g = a.agreement;
    auto opt = [](std::optional<double> v) {
      return v ? json(*v) : json(nullptr);
    };
    out.push_back({{"run_id", a.run_id},
                   {"judge_model_id", a.judge_model_id},
                   {"turns", g.turns},
                   {"agreed", g.agreed},
                   {"agreed_fraction",
                    g.turns ? json(static_cast<double>(g.agreed) / static_cast<double>(g.turns))
                            : json(nullptr)},
                   {"kappa", opt(g.kappa)},
                   {"kappa_ci95", g.kappa ? json::array({*g.kappa_low, *g.kappa_high}) : json()}});
  }
  return out;
}

// "judge agreement with run 4 (judge gpt-4o): 140 of 160 turns (87.5%), Cohen's kappa 0.71
// (95% CI 0.60–0.82)", one line per other judge.
std::string
agreement_markdown(const RunReport& r)
{
  std::string out;
  for (const auto& a : r.agreements) {
    const auto& g = a.agreement;
    std::string line =
        fmt::format("judge agreement with run {} (judge {}): ", a.run_id, a.judge_model_id);
    if (g.turns == 0) {
      line += "no turn both judges read";
    } else {
      line += fmt::format("the same outcome in {} of {} turns ({:.1f}%)", g.agreed, g.turns,
                          100.0 * static_cast<double>(g.agreed) / static_cast<double>(g.turns));
      line += g.kappa ? fmt::format(", Cohen's kappa {:.2f} (95% CI {:.2f}–{:.2f})", *g.kappa,
                                    *g.kappa_low, *g.kappa_high)
                      : ", no kappa (every turn has the same outcome)";
    }
    out += markdown_text(line) + "\n\n";
  }
  return out;
}

// Per role: its endpoint, requests, prompt and completion tokens, cost (null
// without a price); and the total cost (null unless every role has a price).
json
cost_json(const RunCost& cost)
{
  json out = json::object();
  for (const auto& r : cost.roles) {
    out[r.role] = {{"endpoint", r.endpoint},
                   {"requests", r.tokens.requests},
                   {"prompt_tokens", r.tokens.prompt},
                   {"completion_tokens", r.tokens.completion},
                   {"cost", r.cost ? json(*r.cost) : json(nullptr)}};
  }
  out["cost"] = cost.total ? json(*cost.total) : json(nullptr);
  return out;
}

// Who answered (model, fingerprint) and how many requests each.
json
served_json(const std::vector<harness::Store::ServedBy>& served)
{
  json out = json::array();
  for (const auto& s : served) {
    out.push_back({{"model", s.model}, {"fingerprint", s.fingerprint}, {"requests", s.requests}});
  }
  return out;
}

} // namespace

std::string
render_markdown(const std::vector<RunReport>& reports)
{
  if (reports.empty()) {
    return "No runs in the database.\n";
  }
  std::string out;
  for (const auto& r : reports) {
    const auto& run = r.run;
    out += fmt::format("## {} — {}{} judged by {} ({} grading){}\n\n", markdown_text(run.bench),
                       markdown_text(run.model),
                       run.baseline.empty() ? "" : " vs " + markdown_text(run.baseline),
                       markdown_text(run.judge), markdown_text(run.protocol),
                       run.demo ? " — DEMO BACKEND, not a real model" : "");
    out +=
        fmt::format("run {} · status {} · {} items · model {} · judge {} · rubric {} · "
                    "evalrun {} · started {}{}\n\n",
                    run.id, markdown_text(run.status), run.items, markdown_code_span(run.model_id),
                    markdown_code_span(run.judge_model_id), markdown_code_span(run.rubric),
                    markdown_text(run.evalrun_version), markdown_text(run.started_at),
                    run.finished_at.empty() ? "" : " · finished " + markdown_text(run.finished_at));
    if (run.status != "complete") {
      const auto c = r.counts();
      out += fmt::format("**UNFINISHED ({})**: so far {} turn(s) rated, {} unreadable and {} "
                         "without a verdict; the numbers below cover only the rated ones, not the "
                         "whole benchmark; run the same command again to finish it.\n\n",
                         markdown_text(run.status), c.rated, c.unreadable, c.failed);
    }
    if (auto note = shard_note(run.config_json); !note.empty()) {
      out += "**" + markdown_text(note) + "**\n\n";
    }
    if (auto note = system_message_note(run.config_json); !note.empty()) {
      out += markdown_text(note) + "\n\n";
    }
    out += markdown_text("judge diagnostics: " + describe_judge(r.diagnostics)) + "\n\n";
    out += agreement_markdown(r);
    out += markdown_text("tokens: " + describe_cost(r.cost)) + "\n\n";
    for (const auto& [role, served] :
         {std::pair{"candidate", &r.candidate_served}, std::pair{"baseline", &r.baseline_served},
          std::pair{"judge", &r.judge_served}}) {
      if (auto line = describe_served(role, *served); !line.empty()) {
        out += markdown_text(line) + "\n\n";
      }
    }
    if (r.alpaca_eval) {
      out += alpaca_markdown(r);
    }
    out += r.arena_hard      ? arena_hard_markdown(r)
           : r.is_pairwise() ? pairwise_markdown(r)
                             : single_markdown(r);
    const auto counts = r.counts();
    if (counts.unreadable + counts.failed) {
      out += fmt::format("{} judgment(s) did not count: {} unparseable, {} failed requests "
                         "(see the verdicts and errors tables).\n\n",
                         counts.unreadable + counts.failed, counts.unreadable, counts.failed);
    }
    if (r.answer_ends.cut_short) {
      out += fmt::format("{} of {} answer{} {} cut short by the server (finish_reason length: "
                         "at max_tokens, or at the end of its context); they are judged as they "
                         "are.\n\n",
                         r.answer_ends.cut_short, r.answer_ends.answers,
                         r.answer_ends.answers == 1 ? "" : "s",
                         r.answer_ends.cut_short == 1 ? "was" : "were");
    }
  }
  return out;
}

std::string
render_json(const std::vector<RunReport>& reports, const std::string& evalrun_version)
{
  json results = json::array();
  for (const auto& r : reports) {
    const auto& run = r.run;
    const auto& s = r.scores;
    json categories = json::object();
    for (const auto& [name, score] : s.by_category) {
      categories[name] = {{"mean", number_or_null(score)}, {"n", score.n}};
    }
    json entry = {
        {"run_id", run.id},
        {"bench", run.bench},
        {"bench_version", run.bench_version},
        {"model", run.model},
        {"model_id", run.model_id},
        {"baseline", run.baseline},
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
        {"n", r.counts().rated},
        {"n_turn1", s.turn1.n},
        {"n_turn2", s.turn2.n},
        {"parse_failures", r.counts().unreadable},
        {"errors", r.counts().failed},
        {"answers", r.answer_ends.answers},
        {"answers_cut_short", r.answer_ends.cut_short},
        {"judgments", s.judgments},
        {"categories", categories},
        {"headline",
         {{"name", r.headline_name()}, {"value", opt(r.headline())}, {"unit", r.headline_unit()}}},
        {"pairwise", nullptr},
        {"alpaca_eval", nullptr},
        {"flask", nullptr},
        {"absolute", nullptr},
        {"arena_hard", nullptr},
        {"judge_diagnostics", diagnostics_json(r.diagnostics)},
        {"judge_agreement", agreement_json(r)},
        {"tokens", cost_json(r.cost)},
        {"served",
         {{"candidate", served_json(r.candidate_served)},
          {"baseline", served_json(r.baseline_served)},
          {"judge", served_json(r.judge_served)}}}};
    json ci = json::object();
    for (const auto& [name, interval] : r.intervals) {
      ci[name] = interval_json(r, name);
    }
    entry["ci95"] = ci;
    if (r.is_pairwise()) {
      const auto& p = r.pairwise;
      json by_source = json::object();
      for (const auto& [source, b] : r.pairwise_by_source) {
        by_source[source] = {{"wins", b.wins},
                             {"ties", b.ties},
                             {"losses", b.losses},
                             {"n", b.n},
                             {"tie_win_rate_fraction", opt(b.tie_win_rate)},
                             {"win_rate_fraction", opt(b.win_rate)}};
      }
      entry["pairwise"] = {{"wins", p.wins},
                           {"ties", p.ties},
                           {"losses", p.losses},
                           {"n", p.n},
                           {"win_rate_fraction", opt(p.win_rate)},
                           {"tie_win_rate_fraction", opt(p.tie_win_rate)},
                           {"adjusted_fraction", opt(p.adjusted)},
                           {"parse_failures", p.parse_failures},
                           {"errors", p.errors},
                           {"preference_win_rate", opt(p.preference_win_rate)},
                           {"by_source", by_source}};
    }
    if (r.alpaca_eval) {
      const auto& a = *r.alpaca_eval;
      entry["alpaca_eval"] = {{"win_rate", a.win_rate},
                              {"standard_error", a.standard_error},
                              {"n_wins", a.n_wins},
                              {"n_wins_base", a.n_wins_base},
                              {"n_draws", a.n_draws},
                              {"n_total", a.n_total},
                              {"discrete_win_rate", a.discrete_win_rate},
                              {"avg_length", a.avg_length},
                              {"length_controlled_winrate", nullptr},
                              {"lc_standard_error", nullptr},
                              {"length_controlled_note", a.length_controlled_note}};
      if (r.length_controlled && r.length_controlled->result) {
        const auto& lc = *r.length_controlled;
        const auto& f = *lc.result;
        json cv = json::array();
        for (const auto& c : f.cv_scores) {
          cv.push_back({{"C", c.c}, {"total", c.total}, {"folds", c.fold_scores}});
        }
        auto& ae = entry["alpaca_eval"];
        ae["length_controlled_winrate"] = f.length_controlled_winrate;
        ae["lc_standard_error"] = f.lc_standard_error;
        ae["lc_annotations"] = lc.annotations;
        ae["lc_baseline"] = lc.baseline;
        ae["lc_C"] = opt(f.chosen_c);
        ae["lc_cv"] = cv;
        ae["lc_weights"] = {{"np.tanh(std_delta_len)", f.weights.length},
                            {"instruction_difficulty", f.weights.difficulty},
                            {"not_gamed_baseline.astype(float)", f.weights.not_gamed}};
        ae["lc_from_weights"] = opt(lc.from_weights);
      }
    }
    if (r.flask) {
      json skills = json::object();
      for (const auto& [skill, m] : r.flask->by_skill) {
        skills[skill] = {{"mean", m.mean}, {"n", m.n}};
      }
      json difficulty = json::object();
      for (const auto& [key, m] : r.flask->by_skill_difficulty) {
        difficulty[key.first][key.second] = {{"mean", m.mean}, {"n", m.n}};
      }
      json domains = json::object();
      for (const auto& [domain, m] : r.flask->by_domain) {
        domains[domain] = {{"mean", m.mean}, {"n", m.n}};
      }
      entry["flask"] = {{"skills", skills}, {"skill_difficulty", difficulty}, {"domains", domains}};
    }
    if (r.absolute) {
      const auto& a = *r.absolute;
      entry["absolute"] = {{"score", opt(a.score)},
                           {"sd_across_runs", opt(a.sd_across_runs)},
                           {"mean_instance_sd", opt(a.mean_instance_sd)},
                           {"instances_varying", a.instances_varying},
                           {"instances_in_several_runs", a.instances_in_several_runs},
                           {"run_means", a.run_means},
                           {"instances", a.instances},
                           {"by_source", a.by_source}};
    }
    if (r.arena_hard) {
      entry["arena_hard"] = arena_hard_json(*r.arena_hard);
    }
    results.push_back(std::move(entry));
  }
  json doc = {{"evalrun_version", evalrun_version}, {"results", results}};
  return doc.dump(2) + "\n";
}

std::string
render_csv(const std::vector<RunReport>& reports)
{
  std::string out =
      "run_id,bench,bench_version,model,baseline,judge,protocol,rubric,status,metric,unit,value,"
      "ci_low,ci_high,n,parse_failures,errors,demo,finished_at,swap_flip_fraction,"
      "first_position_win_fraction,longer_won_fraction,score_length_r,swap_inconsistent_fraction,"
      "games_unread_fraction,resampled_fraction\n";
  for (const auto& r : reports) {
    const auto& run = r.run;
    auto value = r.headline();
    auto ci = r.intervals.find(r.headline_name());
    const auto counts = r.counts();
    const long n = counts.rated;
    const long parse_failures = counts.unreadable;
    const long errors = counts.failed;
    const auto& d = r.diagnostics;
    auto fraction = [](long part, long whole) {
      return whole > 0
                 ? fmt::format("{:.6f}", static_cast<double>(part) / static_cast<double>(whole))
                 : std::string();
    };
    out += fmt::format(
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", run.id,
        csv_field(run.bench), csv_field(run.bench_version), csv_field(run.model),
        csv_field(run.baseline), csv_field(run.judge), csv_field(run.protocol),
        csv_field(run.rubric), csv_field(run.status), csv_field(r.headline_name()),
        csv_field(r.headline_unit()), value ? fmt::format("{:.6f}", *value) : "",
        ci != r.intervals.end() ? fmt::format("{:.6f}", ci->second.low) : "",
        ci != r.intervals.end() ? fmt::format("{:.6f}", ci->second.high) : "", n, parse_failures,
        errors, run.demo ? "true" : "false", csv_field(run.finished_at),
        fraction(d.swap_flips, d.pairs), fraction(d.first_position_wins, d.decisive_games),
        fraction(d.longer_won, d.decisive_with_lengths),
        d.score_length_r ? fmt::format("{:.6f}", *d.score_length_r) : "",
        fraction(d.swap_inconsistent, d.pairs), fraction(d.games_unread, d.games),
        fraction(d.resampled_verdicts, d.verdicts));
  }
  return out;
}

} // namespace reports
