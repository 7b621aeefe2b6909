#include "support/janus_reports.hpp"

#include <reports/janus_tables.hpp>
#include <reports/length_controlled.hpp>
#include <reports/render.hpp>
#include <reports/run_report.hpp>

#include <harness/request_hash.hpp>
#include <harness/store.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>

using namespace harness;
using namespace reports;

// The paper's helpfulness numbers as reports compute them from a database:
// Arena-Hard's table fitted over every run of a judgment folder, and
// AlpacaEval's length-controlled win rate from the stored outputs. Expected
// values by hand (Arena-Hard's closed form for baseline-only battles) or from
// annotations the test builds itself.
TEST_SUITE_BEGIN("reports::paper_metrics");

namespace {

RunRecord
arena_run(const std::string& key, const std::string& model)
{
  RunRecord r;
  r.key = key;
  r.bench = "arenahard";
  r.model = model;
  r.model_id = model;
  r.judge = "judge";
  r.judge_model_id = "gpt-4-1106-preview";
  r.baseline = "references";
  r.protocol = "arena_hard";
  r.rubric = "arena-hard@v0.1";
  r.config_json = R"({"references_model":"gpt-4-0314"})";
  return r;
}

// A stored answer with its completion tokens; returns its hash.
std::string
answer(Store& store, const std::string& model, const std::string& item, const std::string& text,
       int tokens)
{
  ChatRequest request;
  request.model = model;
  request.messages = {{Role::user, item}};
  Response response;
  response.text = text;
  response.usage.completion_tokens = tokens;
  auto hash = request_hash(request);
  store.put_response(hash, request, response);
  return hash;
}

void
arena_verdict(Store& store, std::int64_t run, const std::string& model, const std::string& item,
              const std::string& labels, int tokens, int baseline_tokens)
{
  VerdictRecord v;
  v.run_id = run;
  v.item_id = item;
  v.turn = 1;
  v.status = labels == R"(["",""])" ? "parse_failed" : "ok";
  v.labels_json = labels;
  v.meta_json = nlohmann::json{{"baseline_token_len", {std::to_string(baseline_tokens)}}}.dump();
  v.candidate_hash = answer(store, model, item, "answer of " + model, tokens);
  store.put_verdict(v);
}

} // namespace

TEST_CASE("Arena-Hard: the runs of one judge folder are fitted together, by the closed form")
{
  std::filesystem::remove("arena_report.db");
  Store store("arena_report.db");
  auto a = store.begin_run(arena_run("ka", "a"));
  auto b = store.begin_run(arena_run("kb", "b"));
  // Model a: game 1 B>A (a wins), game 2 A>B (a wins); A>>B (baseline x3), game 2 dropped;
  // A=B (tie), game 2 B>>A (baseline x3): W 2, T 1, L 6, N 9, s = 2.5 / 9.
  arena_verdict(store, a, "a", "q1", R"(["B>A","A>B"])", 10, 100);
  arena_verdict(store, a, "a", "q2", R"(["A>>B",""])", 20, 200);
  arena_verdict(store, a, "a", "q3", R"(["A=B","B>>A"])", 30, 300);
  // Model b: B>>A and A>>B (6 wins), A=B twice (2 ties), one verdict with no label: s = 7 / 8.
  arena_verdict(store, b, "b", "q1", R"(["B>>A","A>>B"])", 5, 100);
  arena_verdict(store, b, "b", "q2", R"(["A=B","A=B"])", 5, 200);
  arena_verdict(store, b, "b", "q3", R"(["",""])", 5, 300);
  JudgeCallRecord continued;
  continued.run_id = a;
  continued.item_id = "q2";
  continued.turn = 1;
  continued.call_index = 1;
  continued.attempt = 1;
  store.put_judge_call(continued);

  CollectOptions only_a;
  only_a.model = "a";
  auto reports = collect(store, only_a);
  REQUIRE(reports.size() == 1);
  const auto& r = reports[0];
  REQUIRE(r.arena_hard);
  const auto& ah = *r.arena_hard;
  CHECK(ah.baseline == "gpt-4-0314");
  CHECK(ah.fitted_with == std::vector<std::string>{"a (run 1)", "b (run 2)"}); // filters aside
  REQUIRE(ah.row());
  CHECK(ah.row()->score == doctest::Approx(std::round(100 * 2.5 / 9 * 100) / 100)); // 27.78
  CHECK(ah.row()->rating ==
        doctest::Approx(1000 + 400 * std::log10((2.5 / 9) / (1 - 2.5 / 9))).epsilon(1e-9));
  CHECK(ah.row()->wins == 2);
  CHECK(ah.row()->ties == 1);
  CHECK(ah.row()->losses == 6);
  CHECK(ah.row()->avg_tokens == doctest::Approx(20));
  CHECK(ah.games == 6);
  CHECK(ah.games_dropped == 1);
  CHECK(ah.continuations == 1);
  CHECK(ah.rated == 3);
  REQUIRE(ah.table.size() == 3);
  CHECK(ah.table[0].model == "b");
  CHECK(ah.table[0].score == doctest::Approx(87.5));
  CHECK(ah.table[1].model == "gpt-4-0314");
  CHECK(ah.table[1].avg_tokens == doctest::Approx(200)); // mean of the questions' token_len
  CHECK(r.headline_name() == "arena_hard_score");
  CHECK(r.headline_unit() == "percent");
  CHECK(r.headline() == ah.row()->score);
  CHECK(r.intervals.at("arena_hard_score").resamples == 100);
  CHECK(r.intervals.at("arena_hard_score").seed == 42);

  auto doc = nlohmann::json::parse(render_json(reports, "test"));
  const auto& j = doc["results"][0]["arena_hard"];
  for (const char* key : {"score", "lower", "upper", "avg_tokens", "wins", "ties", "losses"}) {
    CHECK(j.contains(key));
  }
  CHECK(j["score"] == ah.row()->score);
  CHECK(render_markdown(reports).find("average #tokens: 200") != std::string::npos);

  // A newer run of a replaces the old one in b's fit; the old run is fitted with b alone.
  auto a2 = store.begin_run(arena_run("ka2", "a"));
  arena_verdict(store, a2, "a", "q1", R"(["B>>A","A>>B"])", 10, 100);
  auto all = collect(store);
  REQUIRE(all.size() == 3);
  CHECK(all[0].arena_hard->fitted_with == std::vector<std::string>{"a (run 1)", "b (run 2)"});
  CHECK(all[1].arena_hard->fitted_with == std::vector<std::string>{"a (run 3)", "b (run 2)"});
  CHECK(all[2].arena_hard->row()->score == doctest::Approx(100.0)); // a never loses now
}

TEST_CASE("Arena-Hard: a run of the baseline itself has no score and says why")
{
  std::filesystem::remove("arena_self.db");
  Store store("arena_self.db");
  auto id = store.begin_run(arena_run("k", "gpt-4-0314"));
  arena_verdict(store, id, "gpt-4-0314", "q1", R"(["A=B","A=B"])", 10, 100);
  auto reports = collect(store);
  REQUIRE(reports[0].arena_hard);
  CHECK_FALSE(reports[0].headline());
  CHECK(reports[0].arena_hard->error.find("the model is the baseline") != std::string::npos);
}

TEST_CASE("AlpacaEval LC from the store: outputs' lengths in position order, failures kept")
{
  std::filesystem::remove("lc_report.db");
  Store store("lc_report.db");
  RunRecord run;
  run.key = "k";
  run.bench = "alpacaeval";
  run.model = "m";
  run.model_id = "m";
  run.judge_model_id = "gpt-4-1106-preview";
  run.baseline = "references";
  run.protocol = "alpaca_eval";
  run.config_json = R"({"references_model":"gpt4_1106_preview"})";
  auto id = store.begin_run(run);
  // 12 instructions; ids alpacaeval_0..11, so alpacaeval_10 sorts before alpacaeval_2 as text.
  std::vector<LcAnnotation> expected;
  std::vector<GamedRow> gamed;
  for (int i = 0; i < 12; ++i) {
    const std::string item = "alpacaeval_" + std::to_string(i);
    const std::string model_text(static_cast<size_t>(20 + 7 * i % 13), 'x');
    const std::string baseline_text = std::string(static_cast<size_t>(15 + 5 * i % 11), 'y') + "é";
    VerdictRecord v;
    v.run_id = id;
    v.item_id = item;
    v.turn = 1;
    v.status = i == 4 ? "parse_failed" : "ok";
    if (i != 4) {
      v.score = 1.0 + (i % 5) / 4.0;
    }
    v.candidate_hash = answer(store, "m", item, model_text, 0);
    v.baseline_hash = answer(store, "references", item, baseline_text, 0);
    store.put_verdict(v);
    LcAnnotation a;
    a.index = i;
    a.model_chars = static_cast<long>(model_text.size());
    a.baseline_chars = static_cast<long>(baseline_text.size()) - 1; // "é" is one character
    a.preference = v.score;
    expected.push_back(a);
    for (int g = 0; g < 2; ++g) {
      GamedRow row;
      row.index = i;
      row.preference = g == 0 ? 0.3 + 0.04 * i : 0.7 - 0.03 * i;
      row.std_delta_len = g == 0 ? -1.0 - 0.1 * i : 0.8 + 0.05 * i;
      row.instruction_difficulty = 0.25 * (i % 4) - 0.3;
      gamed.push_back(row);
    }
  }
  AlpacaEvalLcInputs inputs;
  inputs.gamed = gamed;
  inputs.difficulty = {{0, 0.5}};
  CollectOptions options;
  options.alpaca_eval_lc = &inputs;
  auto reports = collect(store, options);
  REQUIRE(reports.size() == 1);
  const auto& lc = reports[0].length_controlled;
  REQUIRE(lc);
  REQUIRE(lc->result);
  auto direct = length_controlled_winrate(expected, gamed);
  REQUIRE(direct);
  CHECK(lc->annotations == 12);
  CHECK(lc->result->length_controlled_winrate ==
        doctest::Approx(direct->length_controlled_winrate));
  CHECK(lc->result->lc_standard_error == doctest::Approx(direct->lc_standard_error));
  CHECK(lc->result->weights.difficulty == doctest::Approx(direct->weights.difficulty));
  CHECK(reports[0].headline_name() == "length_controlled_winrate");
  CHECK(reports[0].headline() == lc->result->length_controlled_winrate);
  // predict_winrate over instruction_difficulty.csv's one row, by hand.
  CHECK(*lc->from_weights ==
        doctest::Approx(100 / (1 + std::exp(-(lc->result->weights.not_gamed +
                                              0.5 * lc->result->weights.difficulty)))));
  auto json = nlohmann::json::parse(render_json(reports, "test"));
  CHECK(json["results"][0]["alpaca_eval"]["length_controlled_winrate"] ==
        lc->result->length_controlled_winrate);
  CHECK(json["results"][0]["alpaca_eval"]["lc_weights"].contains("np.tanh(std_delta_len)"));

  // Without the side files, the raw win rate is the headline and the report says what to do.
  auto plain = collect(store);
  CHECK(plain[0].headline_name() == "win_rate");
  CHECK_FALSE(plain[0].length_controlled->result);
  CHECK(plain[0].length_controlled->note.find("--alpaca-eval-lc") != std::string::npos);
  AlpacaEvalLcInputs missing;
  missing.missing = "lc/df_gamed.csv: no such file";
  options.alpaca_eval_lc = &missing;
  CHECK(render_markdown(collect(store, options)).find("lc/df_gamed.csv: no such file") !=
        std::string::npos);
}

TEST_CASE("the Janus tables put each model's benchmarks on one row")
{
  auto md = janus_tables_markdown(testsupport::janus_reports("janus", "gpt-4-turbo"));
  CHECK(md.find("| janus | — | — | 7.65 | — |") != std::string::npos);
  CHECK(md.find("| janus | gpt-4-turbo | 5 | 1 | 4 | 10 | 60.0% |") != std::string::npos);
}

TEST_SUITE_END();
