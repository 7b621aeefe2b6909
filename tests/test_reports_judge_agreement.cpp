#include <reports/judge_agreement.hpp>
#include <reports/run_report.hpp>

#include <harness/store.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

// Agreement between two judges of the same answers, the expected values
// worked out by hand in the comments.
TEST_SUITE_BEGIN("reports::judge_agreement");

using reports::judge_agreement;
using reports::Outcomes;

namespace {

Outcomes
outcomes_of(const std::vector<std::string>& outcomes)
{
  Outcomes out;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (!outcomes[i].empty()) {
      out[{std::to_string(i + 1), 1}] = outcomes[i];
    }
  }
  return out;
}

} // namespace

TEST_CASE("percent agreement and Cohen's kappa with its interval, by hand")
{
  // Ten turns, the same outcome in turns 1, 3, 4, 5, 7, 8 and 10: p_o = 0.7.
  // Judge a: model 5, tie 2, baseline 3; judge b: model 4, tie 3, baseline 3.
  // p_e = (5·4 + 2·3 + 3·3) / 100 = 0.35; kappa = (0.7 − 0.35) / 0.65 = 0.538462.
  // SE = sqrt(0.7 · 0.3 / (10 · 0.65²)) = sqrt(0.21 / 4.225) = 0.222944;
  // 95%: 0.538462 ∓ 1.959964 · 0.222944 = 0.101499 … 0.975424.
  const auto a = outcomes_of({"model", "model", "tie", "baseline", "model", "baseline", "model",
                              "tie", "model", "baseline"});
  const auto b = outcomes_of({"model", "tie", "tie", "baseline", "model", "model", "model", "tie",
                              "baseline", "baseline"});
  const auto g = judge_agreement(a, b);
  CHECK(g.turns == 10);
  CHECK(g.agreed == 7);
  REQUIRE(g.kappa);
  CHECK(*g.kappa == doctest::Approx(0.538462).epsilon(1e-6));
  CHECK(*g.kappa_low == doctest::Approx(0.101499).epsilon(1e-5));
  CHECK(*g.kappa_high == doctest::Approx(0.975424).epsilon(1e-5));
  // Symmetric.
  const auto back = judge_agreement(b, a);
  CHECK(back.agreed == 7);
  CHECK(*back.kappa == doctest::Approx(*g.kappa));
}

TEST_CASE("only turns both judges read count, scores are categories, chance alone has no kappa")
{
  // Turn 2 unread by a, turn 4 only judged by a: turns 1 and 3 are compared.
  // Scores 8 and 8 agree, 6 and 7 do not: 1 of 2; counts a {8:1, 6:1}, b {8:1, 7:1}:
  // p_e = (1·1) / 4 = 0.25; kappa = (0.5 − 0.25) / 0.75 = 1/3.
  const auto a = outcomes_of({"8", "", "6", "9"});
  const auto b = outcomes_of({"8", "5", "7"});
  const auto g = judge_agreement(a, b);
  CHECK(g.turns == 2);
  CHECK(g.agreed == 1);
  REQUIRE(g.kappa);
  CHECK(*g.kappa == doctest::Approx(1.0 / 3));
  // Both judges always say "model": p_e = 1, agreement by chance alone.
  const auto same =
      judge_agreement(outcomes_of({"model", "model"}), outcomes_of({"model", "model"}));
  CHECK(same.agreed == 2);
  CHECK_FALSE(same.kappa);
  CHECK(judge_agreement(a, {}).turns == 0);

  harness::VerdictRecord v;
  v.status = "ok";
  v.score = 8;
  v.winner = "model";
  v.labels_json = R"(["A>B","B>A"])";
  CHECK(reports::judged_outcome("single", v) == "8");
  CHECK(reports::judged_outcome("pairwise", v) == "model");
  CHECK(reports::judged_outcome("arena_hard", v) == R"(["A>B","B>A"])");
  CHECK(reports::judged_outcome("flask", v).empty());
  v.status = "parse_failed";
  CHECK(reports::judged_outcome("single", v).empty());
}

TEST_CASE("a report compares runs of the same answers by two judges, not other runs")
{
  std::filesystem::remove("agreement.db");
  harness::Store store("agreement.db");
  auto run = [&](const std::string& key, const std::string& judge, const std::string& model) {
    harness::RunRecord r;
    r.key = key;
    r.bench = "mtbench";
    r.bench_version = "1";
    r.model = model;
    r.model_id = model;
    r.judge = judge;
    r.judge_model_id = judge;
    r.protocol = "single";
    r.rubric = "fastchat-single@1";
    r.config_json = "{}";
    r.evalrun_version = "0";
    return store.begin_run(r);
  };
  const auto first = run("k1", "gpt-4", "janus");
  const auto second = run("k2", "claude", "janus");
  const auto other_model = run("k3", "claude", "mistral");
  auto verdict = [&](std::int64_t id, const std::string& item, double score) {
    harness::VerdictRecord v;
    v.run_id = id;
    v.item_id = item;
    v.turn = 1;
    v.status = "ok";
    v.score = score;
    v.rubric = "fastchat-single@1";
    v.prompt_id = "single-v1";
    v.judge_model_id = "j";
    store.put_verdict(v);
  };
  // Items 81, 82, 83: scores 8, 6, 9 against 8, 7, 9: 2 of 3 the same.
  verdict(first, "81", 8);
  verdict(first, "82", 6);
  verdict(first, "83", 9);
  verdict(second, "81", 8);
  verdict(second, "82", 7);
  verdict(second, "83", 9);
  verdict(other_model, "81", 8);
  const auto reports = reports::collect(store);
  REQUIRE(reports.size() == 3);
  REQUIRE(reports[0].agreements.size() == 1);
  CHECK(reports[0].agreements[0].run_id == second);
  CHECK(reports[0].agreements[0].agreement.turns == 3);
  CHECK(reports[0].agreements[0].agreement.agreed == 2);
  REQUIRE(reports[1].agreements.size() == 1);
  CHECK(reports[1].agreements[0].run_id == first);
  CHECK(reports[2].agreements.empty()); // another model's answers
}

TEST_SUITE_END();
