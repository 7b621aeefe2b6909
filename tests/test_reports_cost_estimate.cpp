#include <reports/cost_estimate.hpp>

#include <doctest/doctest.h>

TEST_SUITE_BEGIN("reports::cost_estimate");

using harness::EndpointConfig;
using reports::RoleToEstimate;

TEST_CASE("a dry run's cost estimate: its prompts, earlier replies of the model, the prices")
{
  // Candidate: 10 to send; the dry run's 4 requests had 300 prompt words (75
  // each = 100 tokens at 4/3) and 600 reply words; 2 earlier real requests to
  // the model had 1,000 completion tokens (500 each). Prompt 10 x 100 = 1,000,
  // completion 10 x 500 = 5,000; at 2 and 8 per million: 0.002 + 0.040 = 0.042.
  RoleToEstimate candidate{"candidate",   "cand",          10,
                           {4, 300, 600}, {2, 9999, 1000}, EndpointConfig::Price{2, 8}};
  // Judge: 10 to send, no earlier requests: prompt 10 x 150 x 4/3 = 2,000,
  // completion 10 x 15 x 4/3 = 200; at 1 and 1: 0.0022.
  RoleToEstimate judge{"judge", "j", 10, {10, 1500, 150}, {}, EndpointConfig::Price{1, 1}};
  auto e = reports::estimate_cost({candidate, judge});
  REQUIRE(e.roles.size() == 2);
  CHECK(e.roles[0].prompt_tokens == doctest::Approx(1000));
  CHECK(e.roles[0].completion_tokens == doctest::Approx(5000));
  CHECK(e.roles[0].completions_from_history);
  CHECK(*e.roles[0].cost == doctest::Approx(0.042));
  CHECK(e.roles[1].prompt_tokens == doctest::Approx(2000));
  CHECK(e.roles[1].completion_tokens == doctest::Approx(200));
  CHECK_FALSE(e.roles[1].completions_from_history);
  CHECK(*e.roles[1].cost == doctest::Approx(0.0022));
  REQUIRE(e.total);
  CHECK(*e.total == doctest::Approx(0.0442));
  const auto text = reports::describe_estimate(e);
  CHECK(text.find("candidate: cand: 10 requests, ~1,000 prompt + ~5,000 completion tokens "
                  "(replies as earlier ones), ~0.04") != std::string::npos);
  CHECK(text.find("cost:      ~0.04 (in the currency of the endpoints' prices") !=
        std::string::npos);

  // A role with requests to send and no price: no total.
  judge.price.reset();
  auto unpriced = reports::estimate_cost({candidate, judge});
  CHECK_FALSE(unpriced.total);
  CHECK_FALSE(unpriced.roles[1].cost);
  CHECK(reports::describe_estimate(unpriced).find("cost: no price for j (judge)") !=
        std::string::npos);
  // Nothing to send (all cached) and no price: the total stands.
  judge.to_send = 0;
  auto cached = reports::estimate_cost({candidate, judge});
  REQUIRE(cached.total);
  CHECK(*cached.total == doctest::Approx(0.042));
  CHECK(cached.roles[1].prompt_tokens == 0);
  CHECK(reports::describe_estimate(cached).find("judge:     j: nothing to send") !=
        std::string::npos);
}

TEST_SUITE_END();
