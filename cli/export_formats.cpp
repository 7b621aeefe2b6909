#include <cli/export_formats.hpp>

#include <harness/request_hash.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace cli {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

// Per game, the label read ("" none), from the verdict's labels.
std::vector<std::string>
labels_of(const harness::VerdictRecord& v)
{
  json labels = json::parse(v.labels_json.empty() ? "[]" : v.labels_json, nullptr, false);
  std::vector<std::string> out;
  if (labels.is_array()) {
    for (const auto& l : labels) {
      out.push_back(l.is_string() ? l.get<std::string>() : "");
    }
  }
  return out;
}

// Per game, its position ("model-first" or "baseline-first").
std::vector<std::string>
positions_of(const harness::VerdictRecord& v)
{
  std::vector<std::string> out;
  for (size_t at = 0; at <= v.position.size();) {
    const size_t comma = std::min(v.position.find(',', at), v.position.size());
    out.push_back(v.position.substr(at, comma - at));
    at = comma + 1;
  }
  return out;
}

const ExportedTurn::Game&
game(const ExportedTurn& turn, size_t i)
{
  static const ExportedTurn::Game none;
  return i < turn.games.size() ? turn.games[i] : none;
}

// A stable stand-in for the tools' random answer ids: 22 characters, as shortuuid's.
std::string
answer_id(const std::string& model, const std::string& item_id)
{
  return harness::sha256_hex(model + '\n' + item_id).substr(0, 22);
}

} // namespace

std::string
baseline_name(const harness::RunRecord& run)
{
  if (run.baseline != "references") {
    return run.baseline;
  }
  json config = json::parse(run.config_json, nullptr, false);
  const json model = config.is_object() ? config.value("references_model", json()) : json();
  return model.is_string() && !model.get<std::string>().empty() ? model.get<std::string>()
                                                                : run.baseline;
}

ordered_json
fastchat_question_id(const std::string& item_id)
{
  const bool number = !item_id.empty() && item_id.size() < 10 &&
                      std::all_of(item_id.begin(), item_id.end(),
                                  [](unsigned char c) { return std::isdigit(c) != 0; });
  return number ? ordered_json(std::stol(item_id)) : ordered_json(item_id);
}

ordered_json
fastchat_single_judgment(const harness::RunRecord& run, const ExportedTurn& turn)
{
  const auto& v = turn.verdict;
  return {{"question_id", fastchat_question_id(v.item_id)},
          {"model", run.model},
          {"judge", {v.judge_model_id, v.prompt_id}},
          {"user_prompt", game(turn, 0).user_prompt},
          {"judgment", game(turn, 0).judgment},
          {"score", v.status == "ok" && v.score ? *v.score : -1.0},
          {"turn", v.turn}};
}

ordered_json
fastchat_pair_judgment(const harness::RunRecord& run, const ExportedTurn& turn)
{
  const auto& v = turn.verdict;
  const auto labels = labels_of(v);
  const auto positions = positions_of(v);
  // FastChat's game 1 shows model_1 (the run's model) first; game 2 model_2.
  size_t g1 = 0;
  size_t g2 = 1;
  if (!positions.empty() && positions[0] == "baseline-first") {
    std::swap(g1, g2);
  }
  auto winner = [&](size_t g, const char* first, const char* second) -> std::string {
    const std::string label = g < labels.size() ? labels[g] : "";
    return label == "A" ? first : label == "B" ? second : label == "tie" ? "tie" : "error";
  };
  return {{"question_id", fastchat_question_id(v.item_id)},
          {"model_1", run.model},
          {"model_2", baseline_name(run)},
          {"g1_winner", winner(g1, "model_1", "model_2")},
          {"g2_winner", winner(g2, "model_2", "model_1")},
          {"judge", {v.judge_model_id, v.prompt_id}},
          {"g1_user_prompt", game(turn, g1).user_prompt},
          {"g1_judgment", game(turn, g1).judgment},
          {"g2_user_prompt", game(turn, g2).user_prompt},
          {"g2_judgment", game(turn, g2).judgment},
          {"turn", v.turn}};
}

ordered_json
fastchat_answer(const std::string& model, const std::string& item_id,
                const std::vector<std::string>& answers)
{
  return {{"question_id", fastchat_question_id(item_id)},
          {"answer_id", answer_id(model, item_id)},
          {"model_id", model},
          {"choices", ordered_json::array({{{"index", 0}, {"turns", answers}}})}};
}

ordered_json
arena_hard_judgment(const harness::RunRecord& run, const ExportedTurn& turn)
{
  const auto& v = turn.verdict;
  const auto labels = labels_of(v);
  const auto positions = positions_of(v);
  ordered_json games = ordered_json::array();
  // Upstream's game 1 shows the baseline first; game 2 the model.
  for (const char* first : {"baseline-first", "model-first"}) {
    size_t g = static_cast<size_t>(std::find(positions.begin(), positions.end(), first) -
                                   positions.begin());
    if (g >= positions.size() || g >= turn.games.size()) {
      continue;
    }
    const std::string label = g < labels.size() ? labels[g] : "";
    games.push_back({{"user_prompt", turn.games[g].user_prompt},
                     {"judgment", turn.games[g].judgment},
                     {"score", label.empty() ? ordered_json(nullptr) : ordered_json(label)}});
  }
  return {{"question_id", v.item_id},
          {"model", run.model},
          {"judge", v.judge_model_id},
          {"games", std::move(games)}};
}

ordered_json
arena_hard_answer(const std::string& model, const std::string& item_id, const std::string& answer,
                  int tokens)
{
  return {{"question_id", item_id},
          {"answer_id", answer_id(model, item_id)},
          {"model_id", model},
          {"choices", json::array({{{"index", 0},
                                    {"turns", ordered_json::array({{{"content", answer},
                                                                    {"token_len", tokens}}})}}})}};
}

ordered_json
alpaca_eval_annotation(const harness::RunRecord& run, const ExportedTurn& turn)
{
  const auto& v = turn.verdict;
  return {
      {"instruction", turn.question},
      {"output_1", turn.baseline_answer},
      {"generator_1", baseline_name(run)},
      {"dataset", v.category},
      {"output_2", turn.answer},
      {"generator_2", run.model},
      {"annotator", v.judge_model_id},
      {"preference", v.status == "ok" && v.score ? ordered_json(*v.score) : ordered_json(nullptr)},
      {"raw_completion", game(turn, 0).judgment}};
}

ordered_json
alpaca_eval_output(const std::string& model, const ExportedTurn& turn)
{
  return {{"instruction", turn.question},
          {"output", turn.answer},
          {"generator", model},
          {"dataset", turn.verdict.category}};
}

} // namespace cli
