#include <reports/cost_estimate.hpp>
#include <reports/run_cost.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

namespace reports {

namespace {

double
per_request(long total, long requests)
{
  return requests > 0 ? static_cast<double>(total) / static_cast<double>(requests) : 0;
}

} // namespace

CostEstimate
estimate_cost(const std::vector<RoleToEstimate>& roles)
{
  CostEstimate out;
  bool every_price = true;
  double total = 0;
  for (const auto& r : roles) {
    RoleEstimate e{r.role, r.endpoint, r.to_send, 0, 0, false, std::nullopt};
    const double sent = static_cast<double>(r.to_send);
    e.prompt_tokens = sent * per_request(r.dry_run.prompt, r.dry_run.requests) * k_tokens_per_word;
    e.completions_from_history = r.history.requests > 0;
    e.completion_tokens =
        e.completions_from_history
            ? sent * per_request(r.history.completion, r.history.requests)
            : sent * per_request(r.dry_run.completion, r.dry_run.requests) * k_tokens_per_word;
    if (r.price) {
      e.cost = e.prompt_tokens / 1e6 * r.price->input_per_million +
               e.completion_tokens / 1e6 * r.price->output_per_million;
      total += *e.cost;
    } else if (r.to_send > 0) {
      every_price = false;
    }
    out.roles.push_back(std::move(e));
  }
  if (every_price && !roles.empty()) {
    out.total = total;
  }
  return out;
}

std::string
describe_estimate(const CostEstimate& estimate)
{
  std::string out = "estimated tokens (prompts: the dry run's, at 4/3 tokens a word; replies: as "
                    "earlier requests to the same model in the database, else the demo's, which "
                    "are short):\n";
  std::vector<std::string> unpriced;
  for (const auto& e : estimate.roles) {
    if (e.requests == 0) {
      out += fmt::format("  {:<10} {}: nothing to send\n", e.role + ":", e.endpoint);
      continue;
    }
    if (!e.cost) {
      unpriced.push_back(fmt::format("{} ({})", e.endpoint, e.role));
    }
    out += fmt::format("  {:<10} {}: {} requests, ~{} prompt + ~{} completion tokens{}{}\n",
                       e.role + ":", e.endpoint, e.requests, grouped(std::lround(e.prompt_tokens)),
                       grouped(std::lround(e.completion_tokens)),
                       e.completions_from_history
                           ? " (replies as earlier ones)"
                           : " (replies as the demo's, no earlier ones from a server: likely too "
                             "few)",
                       e.cost ? fmt::format(", ~{:.2f}", *e.cost) : "");
  }
  if (estimate.total) {
    out += fmt::format("  {:<10} ~{:.2f} (in the currency of the endpoints' prices per million "
                       "tokens)\n",
                       "cost:", *estimate.total);
  } else {
    out += fmt::format("  cost: no price for {} (price: {{input: …, output: …}} per million "
                       "tokens, in the endpoints file)\n",
                       fmt::join(unpriced, ", "));
  }
  return out;
}

} // namespace reports
