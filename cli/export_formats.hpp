#pragma once

#include <harness/store.hpp>

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

// The records of the reference tools' files (FastChat, Arena-Hard-Auto,
// AlpacaEval), made from a run's verdicts: what `evalrun export` writes and
// `evalrun import` reads back. Pure: the command reads the store and writes
// the files.
namespace cli {

// One judged turn of a run, with the texts behind it.
struct ExportedTurn
{
  harness::VerdictRecord verdict;
  std::string question;        // the last user message the candidate answered
  std::string answer;          // the candidate's answer ("" when it has none)
  std::string baseline_answer; // pairwise: the baseline's
  int answer_tokens = 0;       // completion tokens, as the server counted them
  int baseline_tokens = 0;
  // Per judge call, in call order (its last attempt): the user message the
  // judge was sent, its reply and the label read ("" when none was read).
  struct Game
  {
    std::string user_prompt;
    std::string judgment;
    std::string label;
  };
  std::vector<Game> games;
};

// The name of a run's baseline: its endpoint, or for "references" the model
// that wrote them (the config's references_model), as the tools name files.
std::string baseline_name(const harness::RunRecord& run);

// FastChat's question ids are numbers: an item id that is one is written as one.
nlohmann::ordered_json fastchat_question_id(const std::string& item_id);

// A line of FastChat's model_judgment/<judge>_single.jsonl (gen_judgment.py's
// single match): score -1 when no rating was read.
nlohmann::ordered_json fastchat_single_judgment(const harness::RunRecord& run,
                                                const ExportedTurn& turn);

// A line of FastChat's model_judgment/<judge>_pair.jsonl: model_1 is the
// run's model (shown first, as A, in game 1), model_2 its baseline; each
// game's winner named by model, "error" when the game has no verdict.
nlohmann::ordered_json fastchat_pair_judgment(const harness::RunRecord& run,
                                              const ExportedTurn& turn);

// A line of FastChat's model_answer/<model>.jsonl: one item's answers, turn by turn.
nlohmann::ordered_json fastchat_answer(const std::string& model, const std::string& item_id,
                                       const std::vector<std::string>& answers);

// A line of Arena-Hard-Auto's model_judgment/<judge>/<model>.jsonl: the two
// games (the baseline first as A, then the model), each with its label as
// `score` (null when none was read).
nlohmann::ordered_json arena_hard_judgment(const harness::RunRecord& run, const ExportedTurn& turn);

// A line of Arena-Hard-Auto's model_answer/<model>.jsonl.
nlohmann::ordered_json arena_hard_answer(const std::string& model, const std::string& item_id,
                                         const std::string& answer, int tokens);

// An element of AlpacaEval's annotations.json: output_1 is the baseline's
// (generator_1), output_2 the model's; `preference` the weighted preference
// (1 to 2), null for an annotation that failed.
nlohmann::ordered_json alpaca_eval_annotation(const harness::RunRecord& run,
                                              const ExportedTurn& turn);

// An element of AlpacaEval's model_outputs.json.
nlohmann::ordered_json alpaca_eval_output(const std::string& model, const ExportedTurn& turn);

} // namespace cli
