#include <cli/commands.hpp>
#include <cli/export_formats.hpp>

#include <harness/store.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

// The reference tools' records made from verdicts, checked field by field
// against the tools' layouts (FastChat's gen_judgment.py, Arena-Hard-Auto's
// gen_judgment.py, AlpacaEval's annotations), and read back by evalrun import
// into the same outcomes.
TEST_SUITE_BEGIN("cli.export");

using nlohmann::json;

namespace {

harness::RunRecord
run_of(const std::string& protocol, const std::string& baseline = "")
{
  harness::RunRecord run;
  run.id = 1;
  run.model = "janus";
  run.baseline = baseline;
  run.protocol = protocol;
  run.config_json = R"({"references_model":"gpt-4-0314"})";
  return run;
}

// A judged turn: its status, score, labels and positions as a run stores them.
cli::ExportedTurn
turn_of(const std::string& item, int turn, const std::string& status, std::optional<double> score,
        const std::vector<std::string>& labels, const std::string& position)
{
  cli::ExportedTurn t;
  t.verdict.item_id = item;
  t.verdict.turn = turn;
  t.verdict.status = status;
  t.verdict.score = score;
  t.verdict.labels_json = json(labels).dump();
  t.verdict.position = position;
  t.verdict.judge_model_id = "gpt-4";
  t.verdict.prompt_id = labels.size() == 2 ? "pair-v2" : "single-v1";
  t.verdict.category = "writing";
  t.question = "Question " + item;
  t.answer = "Answer " + item;
  t.baseline_answer = "Baseline answer " + item;
  t.answer_tokens = 7;
  t.baseline_tokens = 9;
  for (size_t g = 0; g < std::max<size_t>(labels.size(), 1); ++g) {
    t.games.push_back({"prompt " + std::to_string(g), "judgment " + std::to_string(g),
                       g < labels.size() ? labels[g] : ""});
  }
  return t;
}

// Writes `lines` (one JSON record each) to `file` and imports it into a new `db`.
harness::Store&
import_lines(const std::string& format, const std::string& file,
             const std::vector<nlohmann::ordered_json>& records, const std::string& db,
             std::unique_ptr<harness::Store>& store)
{
  std::filesystem::remove(db);
  {
    std::ofstream out(file);
    if (format == "alpaca-eval") {
      out << nlohmann::ordered_json(records).dump(2);
    } else {
      for (const auto& r : records) {
        out << r.dump() << "\n";
      }
    }
  }
  cli::ImportOptions options;
  options.format = format;
  options.file = format == "arena-hard" ? std::filesystem::path(file).parent_path()
                                        : std::filesystem::path(file);
  options.db = db;
  REQUIRE(cli::import_command(options) == 0);
  store = std::make_unique<harness::Store>(db);
  return *store;
}

} // namespace

TEST_CASE("FastChat single: score or -1, the judge and prompt, question ids as numbers")
{
  const auto run = run_of("single");
  const std::vector<cli::ExportedTurn> turns = {
      turn_of("81", 1, "ok", 7.0, {"7"}, "single"),
      turn_of("81", 2, "parse_failed", std::nullopt, {""}, "single"),
      turn_of("82", 1, "judge_error", std::nullopt, {""}, "single"),
      turn_of("writing_3", 1, "ok", 2.5, {"2.5"}, "single")};
  std::vector<nlohmann::ordered_json> lines;
  for (const auto& t : turns) {
    lines.push_back(cli::fastchat_single_judgment(run, t));
  }
  // gen_judgment.py's play_a_match_single record, field for field.
  CHECK(lines[0].dump() ==
        R"({"question_id":81,"model":"janus","judge":["gpt-4","single-v1"],)"
        R"("user_prompt":"prompt 0","judgment":"judgment 0","score":7.0,"turn":1})");
  CHECK(lines[1]["score"] == -1.0);
  CHECK(lines[2]["score"] == -1.0); // FastChat has no judge errors: -1, as for no rating
  CHECK(lines[3]["question_id"] == "writing_3");

  std::unique_ptr<harness::Store> store;
  auto& db = import_lines("fastchat", "gpt-4_single.jsonl", lines, "export_single.db", store);
  auto back = db.verdicts(1);
  REQUIRE(back.size() == 4);
  std::map<std::pair<std::string, int>, harness::VerdictRecord> by_turn;
  for (auto& v : back) {
    by_turn[{v.item_id, v.turn}] = v;
  }
  CHECK(by_turn[{"81", 1}].status == "ok");
  CHECK(by_turn[{"81", 1}].score == 7.0);
  CHECK(by_turn[{"81", 1}].raw_judgment == "judgment 0");
  CHECK(by_turn[{"81", 2}].status == "parse_failed");
  CHECK(by_turn[{"82", 1}].status == "parse_failed");
  CHECK(by_turn[{"writing_3", 1}].score == 2.5);
  CHECK(db.runs().front().model == "janus");
}

TEST_CASE("FastChat pairwise: each game's winner named by model, read back to the same labels")
{
  const auto run = run_of("pairwise", "gpt-3.5");
  // Game 1 shows the model first (A), game 2 the baseline. By hand:
  //   [A, B]: game 1 model_1, game 2 model_1 -> the model wins;
  //   [A, A]: model_1, then model_2 -> inconsistent, a tie;
  //   [tie, B]: tie, model_1 -> a tie (game 1 is one);
  //   ["", B]: error, model_1 -> no verdict;
  //   [B, A]: model_2, model_2 -> the baseline wins.
  const std::vector<cli::ExportedTurn> turns = {
      turn_of("1", 1, "ok", std::nullopt, {"A", "B"}, "model-first,baseline-first"),
      turn_of("2", 1, "ok", std::nullopt, {"A", "A"}, "model-first,baseline-first"),
      turn_of("3", 1, "ok", std::nullopt, {"tie", "B"}, "model-first,baseline-first"),
      turn_of("4", 1, "parse_failed", std::nullopt, {"", "B"}, "model-first,baseline-first"),
      turn_of("5", 1, "ok", std::nullopt, {"B", "A"}, "model-first,baseline-first")};
  std::vector<nlohmann::ordered_json> lines;
  for (const auto& t : turns) {
    lines.push_back(cli::fastchat_pair_judgment(run, t));
  }
  const std::vector<std::pair<std::string, std::string>> games = {{"model_1", "model_1"},
                                                                  {"model_1", "model_2"},
                                                                  {"tie", "model_1"},
                                                                  {"error", "model_1"},
                                                                  {"model_2", "model_2"}};
  for (size_t i = 0; i < lines.size(); ++i) {
    CAPTURE(i);
    CHECK(lines[i]["model_1"] == "janus");
    CHECK(lines[i]["model_2"] == "gpt-3.5");
    CHECK(lines[i]["g1_winner"] == games[i].first);
    CHECK(lines[i]["g2_winner"] == games[i].second);
    CHECK(lines[i]["g1_judgment"] == "judgment 0");
    CHECK(lines[i]["g2_user_prompt"] == "prompt 1");
  }
  // A run that played the baseline first is turned round: game 1 is the
  // model-first game whatever the order of the calls.
  auto swapped = turn_of("6", 1, "ok", std::nullopt, {"B", "A"}, "baseline-first,model-first");
  auto line = cli::fastchat_pair_judgment(run, swapped);
  CHECK(line["g1_winner"] == "model_1"); // A in the model-first game
  CHECK(line["g2_winner"] == "model_1"); // B in the baseline-first game
  CHECK(line["g1_judgment"] == "judgment 1");

  std::unique_ptr<harness::Store> store;
  auto& db = import_lines("fastchat", "gpt-4_pair.jsonl", lines, "export_pair.db", store);
  const auto back = db.verdicts(1);
  REQUIRE(back.size() == 5);
  const std::vector<std::string> winners = {"model", "tie", "tie", "", "baseline"};
  for (size_t i = 0; i < back.size(); ++i) {
    CAPTURE(i);
    CHECK(back[i].item_id == turns[i].verdict.item_id);
    CHECK(back[i].status == turns[i].verdict.status);
    CHECK(back[i].winner == winners[i]);
    CHECK(back[i].labels_json == turns[i].verdict.labels_json);
  }
  CHECK(db.runs().front().baseline == "gpt-3.5");
}

TEST_CASE("Arena-Hard: the baseline's game first, labels as scores, null when unread")
{
  const auto run = run_of("arena_hard", "references");
  const std::vector<cli::ExportedTurn> turns = {
      turn_of("q1", 1, "ok", 1.0, {"A>B", "B>>A"}, "baseline-first,model-first"),
      turn_of("q2", 1, "ok", 0.5, {"A=B", "A=B"}, "baseline-first,model-first"),
      // One game unread: the other still counts, as upstream skips only a
      // null game; none read: no verdict.
      turn_of("q3", 1, "ok", 0.0, {"", "A>B"}, "baseline-first,model-first"),
      turn_of("q4", 1, "parse_failed", std::nullopt, {"", ""}, "baseline-first,model-first")};
  std::vector<nlohmann::ordered_json> lines;
  for (const auto& t : turns) {
    lines.push_back(cli::arena_hard_judgment(run, t));
  }
  CHECK(lines[0].dump() ==
        R"({"question_id":"q1","model":"janus","judge":"gpt-4","games":[)"
        R"({"user_prompt":"prompt 0","judgment":"judgment 0","score":"A>B"},)"
        R"({"user_prompt":"prompt 1","judgment":"judgment 1","score":"B>>A"}]})");
  CHECK(lines[2]["games"][0]["score"].is_null());
  CHECK(lines[3]["games"][1]["score"].is_null());
  CHECK(cli::arena_hard_answer("janus", "q1", "Answer q1", 7).dump() ==
        R"({"question_id":"q1","answer_id":")" +
            cli::arena_hard_answer("janus", "q1", "", 0)["answer_id"].get<std::string>() +
            R"(","model_id":"janus","choices":[{"index":0,"turns":[{"content":"Answer q1",)"
            R"("token_len":7}]}]})");
  CHECK(cli::baseline_name(run) == "gpt-4-0314");

  std::filesystem::create_directories("export_ah/gpt-4");
  std::unique_ptr<harness::Store> store;
  auto& db =
      import_lines("arena-hard", "export_ah/gpt-4/janus.jsonl", lines, "export_ah.db", store);
  const auto back = db.verdicts(1);
  REQUIRE(back.size() == 4);
  for (size_t i = 0; i < back.size(); ++i) {
    CAPTURE(i);
    CHECK(back[i].item_id == turns[i].verdict.item_id);
    CHECK(back[i].status == turns[i].verdict.status);
    CHECK(back[i].labels_json == turns[i].verdict.labels_json);
  }
}

TEST_CASE("AlpacaEval: output_1 the baseline's, preference or null, read back in order")
{
  const auto run = run_of("alpaca_eval", "references");
  const std::vector<cli::ExportedTurn> turns = {
      turn_of("alpacaeval_0", 1, "ok", 1.75, {}, "model-first"),
      turn_of("alpacaeval_1", 1, "parse_failed", std::nullopt, {}, "model-first"),
      turn_of("alpacaeval_2", 1, "ok", 1.5, {}, "model-first")};
  std::vector<nlohmann::ordered_json> records;
  for (const auto& t : turns) {
    records.push_back(cli::alpaca_eval_annotation(run, t));
  }
  CHECK(records[0].dump() ==
        R"({"instruction":"Question alpacaeval_0","output_1":"Baseline answer alpacaeval_0",)"
        R"("generator_1":"gpt-4-0314","dataset":"writing","output_2":"Answer alpacaeval_0",)"
        R"("generator_2":"janus","annotator":"gpt-4","preference":1.75,)"
        R"("raw_completion":"judgment 0"})");
  CHECK(records[1]["preference"].is_null());
  CHECK(cli::alpaca_eval_output("janus", turns[0]).dump() ==
        R"({"instruction":"Question alpacaeval_0","output":"Answer alpacaeval_0",)"
        R"("generator":"janus","dataset":"writing"})");

  std::unique_ptr<harness::Store> store;
  auto& db = import_lines("alpaca-eval", "annotations.json", records, "export_ae.db", store);
  auto back = db.verdicts(1);
  REQUIRE(back.size() == 3);
  std::sort(back.begin(), back.end(),
            [](const auto& a, const auto& b) { return a.item_id < b.item_id; });
  // Preference 1.75: the model; 1.5: a tie (AlpacaEval's 0.5 weight).
  CHECK(back[0].item_id == "alpacaeval_0");
  CHECK(back[0].score == 1.75);
  CHECK(back[0].winner == "model");
  CHECK(back[1].status == "parse_failed");
  CHECK(back[2].winner == "tie");
  CHECK(back[0].category == "writing");
}

TEST_SUITE_END();
