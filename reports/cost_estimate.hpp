#pragma once

#include <harness/config.hpp>
#include <harness/store.hpp>

#include <optional>
#include <string>
#include <vector>

namespace reports {

// What one role of a run about to start is expected to send, for its cost
// estimate (`run --dry-run`).
struct RoleToEstimate
{
  std::string role;     // candidate | baseline | judge
  std::string endpoint; // its name
  long to_send = 0;     // requests the run would send (a dry run counts them)
  // The dry run's requests of this role, answered by the demo backend, which
  // counts words, not tokens: its prompts are the run's own prompts (a judge's
  // holding the demo's answers), its replies the demo's short ones.
  harness::Store::RoleTokens dry_run;
  // Earlier requests to the same model in the database (real servers' token
  // counts); none: requests 0.
  harness::Store::RoleTokens history;
  std::optional<harness::EndpointConfig::Price> price;
};

struct RoleEstimate
{
  std::string role;
  std::string endpoint;
  long requests = 0;
  double prompt_tokens = 0;
  double completion_tokens = 0;
  bool completions_from_history = false; // else from the demo's replies: likely too few
  std::optional<double> cost;            // none without a price
};
struct CostEstimate
{
  std::vector<RoleEstimate> roles;
  std::optional<double> total; // when every role with requests to send has a price
};

// Tokens a word, as the demo backend's counts are converted: 4/3 (about 75
// English words to 100 tokens).
inline constexpr double k_tokens_per_word = 4.0 / 3.0;

// Per role: to_send requests, each with the dry run's average prompt (in
// tokens) and the history's average reply (else the dry run's, in tokens);
// the cost at the role's price per million prompt and completion tokens.
CostEstimate estimate_cost(const std::vector<RoleToEstimate>& roles);

// Lines for the plan, one per role: "  candidate: demo: 80 requests, ~5,120
// prompt + ~20,480 completion tokens (replies as earlier ones), ~0.22" (or
// "nothing to send"); then the total cost, or the endpoints without a price.
std::string describe_estimate(const CostEstimate& estimate);

} // namespace reports
