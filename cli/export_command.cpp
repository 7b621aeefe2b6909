#include <cli/commands.hpp>
#include <cli/export_formats.hpp>
#include <reports/arena_hard_report.hpp>

#include <harness/error.hpp>
#include <harness/store.hpp>
#include <harness/text_file.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace cli {

using harness::Fatal;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The protocols each format holds.
bool
exported_as(const std::string& protocol, const std::string& format)
{
  if (format == "fastchat") {
    return protocol == "single" || protocol == "pairwise";
  }
  return protocol == (format == "arena-hard" ? "arena_hard" : "alpaca_eval");
}

// The content of the last user message of a stored request ("" when none).
std::string
last_user_message(harness::Store& store, const std::string& request_hash)
{
  if (request_hash.empty()) {
    return {};
  }
  auto semantics = store.request_semantics(request_hash);
  if (!semantics) {
    return {};
  }
  json request = json::parse(*semantics, nullptr, false);
  std::string out;
  if (request.is_object() && request.contains("messages") && request["messages"].is_array()) {
    for (const auto& m : request["messages"]) {
      if (m.is_object() && m.value("role", "") == "user" && m.contains("content") &&
          m["content"].is_string()) {
        out = m["content"].get<std::string>();
      }
    }
  }
  return out;
}

// A run's judged turns with their texts, in item order (positions as
// numbers: alpacaeval_2 before alpacaeval_10). Turns without a candidate
// answer (its request failed) have nothing to export and are counted.
std::vector<ExportedTurn>
exported_turns(harness::Store& store, const harness::RunRecord& run, long& without_answer)
{
  std::map<std::pair<std::string, int>, std::map<int, harness::JudgeCallRecord>> calls;
  for (auto& c : store.judge_calls(run.id)) {
    auto& slot = calls[{c.item_id, c.turn}][c.call_index];
    if (c.attempt >= slot.attempt) {
      slot = std::move(c); // the last attempt of each call
    }
  }
  std::vector<ExportedTurn> out;
  for (auto& v : store.verdicts(run.id)) {
    auto candidate =
        v.candidate_hash.empty() ? std::nullopt : store.find_response(v.candidate_hash);
    if (!candidate || v.status == "candidate_error") {
      ++without_answer;
      continue;
    }
    ExportedTurn t;
    t.answer = candidate->text;
    t.answer_tokens = candidate->usage.completion_tokens;
    t.question = last_user_message(store, v.candidate_hash);
    if (auto baseline =
            v.baseline_hash.empty() ? std::nullopt : store.find_response(v.baseline_hash)) {
      t.baseline_answer = baseline->text;
      t.baseline_tokens = baseline->usage.completion_tokens;
      // A reference answer has no reply's count: Arena-Hard's own token_len, kept with the item.
      if (auto n = reports::meta_number(v.meta_json, "baseline_token_len");
          t.baseline_tokens == 0 && n) {
        t.baseline_tokens = static_cast<int>(*n);
      }
    }
    for (const auto& [index, call] : calls[{v.item_id, v.turn}]) {
      t.games.push_back({last_user_message(store, call.request_hash), call.raw,
                         call.status == "ok" ? call.label : ""});
    }
    t.verdict = std::move(v);
    out.push_back(std::move(t));
  }
  auto order = [](const std::string& id) {
    const auto digits = static_cast<size_t>(
        std::find_if_not(id.rbegin(), id.rend(), [](unsigned char c) { return std::isdigit(c); }) -
        id.rbegin());
    const std::string prefix = id.substr(0, id.size() - digits);
    const long long number = digits == 0 || digits > 18 ? -1 : std::stoll(id.substr(prefix.size()));
    return std::make_tuple(prefix, number, id);
  };
  std::stable_sort(out.begin(), out.end(), [&](const ExportedTurn& a, const ExportedTurn& b) {
    return std::make_pair(order(a.verdict.item_id), a.verdict.turn) <
           std::make_pair(order(b.verdict.item_id), b.verdict.turn);
  });
  return out;
}

// A file name part from a model or judge name ("/" would make a folder).
std::string
file_part(std::string name)
{
  std::replace(name.begin(), name.end(), '/', '_');
  return name.empty() ? "unnamed" : name;
}

// The files of one export, by path: JSON Lines (line by line) or a JSON list.
struct ExportFiles
{
  std::map<fs::path, std::string> jsonl;
  std::map<fs::path, nlohmann::ordered_json> lists;
  // FastChat and Arena-Hard answer files: an item's line once per model.
  std::map<fs::path, std::map<std::string, std::string>> answers;

  void line(const fs::path& path, const nlohmann::ordered_json& record)
  {
    jsonl[path] += record.dump() + "\n";
  }
};

void
add_fastchat(ExportFiles& files, const fs::path& out, const harness::RunRecord& run,
             const std::vector<ExportedTurn>& turns)
{
  const bool pairwise = run.protocol == "pairwise";
  std::map<std::string, std::vector<std::string>> answers; // by item, turn by turn
  std::map<std::string, std::vector<std::string>> baseline_answers;
  auto keep = [](std::vector<std::string>& item, int turn, const std::string& text) {
    const auto at = static_cast<size_t>(std::max(turn, 1));
    item.resize(std::max(item.size(), at));
    item[at - 1] = text;
  };
  for (const auto& t : turns) {
    const auto& judge = t.verdict.judge_model_id;
    files.line(out / "model_judgment" /
                   fmt::format("{}_{}.jsonl", file_part(judge), pairwise ? "pair" : "single"),
               pairwise ? fastchat_pair_judgment(run, t) : fastchat_single_judgment(run, t));
    keep(answers[t.verdict.item_id], t.verdict.turn, t.answer);
    if (pairwise && !t.verdict.baseline_hash.empty()) {
      keep(baseline_answers[t.verdict.item_id], t.verdict.turn, t.baseline_answer);
    }
  }
  auto& file = files.answers[out / "model_answer" / (file_part(run.model) + ".jsonl")];
  for (const auto& [item, texts] : answers) {
    file[item] = fastchat_answer(run.model, item, texts).dump() + "\n";
  }
  // The baseline's answers too, as FastChat keeps every model's (model_2 of the judgments).
  if (!baseline_answers.empty()) {
    const std::string baseline = baseline_name(run);
    auto& theirs = files.answers[out / "model_answer" / (file_part(baseline) + ".jsonl")];
    for (const auto& [item, texts] : baseline_answers) {
      theirs[item] = fastchat_answer(baseline, item, texts).dump() + "\n";
    }
  }
}

void
add_arena_hard(ExportFiles& files, const fs::path& out, const harness::RunRecord& run,
               const std::vector<ExportedTurn>& turns)
{
  for (const auto& t : turns) {
    const auto& v = t.verdict;
    files.line(out / "model_judgment" / file_part(v.judge_model_id) /
                   (file_part(run.model) + ".jsonl"),
               arena_hard_judgment(run, t));
    files.answers[out / "model_answer" / (file_part(run.model) + ".jsonl")][v.item_id] =
        arena_hard_answer(run.model, v.item_id, t.answer, t.answer_tokens).dump() + "\n";
    if (!v.baseline_hash.empty()) {
      const std::string baseline = baseline_name(run);
      files.answers[out / "model_answer" / (file_part(baseline) + ".jsonl")][v.item_id] =
          arena_hard_answer(baseline, v.item_id, t.baseline_answer, t.baseline_tokens).dump() +
          "\n";
    }
  }
}

void
add_alpaca_eval(ExportFiles& files, const fs::path& out, const harness::RunRecord& run,
                const std::vector<ExportedTurn>& turns)
{
  // AlpacaEval's results/<model>/ folder.
  const auto folder = out / file_part(run.model);
  auto& outputs = files.lists[folder / "model_outputs.json"];
  outputs = nlohmann::ordered_json::array();
  for (const auto& t : turns) {
    outputs.push_back(alpaca_eval_output(run.model, t));
    auto& annotations =
        files.lists[folder / file_part(t.verdict.judge_model_id) / "annotations.json"];
    if (annotations.is_null()) {
      annotations = nlohmann::ordered_json::array();
    }
    annotations.push_back(alpaca_eval_annotation(run, t));
  }
}

} // namespace

int
export_command(const ExportOptions& options)
{
  if (!fs::exists(options.db)) {
    throw Fatal(fmt::format("{}: no such database (run an evaluation first, or pass --db)",
                            options.db.string()));
  }
  harness::Store store(options.db, harness::Store::Access::read_only);
  ExportFiles files;
  long exported = 0;
  long matched = 0;
  for (const auto& run : store.runs()) {
    if (!exported_as(run.protocol, options.format) ||
        (!options.bench.empty() && run.bench != options.bench) ||
        (!options.model.empty() && run.model != options.model) ||
        (!options.judge.empty() && run.judge != options.judge)) {
      continue;
    }
    ++matched;
    long without_answer = 0;
    const auto turns = exported_turns(store, run, without_answer);
    if (options.format == "fastchat") {
      add_fastchat(files, options.out, run, turns);
    } else if (options.format == "arena-hard") {
      add_arena_hard(files, options.out, run, turns);
    } else {
      add_alpaca_eval(files, options.out, run, turns);
    }
    exported += static_cast<long>(turns.size());
    fmt::print(stderr, "evalrun: run {} ({}, {} judged by {}): {} verdicts{}\n", run.id, run.bench,
               run.model, run.judge_model_id, turns.size(),
               without_answer ? fmt::format(" ({} without an answer left out)", without_answer)
                              : "");
  }
  if (matched > 0 && exported == 0) {
    throw Fatal(fmt::format("{}: {} run(s) to export as {}, but none has a judged turn with an "
                            "answer (their candidate requests failed); nothing was written",
                            options.db.string(), matched, options.format),
                2);
  }
  if (exported == 0) {
    throw Fatal(
        fmt::format("{}: no run to export as {} (the format holds runs of the {} protocol{})",
                    options.db.string(), options.format,
                    options.format == "fastchat"     ? "single or pairwise"
                    : options.format == "arena-hard" ? "arena_hard"
                                                     : "alpaca_eval",
                    options.bench.empty() && options.model.empty() && options.judge.empty()
                        ? ""
                        : ", with the filters given"),
        2);
  }
  std::map<fs::path, std::string> contents = std::move(files.jsonl);
  for (const auto& [path, list] : files.lists) {
    contents[path] = list.dump(2) + "\n"; // pretty-printed, as the tools write them
  }
  for (const auto& [path, lines] : files.answers) {
    std::string text;
    for (const auto& [item, line] : lines) {
      text += line;
    }
    contents[path] = std::move(text);
  }
  for (const auto& [path, text] : contents) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (auto written = harness::write_file_atomic(path, text); !written) {
      throw harness::write_failure(written.error());
    }
    fmt::print(stderr, "evalrun: wrote {}\n", path.string());
  }
  return 0;
}

} // namespace cli
