#include <reports/run_cost.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace reports {

using nlohmann::json;

std::string
grouped(long n)
{
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) {
      out += ',';
    }
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

RunCost
run_cost(const harness::RunRecord& run, const harness::Store::RunTokens& tokens)
{
  json config = json::parse(run.config_json, nullptr, false);
  auto role = [&](const char* name, const std::string& endpoint,
                  const harness::Store::RoleTokens& t) {
    RoleCost r{name, endpoint, t, std::nullopt};
    const json e = config.is_object() ? config.value(name, json()) : json();
    const json price = e.is_object() ? e.value("price", json()) : json();
    if (price.is_object() && price.value("input", json()).is_number() &&
        price.value("output", json()).is_number()) {
      r.cost = static_cast<double>(t.prompt) / 1e6 * price["input"].get<double>() +
               static_cast<double>(t.completion) / 1e6 * price["output"].get<double>();
    }
    return r;
  };
  RunCost out;
  out.roles.push_back(role("candidate", run.model, tokens.candidate));
  if (!run.baseline.empty() && run.baseline != "references" && tokens.baseline.requests > 0) {
    out.roles.push_back(role("baseline", run.baseline, tokens.baseline));
  }
  out.roles.push_back(role("judge", run.judge, tokens.judge));
  double total = 0;
  for (const auto& r : out.roles) {
    if (!r.cost) {
      return out;
    }
    total += *r.cost;
  }
  out.total = total;
  return out;
}

std::string
describe_cost(const RunCost& cost)
{
  std::string out;
  for (const auto& r : cost.roles) {
    out += fmt::format("{}{} {}: {} requests, {} prompt + {} completion tokens{}",
                       out.empty() ? "" : "; ", r.role, r.endpoint, grouped(r.tokens.requests),
                       grouped(r.tokens.prompt), grouped(r.tokens.completion),
                       r.cost ? fmt::format(", cost {:.2f}", *r.cost) : "");
  }
  if (cost.total) {
    out += fmt::format("; total cost {:.2f} (at the endpoints' prices per million tokens)",
                       *cost.total);
  }
  return out;
}

} // namespace reports
