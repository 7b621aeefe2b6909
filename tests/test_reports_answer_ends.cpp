#include <reports/leaderboard.hpp>
#include <reports/render.hpp>
#include <reports/run_report.hpp>

#include <harness/request_hash.hpp>
#include <harness/store.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>

using namespace harness;

TEST_SUITE_BEGIN("reports::answer_ends");

namespace {

// An answer of the candidate, stored with how it ended; its hash.
std::string
store_answer(Store& store, const std::string& text, const std::string& finish_reason)
{
  ChatRequest request;
  request.endpoint = "cand";
  request.model = "cand-model";
  request.messages = {{Role::user, "question for " + text}};
  Response response;
  response.text = text;
  response.finish_reason = finish_reason;
  const std::string hash = sha256_hex(text);
  store.put_response(hash, request, response);
  return hash;
}

} // namespace

TEST_CASE("answers the server cut short are counted in every run's report")
{
  Store store("answer_ends.db");
  RunRecord run;
  run.key = "k";
  run.bench = "koala";
  run.protocol = "single";
  const auto id = store.begin_run(run);
  // Four turns: two answers ended at max_tokens or the context ("length"),
  // one ended by itself ("stop"), and one whose request failed (no answer).
  const char* ends[] = {"length", "stop", "length"};
  for (int i = 0; i < 4; ++i) {
    VerdictRecord v;
    v.run_id = id;
    v.item_id = std::to_string(i);
    v.turn = 1;
    v.status = i < 3 ? "ok" : "error";
    if (i < 3) {
      v.score = 5;
      v.candidate_hash = store_answer(store, "answer " + std::to_string(i), ends[i]);
    }
    store.put_verdict(v);
  }
  CHECK(store.answer_ends(id).answers == 3);
  CHECK(store.answer_ends(id).cut_short == 2);

  auto reports = reports::collect(store);
  REQUIRE(reports.size() == 1);
  auto json = nlohmann::json::parse(reports::render_json(reports, "0.1.0"));
  CHECK(json["results"][0]["answers"] == 3);
  CHECK(json["results"][0]["answers_cut_short"] == 2);
  CHECK(reports::render_markdown(reports).find("2 of 3 answers were cut short by the server") !=
        std::string::npos);

  // The leaderboard's cell of the run says it too, in each of its forms.
  auto board = reports::build_leaderboard(reports);
  REQUIRE(board.cells.size() == 1);
  CHECK(reports::leaderboard_html(board, "0.1.0").find("<span class=\"cut\">2 cut short</span>") !=
        std::string::npos);
  CHECK(reports::leaderboard_html(board, "0.1.0").find("2 of 3 answers cut short") !=
        std::string::npos);
  auto board_json = nlohmann::json::parse(reports::leaderboard_json(board, "0.1.0"));
  CHECK(board_json["rows"][0]["cells"][0]["answers_cut_short"] == 2);
  CHECK(reports::leaderboard_markdown(board).find("| 2 of 3 |") != std::string::npos);
  const auto csv = reports::leaderboard_csv(board);
  CHECK(csv.substr(0, csv.find('\n')).find(",answers,answers_cut_short") != std::string::npos);
  CHECK(csv.find(",3,2\n") != std::string::npos);
}

TEST_SUITE_END();
