#include <benchmarks/arena_hard.hpp>
#include <cli/import_arena_hard.hpp>
#include <cli/imported_runs.hpp>
#include <judges/arena_hard.hpp>

#include <harness/error.hpp>
#include <harness/jsonl.hpp>
#include <harness/text_file.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace cli {

using harness::Fatal;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The `*.jsonl` files of `folder`, in name order.
std::vector<fs::path>
jsonl_files(const fs::path& folder)
{
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".jsonl") {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A model_answer/<model>.jsonl file by question id (the last line of a
// repeated id wins, as upstream's load_model_answers); nullopt when absent.
std::optional<std::map<std::string, benchmarks::ArenaHardAnswer>>
read_answers(const fs::path& folder, const std::string& model)
{
  auto path = folder / (model + ".jsonl");
  if (folder.empty() || !fs::exists(path)) {
    return std::nullopt;
  }
  auto file = harness::read_text_file(path);
  if (!file) {
    throw Fatal(file.error().message + "; nothing was imported");
  }
  std::map<std::string, benchmarks::ArenaHardAnswer> out;
  auto walked = harness::for_each_jsonl(*file, [&](int, const json& r) -> harness::Result<bool> {
    auto answer = benchmarks::arena_hard_answer(r);
    if (!answer) {
      return answer.error();
    }
    out[answer->question_id] = std::move(*answer); // the last line of a repeated id wins
    return true;
  });
  if (!walked) {
    throw Fatal(walked.error().message + "; nothing was imported");
  }
  return out;
}

// The mean token_len of an answers file's questions (upstream's average
// #tokens); 0 without a file, as upstream prints.
double
mean_tokens(const std::optional<std::map<std::string, benchmarks::ArenaHardAnswer>>& answers)
{
  if (!answers || answers->empty()) {
    return 0;
  }
  double sum = 0;
  for (const auto& [id, a] : *answers) {
    sum += static_cast<double>(a.token_len.value_or(0));
  }
  return sum / static_cast<double>(answers->size());
}

// The question, cut from a game's filled template (the text between the
// "<|User Prompt|>" line and Assistant A's answer); empty when not there.
std::string
question_of(const std::string& user_prompt)
{
  static const std::string k_begin = "<|User Prompt|>\n";
  static const std::string k_end = "\n\n<|The Start of Assistant A's Answer|>";
  auto begin = user_prompt.find(k_begin);
  auto end = user_prompt.find(k_end);
  if (begin == std::string::npos || end == std::string::npos || end < begin + k_begin.size()) {
    return {};
  }
  return user_prompt.substr(begin + k_begin.size(), end - begin - k_begin.size());
}

// One line of a judgment file, checked: its games' user prompts, judgments
// and labels (nullopt for a null score).
struct JudgmentLine
{
  int line = 0;
  std::string question_id;
  std::string model;
  std::string judge;
  std::vector<std::string> prompts, judgments;
  std::vector<std::optional<std::string>> scores;
};

JudgmentLine
read_line(const fs::path& path, int line, const json& j)
{
  auto fail = [&](const std::string& why) {
    throw Fatal(fmt::format("{}:{}: {}; nothing was imported", path.string(), line, why));
  };
  JudgmentLine out;
  out.line = line;
  for (const char* field : {"question_id", "model", "judge"}) {
    if (!j.contains(field) || !j[field].is_string()) {
      fail(fmt::format("field '{}': missing or not a string (is this an Arena-Hard "
                       "model_judgment file?)",
                       field));
    }
  }
  out.question_id = j["question_id"].get<std::string>();
  out.model = j["model"].get<std::string>();
  out.judge = j["judge"].get<std::string>();
  if (!j.contains("games") || !j["games"].is_array() || j["games"].empty() ||
      j["games"].size() > 2) {
    fail("field 'games': expected a list of one or two games");
  }
  for (size_t g = 0; g < j["games"].size(); ++g) {
    const json& game = j["games"][g];
    const json score = game.is_object() ? game.value("score", json(nullptr)) : json();
    if (!game.is_object() || !(score.is_null() || score.is_string())) {
      fail(fmt::format("field 'games[{}].score': expected a label string or null", g));
    }
    out.prompts.push_back(as_text(game.value("user_prompt", json(""))));
    out.judgments.push_back(as_text(game.value("judgment", json(""))));
    out.scores.push_back(score.is_null() ? std::nullopt : std::optional(score.get<std::string>()));
  }
  return out;
}

} // namespace

int
import_arena_hard(const ImportOptions& options)
{
  const auto& folder = options.file;
  if (!fs::is_directory(folder)) {
    throw Fatal(fmt::format("{}: not a folder (--judgments takes upstream's "
                            "model_judgment/<judge>/ folder)",
                            folder.string()));
  }
  auto files = jsonl_files(folder);
  if (files.empty()) {
    // Suggest the folders below that hold judgment files (lines with "games").
    std::vector<std::string> inside;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(folder, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it.depth() > 2 || !it->is_directory()) {
        continue;
      }
      auto found = jsonl_files(it->path());
      auto first = found.empty() ? harness::Result<harness::TextFile>(harness::Error())
                                 : harness::read_text_file(found.front());
      if (first && first->content.find("\"games\"") != std::string::npos) {
        inside.push_back(it->path().string());
      }
    }
    std::sort(inside.begin(), inside.end());
    throw Fatal(inside.empty()
                    ? fmt::format("{}: no .jsonl judgment files", folder.string())
                    : fmt::format("{}: no .jsonl judgment files here; the judge's folder is one "
                                  "of: {}",
                                  folder.string(), fmt::join(inside, ", ")));
  }
  if (!options.answers.empty() && !fs::is_directory(options.answers)) {
    throw Fatal(fmt::format("{}: not a folder (--answers takes upstream's model_answer/ folder); "
                            "nothing was imported",
                            options.answers.string()));
  }
  const std::string baseline = options.baseline;
  auto baseline_answers = read_answers(options.answers, baseline);

  std::map<std::string, ImportedRun> runs;
  std::vector<ImportedOutput> outputs;
  std::map<std::string, std::optional<std::map<std::string, benchmarks::ArenaHardAnswer>>>
      answers_of;
  std::set<std::string> taken;
  for (const auto& path : files) {
    auto file = harness::read_text_file(path);
    if (!file) {
      throw Fatal(file.error().message + "; nothing was imported");
    }
    for (const auto& [number, text] : harness::non_blank_lines(file->content)) {
      json j = json::parse(text, nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        throw Fatal(
            fmt::format("{}:{}: not a JSON object; nothing was imported", path.string(), number));
      }
      auto line = read_line(path, number, j);
      if (!answers_of.count(line.model)) {
        answers_of[line.model] = read_answers(options.answers, line.model);
      }
      // Upstream's average #tokens: the mean over each answers file's questions.
      json extra{{"references_model", baseline},
                 {"avg_tokens", mean_tokens(answers_of[line.model])},
                 {"baseline_avg_tokens", mean_tokens(baseline_answers)}};
      auto& run = run_for(runs, path, "arenahard", "arena_hard", "arena-hard@imported", line.model,
                          baseline, line.judge, &extra);
      std::vector<harness::CallVerdict> games;
      for (size_t g = 0; g < line.scores.size(); ++g) {
        harness::CallVerdict game;
        if (line.scores[g]) {
          game = judges::ArenaHardJudge::game_verdict(*line.scores[g]);
        } else {
          game.detail = "no verdict (the score is null)";
        }
        games.push_back(game);
        harness::JudgeCallRecord call;
        call.item_id = line.question_id;
        call.turn = 1;
        call.call_index = static_cast<int>(g);
        call.position = g == 0 ? "baseline-first" : "model-first";
        call.prompt_id = judges::ArenaHardJudge::k_prompt;
        call.status = std::string(harness::to_string(game.status));
        call.label = game.label;
        call.raw = line.judgments[g];
        run.calls.push_back(std::move(call));
      }
      auto verdict = judges::ArenaHardJudge::verdict_from_games(games);
      harness::VerdictRecord v;
      v.item_id = line.question_id;
      // Upstream counts every line: a repeated question keeps its own row.
      if (!taken.insert(run.record.key + "\n" + line.question_id).second) {
        v.item_id = fmt::format("{} (line {})", line.question_id, line.line);
        for (auto it = run.calls.end() - static_cast<long>(games.size()); it != run.calls.end();
             ++it) {
          it->item_id = v.item_id;
        }
      }
      v.turn = 1;
      v.category = "arena-hard-v0.1";
      v.source = "arenahard";
      v.status = std::string(harness::to_string(verdict.status));
      v.rubric = run.record.rubric;
      v.prompt_id = judges::ArenaHardJudge::k_prompt;
      v.judge_model_id = line.judge;
      v.position = "baseline-first,model-first";
      v.labels_json = json(verdict.labels).dump();
      v.raw_judgment = json(line.judgments).dump();
      v.detail = verdict.detail;
      std::string question = question_of(line.prompts.front());
      if (question.empty()) {
        question = line.question_id;
      }
      if (const auto& answers = answers_of[line.model]) {
        if (auto a = answers->find(line.question_id); a != answers->end()) {
          outputs.push_back(imported_output(line.model, question, a->second.text,
                                            static_cast<int>(a->second.token_len.value_or(0))));
          v.candidate_hash = outputs.back().hash;
        }
      }
      // The line number orders the battle rows as upstream reads them.
      json meta{{"line", {std::to_string(line.line)}}};
      if (baseline_answers) {
        if (auto a = baseline_answers->find(line.question_id); a != baseline_answers->end()) {
          const long tokens = a->second.token_len.value_or(0);
          meta["baseline_token_len"] = {std::to_string(tokens)};
          outputs.push_back(
              imported_output(baseline, question, a->second.text, static_cast<int>(tokens)));
          v.baseline_hash = outputs.back().hash;
        }
      }
      v.meta_json = meta.dump();
      run.verdicts.push_back(std::move(v));
    }
  }
  for (const auto& [model, answers] : answers_of) {
    if (!answers && !options.answers.empty()) {
      fmt::print(stderr, "evalrun: {}: no answers file for {} (its average #tokens is 0)\n",
                 (options.answers / (model + ".jsonl")).string(), model);
    }
  }
  save(options.db, runs, outputs, "Arena-Hard");
  return 0;
}

} // namespace cli
