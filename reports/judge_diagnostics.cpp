#include <reports/judge_diagnostics.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <sstream>

namespace reports {

namespace {

// Who won one game, by place: "first", "second", "tie", or "" (not read).
std::string
game_outcome(const std::string& protocol, const std::string& label)
{
  if (protocol == "pairwise") {
    return label == "A" ? "first" : label == "B" ? "second" : label == "tie" ? "tie" : "";
  }
  if (label == "A>>B" || label == "A>B") {
    return "first";
  }
  if (label == "B>>A" || label == "B>A") {
    return "second";
  }
  return label == "A=B" ? "tie" : "";
}

// The game's outcome for the model: "model", "baseline" or "tie" ("" not read).
std::string
for_model(const std::string& outcome, bool model_first)
{
  if (outcome == "first") {
    return model_first ? "model" : "baseline";
  }
  if (outcome == "second") {
    return model_first ? "baseline" : "model";
  }
  return outcome;
}

std::vector<std::string>
split_commas(const std::string& text)
{
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    out.push_back(part);
  }
  return out;
}

// Pearson's r of the pairs, or nullopt when fewer than 3 or either side is constant.
std::optional<double>
pearson(const std::vector<std::pair<double, double>>& xy)
{
  if (xy.size() < 3) {
    return std::nullopt;
  }
  double mx = 0;
  double my = 0;
  for (const auto& [x, y] : xy) {
    mx += x;
    my += y;
  }
  mx /= static_cast<double>(xy.size());
  my /= static_cast<double>(xy.size());
  double sxy = 0;
  double sxx = 0;
  double syy = 0;
  for (const auto& [x, y] : xy) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) * (x - mx);
    syy += (y - my) * (y - my);
  }
  if (sxx == 0 || syy == 0) {
    return std::nullopt;
  }
  return sxy / std::sqrt(sxx * syy);
}

// A share as "n of m (p%)".
std::string
share(long n, long m)
{
  return m > 0 ? fmt::format("{} of {} ({:.1f}%)", n, m,
                             100.0 * static_cast<double>(n) / static_cast<double>(m))
               : fmt::format("{} of {}", n, m);
}

// How the two games' outcomes for the model compare.
SwapOutcome
swap_outcome(const std::vector<std::string>& outcomes)
{
  if (outcomes.size() != 2 || outcomes[0].empty() || outcomes[1].empty()) {
    return SwapOutcome::unpaired;
  }
  if (outcomes[0] == outcomes[1]) {
    return SwapOutcome::consistent;
  }
  return outcomes[0] != "tie" && outcomes[1] != "tie" ? SwapOutcome::flipped
                                                      : SwapOutcome::inconsistent;
}

// The model's outcome in each of a verdict's games ("" not read).
std::vector<std::string>
model_outcomes(const std::string& protocol, const harness::VerdictRecord& v)
{
  auto labels = nlohmann::json::parse(v.labels_json.empty() ? "[]" : v.labels_json, nullptr, false);
  const auto positions = split_commas(v.position);
  std::vector<std::string> outcomes;
  for (size_t g = 0; labels.is_array() && g < labels.size() && g < positions.size(); ++g) {
    const std::string label = labels[g].is_string() ? labels[g].get<std::string>() : "";
    outcomes.push_back(for_model(game_outcome(protocol, label), positions[g] == "model-first"));
  }
  return outcomes;
}

} // namespace

SwapOutcome
swap_outcome(const std::string& protocol, const harness::VerdictRecord& verdict)
{
  if (protocol != "pairwise" && protocol != "arena_hard") {
    return SwapOutcome::unpaired;
  }
  return swap_outcome(model_outcomes(protocol, verdict));
}

JudgeDiagnostics
diagnose_judge(const std::string& protocol, const std::vector<harness::VerdictRecord>& verdicts)
{
  JudgeDiagnostics d;
  const bool two_games = protocol == "pairwise" || protocol == "arena_hard";
  const bool scored = protocol == "single" || protocol == "absolute" || protocol == "flask";
  std::vector<std::pair<double, double>> score_length;
  for (const auto& v : verdicts) {
    ++d.verdicts;
    if (v.status == "parse_failed" || v.status == "out_of_range") {
      ++d.unreadable;
    }
    if (two_games) {
      auto labels =
          nlohmann::json::parse(v.labels_json.empty() ? "[]" : v.labels_json, nullptr, false);
      const auto positions = split_commas(v.position);
      std::vector<std::string> outcomes; // for the model, per game ("" not read)
      for (size_t g = 0; labels.is_array() && g < labels.size() && g < positions.size(); ++g) {
        const std::string label = labels[g].is_string() ? labels[g].get<std::string>() : "";
        const std::string outcome = game_outcome(protocol, label);
        ++d.games;
        d.games_unread += outcome.empty() ? 1 : 0;
        if (outcome == "first" || outcome == "second") {
          ++d.decisive_games;
          d.first_position_wins += outcome == "first" ? 1 : 0;
        }
        outcomes.push_back(for_model(outcome, positions[g] == "model-first"));
      }
      const SwapOutcome swap = swap_outcome(outcomes);
      d.pairs += swap != SwapOutcome::unpaired ? 1 : 0;
      d.swap_inconsistent += swap == SwapOutcome::inconsistent || swap == SwapOutcome::flipped;
      d.swap_flips += swap == SwapOutcome::flipped ? 1 : 0;
    }
    if (v.status == "ok" && (v.winner == "model" || v.winner == "baseline") &&
        v.candidate_chars >= 0 && v.baseline_chars >= 0 && v.candidate_chars != v.baseline_chars) {
      ++d.decisive_with_lengths;
      const bool model_longer = v.candidate_chars > v.baseline_chars;
      d.longer_won += (v.winner == "model") == model_longer ? 1 : 0;
    }
    if (scored && v.status == "ok" && v.score && v.candidate_chars >= 0) {
      score_length.emplace_back(*v.score, static_cast<double>(v.candidate_chars));
    }
  }
  d.scored_with_lengths = static_cast<long>(score_length.size());
  d.score_length_r = pearson(score_length);
  return d;
}

std::string
describe_judge(const JudgeDiagnostics& d)
{
  std::vector<std::string> parts = {"unreadable " + share(d.unreadable, d.verdicts)};
  if (d.games_unread > 0) {
    parts.push_back("games unread " + share(d.games_unread, d.games));
  }
  if (d.pairs > 0) {
    parts.push_back(fmt::format("answers swapped: {} pairs inconsistent, {} flipped",
                                share(d.swap_inconsistent, d.pairs), share(d.swap_flips, d.pairs)));
  }
  if (d.decisive_games > 0) {
    parts.push_back("the answer shown first won " + share(d.first_position_wins, d.decisive_games) +
                    " decisive games");
  }
  if (d.decisive_with_lengths > 0) {
    parts.push_back("the longer answer won " + share(d.longer_won, d.decisive_with_lengths) +
                    " decisive verdicts");
  }
  if (d.score_length_r) {
    parts.push_back(fmt::format("score-length correlation r = {:.3f} (n {})", *d.score_length_r,
                                d.scored_with_lengths));
  }
  if (d.resampled_calls > 0) {
    parts.push_back(fmt::format("re-asked in {} verdicts ({} of {} judge calls)",
                                share(d.resampled_verdicts, d.verdicts), d.resampled_calls,
                                d.judge_calls));
  }
  return fmt::format("{}", fmt::join(parts, " · "));
}

} // namespace reports
