#pragma once

#include <harness/error.hpp>
#include <harness/types.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

// What a judge sees: one item, the turn being judged (0-based), the
// candidate's answers to turns 0..turn and, for pairwise protocols, the
// baseline's.
struct JudgeInput
{
  const Item& item;
  size_t turn;
  const std::vector<std::string>& answers;
  const std::vector<std::string>* baseline = nullptr;
};

// One request a judge wants sent (the runner picks endpoint and model).
struct JudgeCall
{
  std::vector<Message> messages;
  GenParams params;
  std::string prompt_id; // e.g. "single-math-v1-multi-turn"
  std::string position;  // e.g. "single", "model-first", "baseline-first", "rubric 2, run 1"
  // 0, or k for the k-th re-sample of the same messages (sent with another seed).
  int resample = 0;
};

enum class ParseStatus { ok, parse_failed, out_of_range };

// Stable lower-case name, as stored ("ok", "parse_failed", "out_of_range").
std::string_view to_string(ParseStatus status);

// What one judge reply said.
struct CallVerdict
{
  ParseStatus status = ParseStatus::parse_failed;
  std::optional<double> value;                           // a score, or AlpacaEval's preference
  std::string label;                                     // a choice such as "A", "B" or "tie"
  std::map<std::string, std::optional<double>> criteria; // per skill; nullopt = N/A
  std::string detail;                                    // why it failed to parse, or what was read
};

// The verdict on one turn, combined from its calls.
struct Verdict
{
  ParseStatus status = ParseStatus::parse_failed;
  std::optional<double> score; // single/absolute score, AlpacaEval preference (1..2)
  std::string winner;          // pairwise: "model", "baseline" or "tie"
  std::map<std::string, std::optional<double>> criteria;
  std::vector<std::string> labels; // per call, the label it read ("" for none): Arena-Hard's games
  std::string detail;
};

// A judging protocol as pure code: it builds requests and parses replies;
// the runner does all I/O. Implementations are stateless after construction.
class Judge
{
public:
  virtual ~Judge() = default;
  virtual std::string protocol() const = 0;
  // name@version of the rubric, recorded with every verdict.
  virtual std::string rubric() const = 0;
  // True when build() needs JudgeInput::baseline.
  virtual bool needs_baseline() const { return false; }
  // How many more times a call whose reply does not parse is sampled again.
  virtual int resamples() const { return 0; }
  // Whether parse() reads its call's messages. When it does not, the runner
  // lets go of a first call's messages once they are in the request (a judge
  // prompt is not held again beside the request in flight) and builds them
  // again for a follow-up.
  virtual bool parse_reads_messages() const { return false; }
  // The call to send after `call` (attempt `attempt`, 0 for the first) was
  // answered with `reply`, read as `verdict`, a verdict not ok (the runner
  // asks only then); nullopt when the call is done. By default, a reply that
  // does not parse is re-sampled (the same call, resample + 1) up to
  // resamples() times; a protocol may instead continue the conversation
  // (Arena-Hard asks the judge to finish its verdict).
  virtual std::optional<JudgeCall> follow_up(const JudgeCall& call, const Response& reply,
                                             const CallVerdict& verdict, int attempt) const;
  // The calls for one turn; an Error when the item lacks what the prompt
  // needs. No calls means combine() decides alone (e.g. identical outputs).
  virtual Result<std::vector<JudgeCall>> build(const JudgeInput& input) const = 0;
  // Reads one reply; failures are CallVerdicts, never exceptions.
  virtual CallVerdict parse(const JudgeCall& call, const Response& reply) const = 0;
  // The turn's verdict from its calls' verdicts (same order as build()).
  virtual Verdict combine(const JudgeInput& input, const std::vector<CallVerdict>& calls) const = 0;
};

// combine() for one-call protocols: the call's verdict as is.
Verdict single_call_verdict(const std::vector<CallVerdict>& calls);

// Why `judge` cannot judge some turns of `items` ("item ID, turn N: why", at
// most `limit` of them; empty when every turn can be judged), found by
// building every turn's calls with placeholder answers, so before anything is
// sent: a template variable the protocol does not set, rubrics, skills or
// references an item lacks. The baseline answers are the items' references
// when `baseline_from_references`.
std::vector<std::string> unjudgeable(const Judge& judge, const std::vector<Item>& items,
                                     bool baseline_from_references, size_t limit = 5);
// The same for one item: appends its problems to `out` while it holds fewer than `limit`.
void add_unjudgeable(const Judge& judge, const Item& item, bool baseline_from_references,
                     size_t limit, std::vector<std::string>& out);

} // namespace harness
