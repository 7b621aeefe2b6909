#pragma once

#include <harness/store.hpp>

#include <optional>
#include <string>
#include <vector>

namespace reports {

// A run's tokens per role, and what they cost at the prices its endpoints
// were given (`price:` in the endpoints file, per million prompt and
// completion tokens; recorded in the run's config).
struct RoleCost
{
  std::string role;     // candidate | baseline | judge
  std::string endpoint; // its name
  harness::Store::RoleTokens tokens;
  std::optional<double> cost; // none without a price
};
struct RunCost
{
  std::vector<RoleCost> roles; // those with requests; a baseline of references has none
  // The sum, when every role has a price.
  std::optional<double> total;
};

// The cost of `tokens` for `run`, reading the endpoints' prices from its config.
RunCost run_cost(const harness::RunRecord& run, const harness::Store::RunTokens& tokens);

// 12345 -> "12,345" (-1234 -> "-1,234").
std::string grouped(long n);

// One line: "candidate demo: 80 requests, 5,120 prompt + 20,480 completion tokens, cost 0.22;
// judge ...; total cost 0.61" (no cost without prices).
std::string describe_cost(const RunCost& cost);

} // namespace reports
