#pragma once

#include <judges/rubric_judge.hpp>

namespace judges {

// Arena-Hard-Auto v0.1's judge (rubric arena-hard; upstream gen_judgment.py).
// Every question is judged in two games: game 1 shows the baseline as
// Assistant A and the model as B, game 2 the other way round. A game's label
// is read from the judge's whole output so far (its replies joined, each
// after a newline): exactly one distinct match of the rubric's pattern is the
// label; several distinct labels are no verdict; no label at all makes the
// judge continue once, its reply kept in the conversation and the rubric's
// `continue` message appended. A label other than A>>B, A>B, A=B, B>A, B>>A
// is kept but rated out_of_range. The turn's verdict holds both games'
// labels ("" for a game without one) and is ok when either game has one;
// Bradley–Terry aggregation happens in reports.
class ArenaHardJudge final : public RubricJudge
{
public:
  ArenaHardJudge(harness::RubricSpec rubric, const harness::JudgeSpec& spec);

  std::string protocol() const override { return "arena_hard"; }
  bool needs_baseline() const override { return true; }
  bool parse_reads_messages() const override { return true; } // a continued game's judgment
  harness::Result<std::vector<harness::JudgeCall>>
  build(const harness::JudgeInput& input) const override;
  harness::CallVerdict parse(const harness::JudgeCall& call,
                             const harness::Response& reply) const override;
  std::optional<harness::JudgeCall> follow_up(const harness::JudgeCall& call,
                                              const harness::Response& reply,
                                              const harness::CallVerdict& verdict,
                                              int attempt) const override;
  harness::Verdict combine(const harness::JudgeInput& input,
                           const std::vector<harness::CallVerdict>& calls) const override;

  // The prompt (rubric prompt name) and how many calls a game may take.
  static constexpr const char* k_prompt = "arena-hard-v0.1";
  static constexpr const char* k_continue = "continue";
  static constexpr int k_attempts = 2; // number_of_judgment_attempts

  // A game's verdict from its one label: ok for the five verdict labels,
  // out_of_range for any other.
  static harness::CallVerdict game_verdict(const std::string& label);
  // The turn's verdict from its games' verdicts (combine() without the input).
  static harness::Verdict verdict_from_games(const std::vector<harness::CallVerdict>& games);

  // The distinct labels of `judgment` in order of first appearance.
  std::vector<std::string> labels_in(const std::string& judgment) const;
  // The judge's output so far for `call` answered with `reply`: every
  // assistant message of the call and the reply, each after a newline.
  static std::string judgment_text(const harness::JudgeCall& call, const std::string& reply);
};

} // namespace judges
