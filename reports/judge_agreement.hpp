#pragma once

#include <harness/store.hpp>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace reports {

// A verdict's outcome as two judges of the same answers can agree on it:
// the winner (pairwise, relative, alpaca_eval), both games' labels
// (arena_hard) or the score (single, absolute). "" when the verdict was not
// read, or the protocol's outcomes are not categories (flask's means).
std::string judged_outcome(const std::string& protocol, const harness::VerdictRecord& verdict);

// Each judged turn's outcome by (item id, turn); unread turns left out.
using Outcomes = std::map<std::pair<std::string, int>, std::string>;
Outcomes judged_outcomes(const std::string& protocol,
                         const std::vector<harness::VerdictRecord>& verdicts);

// How two judges of the same answers agree, over the turns both read:
// the share with the same outcome, and Cohen's kappa (that share corrected
// for the agreement the two judges' own outcome frequencies give by chance)
// with its 95% interval from Cohen's (1960) large-sample standard error,
// sqrt(p_o (1 - p_o) / (n (1 - p_e)^2)). No kappa when chance alone agrees
// always (p_e = 1) or no turn is shared.
struct JudgeAgreement
{
  long turns = 0;
  long agreed = 0;
  std::optional<double> kappa;
  std::optional<double> kappa_low;
  std::optional<double> kappa_high;
};
JudgeAgreement judge_agreement(const Outcomes& a, const Outcomes& b);

} // namespace reports
