#include <reports/run_cost.hpp>

#include <harness/request_hash.hpp>
#include <harness/store.hpp>

#include <doctest/doctest.h>

#include <filesystem>

// Tokens per role and their cost at the endpoints' prices, worked out by hand.
TEST_SUITE_BEGIN("reports::run_cost");

namespace {

harness::RunRecord
priced_run(const std::string& baseline)
{
  harness::RunRecord run;
  run.key = "cost-" + baseline;
  run.bench = "mtbench";
  run.bench_version = "1";
  run.model = "janus";
  run.model_id = "janus";
  run.judge = "gpt-4";
  run.judge_model_id = "gpt-4";
  run.baseline = baseline;
  run.protocol = baseline.empty() ? "single" : "pairwise";
  run.rubric = "r@1";
  run.evalrun_version = "0";
  run.config_json = R"({"candidate":{"price":{"input":0.5,"output":1.5}},)"
                    R"("judge":{"price":{"input":10,"output":30}},"baseline":{"name":"b"}})";
  return run;
}

} // namespace

TEST_CASE("cost per role: prompt and completion tokens at their prices per million")
{
  harness::Store::RunTokens tokens;
  tokens.candidate = {80, 2'000'000, 400'000};
  tokens.judge = {80, 1'000'000, 20'000};
  tokens.baseline = {80, 2'000'000, 500'000};
  // candidate: 2 × 0.5 + 0.4 × 1.5 = 1.6; judge: 1 × 10 + 0.02 × 30 = 10.6; total 12.2.
  auto cost = reports::run_cost(priced_run(""), tokens);
  REQUIRE(cost.roles.size() == 2); // no baseline in a single-grading run
  CHECK(cost.roles[0].role == "candidate");
  CHECK(*cost.roles[0].cost == doctest::Approx(1.6));
  CHECK(*cost.roles[1].cost == doctest::Approx(10.6));
  REQUIRE(cost.total);
  CHECK(*cost.total == doctest::Approx(12.2));
  CHECK(reports::describe_cost(cost) ==
        "candidate janus: 80 requests, 2,000,000 prompt + 400,000 completion tokens, cost 1.60; "
        "judge gpt-4: 80 requests, 1,000,000 prompt + 20,000 completion tokens, cost 10.60; "
        "total cost 12.20 (at the endpoints' prices per million tokens)");
  // A baseline endpoint without a price: its tokens, and no total.
  auto pairwise = reports::run_cost(priced_run("b"), tokens);
  REQUIRE(pairwise.roles.size() == 3);
  CHECK(pairwise.roles[1].role == "baseline");
  CHECK_FALSE(pairwise.roles[1].cost);
  CHECK_FALSE(pairwise.total);
  // The items' reference answers cost nothing and are not a role.
  CHECK(reports::run_cost(priced_run("references"), tokens).roles.size() == 2);
}

TEST_CASE("a run's tokens: each request behind its verdicts and judge calls once, failed ones none")
{
  std::filesystem::remove("tokens.db");
  harness::Store store("tokens.db");
  const auto run = store.begin_run(priced_run(""));
  auto respond = [&](const std::string& name, int prompt, int completion) {
    harness::ChatRequest request;
    request.model = name;
    request.messages = {{harness::Role::user, name}};
    harness::Response response;
    response.text = "reply to " + name;
    response.usage.prompt_tokens = prompt;
    response.usage.completion_tokens = completion;
    const auto hash = harness::request_hash(request);
    store.put_response(hash, request, response);
    return hash;
  };
  const auto answer1 = respond("answer 1", 10, 100);
  const auto answer2 = respond("answer 2", 20, 200);
  const auto judged1 = respond("judge 1", 1000, 5);
  const auto judged2 = respond("judge 2", 2000, 7);
  auto verdict = [&](const std::string& item, const std::string& candidate) {
    harness::VerdictRecord v;
    v.run_id = run;
    v.item_id = item;
    v.turn = 1;
    v.status = candidate.empty() ? "candidate_error" : "ok";
    v.score = 5;
    v.rubric = "r@1";
    v.prompt_id = "p";
    v.judge_model_id = "gpt-4";
    // A failed request is named by its hash: not a stored request.
    v.candidate_hash = candidate.empty() ? harness::sha256_hex("failed") : candidate;
    store.put_verdict(v);
  };
  verdict("1", answer1);
  verdict("2", answer2);
  verdict("3", "");
  auto call = [&](const std::string& item, int index, const std::string& hash) {
    harness::JudgeCallRecord c;
    c.run_id = run;
    c.item_id = item;
    c.turn = 1;
    c.call_index = index;
    c.status = "ok";
    c.request_hash = hash;
    store.put_judge_call(c);
  };
  call("1", 0, judged1);
  call("2", 0, judged2);
  call("2", 1, judged2); // the same request twice counts once
  const auto tokens = store.tokens(run);
  // Candidate: answers 1 and 2 (10 + 20, 100 + 200); judge: 1000 + 2000, 5 + 7.
  CHECK(tokens.candidate.requests == 2);
  CHECK(tokens.candidate.prompt == 30);
  CHECK(tokens.candidate.completion == 300);
  CHECK(tokens.judge.requests == 2);
  CHECK(tokens.judge.prompt == 3000);
  CHECK(tokens.judge.completion == 12);
  CHECK(tokens.baseline.requests == 0);
}

TEST_SUITE_END();
