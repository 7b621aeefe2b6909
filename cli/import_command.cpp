#include <cli/commands.hpp>
#include <cli/import_arena_hard.hpp>
#include <cli/imported_runs.hpp>

#include <harness/client/openai_wire.hpp>
#include <harness/jsonl.hpp>
#include <harness/request_hash.hpp>
#include <harness/store.hpp>
#include <harness/text_file.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <set>

namespace cli {

using harness::Fatal;
using nlohmann::json;

namespace {

int
import_alpaca_eval(const harness::TextFile& file, const std::filesystem::path& db)
{
  json doc = json::parse(file.content, nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) {
    throw Fatal(
        fmt::format("{}: expected a JSON array of annotations (AlpacaEval annotations.json)",
                    file.path.string()));
  }
  std::map<std::string, ImportedRun> runs;
  std::vector<ImportedOutput> outputs;
  for (size_t i = 0; i < doc.size(); ++i) {
    const json& a = doc[i];
    for (const char* field : {"instruction", "output_1", "output_2", "generator_2"}) {
      if (!a.is_object() || !a.contains(field) || !a[field].is_string()) {
        throw Fatal(fmt::format("{}: annotation [{}]: field '{}': missing or not a string; nothing "
                                "was imported",
                                file.path.string(), i, field));
      }
    }
    std::string model = a["generator_2"].get<std::string>();
    std::string baseline = a.contains("generator_1") ? as_text(a["generator_1"]) : "";
    std::string annotator = a.contains("annotator") ? as_text(a["annotator"]) : "unknown";
    auto& run = run_for(runs, file.path, "alpacaeval", "alpaca_eval", annotator, model, baseline,
                        annotator);
    harness::VerdictRecord v;
    v.item_id = fmt::format("alpacaeval_{}", run.verdicts.size());
    v.turn = 1;
    v.category = a.contains("dataset") ? as_text(a["dataset"]) : "";
    v.source = "alpacaeval";
    v.judge_model_id = annotator;
    v.rubric = run.record.rubric;
    v.prompt_id = annotator;
    v.position = "imported";
    const auto& instruction = a["instruction"].get_ref<const std::string&>();
    outputs.push_back(imported_output(model, instruction, a["output_2"].get<std::string>()));
    v.candidate_hash = outputs.back().hash;
    outputs.push_back(imported_output(baseline, instruction, a["output_1"].get<std::string>()));
    v.baseline_hash = outputs.back().hash;
    if (a.contains("raw_completion")) {
      v.raw_judgment = as_text(a["raw_completion"]);
    }
    const json pref = a.value("preference", json(nullptr));
    if (pref.is_number()) {
      double p = pref.get<double>();
      v.status = "ok";
      v.score = p;
      v.winner = p > 1.5 ? "model" : p < 1.5 ? "baseline" : "tie";
    } else {
      v.status = "parse_failed";
      v.detail = "the annotation's preference is null (a failed annotation)";
    }
    run.verdicts.push_back(std::move(v));
  }
  save(db, runs, outputs, "AlpacaEval");
  return 0;
}

// One line of a FastChat model_judgment file, checked.
struct FastChatRecord
{
  int line = 0;
  nlohmann::json fields;
  std::string judge_model;
  std::string prompt;
  int turn = 1;
  std::string model_1, model_2; // pairwise
  std::string g1, g2;           // pairwise: model_1, model_2, tie or error
};

// FastChat's pairwise games name the record's models, never A/B: game 2 was
// played with the answers swapped and translated back before it was written.
// Returns "model_1", "model_2", "tie" or "error"; throws on anything else.
std::string
game_winner(const json& record, const char* field, const std::function<void(std::string)>& fail)
{
  std::string w = as_text(record.value(field, json("error")));
  if (w != "model_1" && w != "model_2" && w != "tie" && w != "error") {
    fail(fmt::format("field '{}': '{}' is not model_1, model_2, tie or error", field, w));
  }
  return w;
}

// A pairwise record as show_result.py counts it, from the point of view of
// the record's model_1 ("model" side) or model_2: a tie when game 1 is a tie
// or the games disagree, else the model game 1 names wins; a row where either
// game is "error" is not rated.
harness::VerdictRecord
pairwise_verdict(const json& j, const std::string& g1, const std::string& g2, bool as_model_1)
{
  harness::VerdictRecord v;
  // Game 1 showed model_1 first (as A), game 2 model_2: each game's label is
  // its winner's place, A (first) or B, for the judge's diagnostics (swaps,
  // places); the positions say which side of this verdict was shown first.
  v.position = as_model_1 ? "model-first,baseline-first" : "baseline-first,model-first";
  auto place = [](const std::string& winner, const std::string& first) -> std::string {
    return winner == "tie" ? "tie" : winner == "error" ? "" : winner == first ? "A" : "B";
  };
  v.labels_json = json{place(g1, "model_1"), place(g2, "model_2")}.dump();
  v.raw_judgment =
      json{as_text(j.value("g1_judgment", json(""))), as_text(j.value("g2_judgment", json("")))}
          .dump();
  if (g1 == "error" || g2 == "error") {
    v.status = "parse_failed";
    v.detail = fmt::format("a game has no verdict (FastChat wrote \"error\"): game 1 {}, game 2 {}",
                           g1, g2);
    return v;
  }
  v.status = "ok";
  if (g1 == "tie" || g1 != g2) {
    v.winner = "tie";
  } else {
    v.winner = (g1 == "model_1") == as_model_1 ? "model" : "baseline";
  }
  v.detail = fmt::format("game 1: {}; game 2: {}", g1, g2);
  return v;
}

int
import_fastchat(const harness::TextFile& file, const std::filesystem::path& db)
{
  std::vector<FastChatRecord> records;
  bool any_pairwise = false;
  bool any_single = false;
  std::set<std::string> first_models;
  std::set<std::string> second_models;
  for (const auto& [line_number, line] : harness::non_blank_lines(file.content)) {
    auto fail = [&, n = line_number](const std::string& why) {
      throw Fatal(fmt::format("{}:{}: {}; nothing was imported", file.path.string(), n, why));
    };
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      fail("not a JSON object");
    }
    if (!j.contains("question_id") || !j.contains("turn") || !j.contains("judge") ||
        !j["judge"].is_array() || j["judge"].size() < 2) {
      fail("field 'question_id', 'turn' or 'judge': missing (is this a FastChat model_judgment "
           "file?)");
    }
    FastChatRecord r;
    r.line = line_number;
    r.judge_model = as_text(j["judge"][0]);
    r.prompt = as_text(j["judge"][1]);
    r.turn = j["turn"].is_number_integer() ? j["turn"].get<int>() : 1;
    const bool pairwise = j.contains("g1_winner");
    (pairwise ? any_pairwise : any_single) = true;
    if (pairwise) {
      r.model_1 = as_text(j.value("model_1", json("")));
      r.model_2 = as_text(j.value("model_2", json("")));
      if (r.model_1.empty() || r.model_2.empty()) {
        fail("field 'model_1' or 'model_2': missing");
      }
      r.g1 = game_winner(j, "g1_winner", fail);
      r.g2 = game_winner(j, "g2_winner", fail);
      first_models.insert(r.model_1);
      second_models.insert(r.model_2);
    } else if (as_text(j.value("model", json(""))).empty()) {
      fail("field 'model': missing");
    }
    r.fields = std::move(j);
    records.push_back(std::move(r));
  }
  if (any_pairwise && any_single) {
    throw Fatal(fmt::format("{}: mixes single and pairwise judgments; nothing was imported",
                            file.path.string()));
  }
  // pairwise-baseline files play every model against one model_2; in
  // pairwise-all files every model plays every other, and each model's row
  // counts all its games, whichever side it was on (show_result.py).
  const bool fixed_baseline =
      second_models.size() == 1 && !first_models.count(*second_models.begin());
  std::map<std::string, std::set<std::string>> opponents;
  for (const auto& r : records) {
    if (any_pairwise) {
      opponents[r.model_1].insert(r.model_2);
      opponents[r.model_2].insert(r.model_1);
    }
  }
  auto baseline_name = [&](const std::string& model) {
    const auto& o = opponents[model];
    return o.size() == 1 ? *o.begin() : fmt::format("all-pairs ({} opponents)", o.size());
  };

  std::map<std::string, ImportedRun> runs;
  // show_result.py counts every row: a row that repeats a run's item and turn
  // is kept under an id that names its line.
  std::set<std::string> taken;
  for (const auto& r : records) {
    const json& j = r.fields;
    auto common = [&](harness::VerdictRecord& v, const ImportedRun& run, const std::string& item) {
      v.item_id = item;
      if (!taken.insert(fmt::format("{}\n{}\n{}", run.record.key, item, r.turn)).second) {
        v.item_id = fmt::format("{} (line {})", item, r.line);
      }
      v.turn = r.turn;
      v.source = "mtbench";
      v.judge_model_id = r.judge_model;
      v.rubric = run.record.rubric;
      v.prompt_id = r.prompt;
    };
    std::string question = as_text(j["question_id"]);
    if (!any_pairwise) {
      std::string model = as_text(j["model"]);
      auto& run = run_for(runs, file.path, "mtbench", "single", "fastchat-single@imported", model,
                          "", r.judge_model);
      harness::VerdictRecord v;
      common(v, run, question);
      v.position = "single";
      v.raw_judgment = as_text(j.value("judgment", json("")));
      double score = j.value("score", -1.0);
      if (score == -1) {
        v.status = "parse_failed";
        v.detail = "FastChat recorded -1 (no rating parsed)";
      } else {
        v.status = "ok";
        v.score = score;
      }
      run.verdicts.push_back(std::move(v));
      continue;
    }
    const std::string& m1 = r.model_1;
    const std::string& m2 = r.model_2;
    for (bool as_model_1 : {true, false}) {
      if (!as_model_1 && fixed_baseline) {
        break; // the baseline's own row is not reported
      }
      const std::string& model = as_model_1 ? m1 : m2;
      const std::string& opponent = as_model_1 ? m2 : m1;
      auto& run = run_for(runs, file.path, "mtbench", "pairwise", "fastchat-pair@imported", model,
                          baseline_name(model), r.judge_model);
      auto v = pairwise_verdict(j, r.g1, r.g2, as_model_1);
      // A model meets several opponents on the same question in pairwise-all files.
      common(v, run, opponents[model].size() == 1 ? question : question + " vs " + opponent);
      run.verdicts.push_back(std::move(v));
    }
  }
  save(db, runs, {}, "FastChat");
  return 0;
}

} // namespace

int
import_command(const ImportOptions& options)
{
  if (options.format == "arena-hard") {
    return import_arena_hard(options);
  }
  auto file = harness::read_text_file(options.file);
  if (!file) {
    throw Fatal(file.error().message);
  }
  return options.format == "alpaca-eval" ? import_alpaca_eval(*file, options.db)
                                         : import_fastchat(*file, options.db);
}

} // namespace cli
