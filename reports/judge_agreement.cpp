#include <reports/judge_agreement.hpp>

#include <fmt/format.h>

#include <cmath>

namespace reports {

std::string
judged_outcome(const std::string& protocol, const harness::VerdictRecord& v)
{
  if (v.status != "ok") {
    return {};
  }
  if (protocol == "arena_hard") {
    return v.labels_json;
  }
  if (protocol == "single" || protocol == "absolute") {
    return v.score ? fmt::format("{}", *v.score) : std::string();
  }
  if (protocol == "pairwise" || protocol == "relative" || protocol == "alpaca_eval") {
    return v.winner;
  }
  return {};
}

Outcomes
judged_outcomes(const std::string& protocol, const std::vector<harness::VerdictRecord>& verdicts)
{
  Outcomes out;
  for (const auto& v : verdicts) {
    if (auto outcome = judged_outcome(protocol, v); !outcome.empty()) {
      out[{v.item_id, v.turn}] = std::move(outcome);
    }
  }
  return out;
}

JudgeAgreement
judge_agreement(const Outcomes& a, const Outcomes& b)
{
  JudgeAgreement out;
  std::map<std::string, long> count_a;
  std::map<std::string, long> count_b;
  for (const auto& [turn, outcome] : a) {
    auto other = b.find(turn);
    if (other == b.end()) {
      continue;
    }
    ++out.turns;
    out.agreed += outcome == other->second ? 1 : 0;
    ++count_a[outcome];
    ++count_b[other->second];
  }
  if (out.turns == 0) {
    return out;
  }
  const auto n = static_cast<double>(out.turns);
  const double observed = static_cast<double>(out.agreed) / n;
  double chance = 0;
  for (const auto& [outcome, count] : count_a) {
    if (auto other = count_b.find(outcome); other != count_b.end()) {
      chance += (static_cast<double>(count) / n) * (static_cast<double>(other->second) / n);
    }
  }
  if (chance >= 1) {
    return out;
  }
  out.kappa = (observed - chance) / (1 - chance);
  const double se = std::sqrt(observed * (1 - observed) / (n * (1 - chance) * (1 - chance)));
  out.kappa_low = *out.kappa - 1.959964 * se;
  out.kappa_high = *out.kappa + 1.959964 * se;
  return out;
}

} // namespace reports
