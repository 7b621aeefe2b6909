#include <reports/leaderboard.hpp>
#include <reports/run_report.hpp>
#include <reports/served_by.hpp>

#include <harness/request_hash.hpp>
#include <harness/store.hpp>

#include <doctest/doctest.h>

#include <filesystem>

// Who answered, as the replies said: per run, and warned about when the
// judge of one leaderboard column answered as several versions.
TEST_SUITE_BEGIN("reports::served_by");

TEST_CASE("the judge's versions per run, and a column whose judge changed is flagged")
{
  std::filesystem::remove("served.db");
  harness::Store store("served.db");
  auto run = [&](const std::string& model) {
    harness::RunRecord r;
    r.key = "served-" + model;
    r.bench = "mtbench";
    r.bench_version = "1";
    r.model = model;
    r.model_id = model;
    r.judge = "gpt-4";
    r.judge_model_id = "gpt-4";
    r.protocol = "single";
    r.rubric = "fastchat-single@1";
    r.config_json = "{}";
    r.evalrun_version = "0";
    const auto id = store.begin_run(r);
    store.finish_run(id, "complete");
    return id;
  };
  int n = 0;
  // A judge call of `run` on `item`, answered by `served` with `fingerprint`.
  auto judged = [&](std::int64_t id, const std::string& item, const std::string& fingerprint) {
    harness::ChatRequest request;
    request.model = "gpt-4";
    request.messages = {{harness::Role::user, "judge this " + std::to_string(++n)}};
    harness::Response reply;
    reply.text = "Rating: [[7]]";
    reply.model = "gpt-4-0613";
    reply.system_fingerprint = fingerprint;
    const auto hash = harness::request_hash(request);
    store.put_response(hash, request, reply);
    harness::JudgeCallRecord call;
    call.run_id = id;
    call.item_id = item;
    call.turn = 1;
    call.status = "ok";
    call.request_hash = hash;
    store.put_judge_call(call);
    harness::VerdictRecord v;
    v.run_id = id;
    v.item_id = item;
    v.turn = 1;
    v.status = "ok";
    v.score = 7;
    v.rubric = "fastchat-single@1";
    v.prompt_id = "single-v1";
    v.judge_model_id = "gpt-4";
    store.put_verdict(v);
  };
  const auto janus = run("janus");
  const auto mistral = run("mistral");
  judged(janus, "81", "fp_1");
  judged(janus, "82", "fp_1");
  judged(mistral, "81", "fp_1");
  judged(mistral, "82", "fp_2");

  const auto served = store.served_by(janus, harness::Store::Role::judge);
  REQUIRE(served.size() == 1);
  CHECK(served[0].model == "gpt-4-0613");
  CHECK(served[0].fingerprint == "fp_1");
  CHECK(served[0].requests == 2);
  CHECK(reports::describe_served("judge", served) ==
        "judge served as gpt-4-0613 fp_1 (2 requests)");
  CHECK(reports::describe_served("judge", store.served_by(mistral, harness::Store::Role::judge)) ==
        "judge served as gpt-4-0613 fp_1 (1 request), gpt-4-0613 fp_2 (1 request): it changed "
        "within the run");
  CHECK(store.served_by(janus, harness::Store::Role::candidate).empty()); // no answers stored
  CHECK(store.served_by(janus, harness::Store::Role::baseline).empty());
  CHECK(reports::describe_served("candidate", {}).empty());

  const auto runs = reports::collect(store);
  const auto board = reports::build_leaderboard(runs);
  REQUIRE(board.columns.size() == 1);
  CHECK(board.columns[0].judge_versions ==
        std::vector<std::string>{"gpt-4-0613 fp_1", "gpt-4-0613 fp_2"});
  CHECK(board.columns[0].judge_warning() ==
        "the judge answered as 2 versions in this column: gpt-4-0613 fp_1, gpt-4-0613 fp_2; its "
        "numbers may not be comparable");
  CHECK(reports::leaderboard_markdown(board).find("⚠ the judge answered as 2 versions") !=
        std::string::npos);
  // One version: no warning.
  reports::LeaderboardColumn one;
  one.judge_versions = {"gpt-4-0613 fp_1"};
  CHECK(one.judge_warning().empty());
}

TEST_SUITE_END();
