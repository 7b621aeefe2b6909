#pragma once

#include <harness/error.hpp>
#include <harness/types.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

// What a judge sees: one item, the turn being judged (0-based) and the
// candidate's answers to turns 0..turn.
struct JudgeInput
{
  const Item& item;
  size_t turn;
  const std::vector<std::string>& answers;
};

// One request a judge wants sent (the runner picks endpoint and model).
struct JudgeCall
{
  std::vector<Message> messages;
  GenParams params;
  std::string prompt_id; // e.g. "single-math-v1-multi-turn"
};

struct Verdict
{
  enum class Status { ok, parse_failed, out_of_range };
  Status status = Status::parse_failed;
  std::optional<double> score; // set when status is ok
  std::string detail;          // why parsing failed, or what matched
};

// Stable lower-case name, as stored ("ok", "parse_failed", "out_of_range").
std::string_view to_string(Verdict::Status status);

// A judging protocol as pure code: it builds requests and parses replies;
// the runner does all I/O. Implementations must be stateless after
// construction (build and parse may be called in any order).
class Judge
{
public:
  virtual ~Judge() = default;
  virtual std::string protocol() const = 0;
  // Name@version of the prompt set, recorded with the run.
  virtual std::string rubric() const = 0;
  // The judge request for one turn; an Error if the item lacks what the
  // prompt needs (e.g. a reference answer).
  virtual Result<JudgeCall> build(const JudgeInput& input) const = 0;
  // Parses the judge's reply; failures are Verdicts, never exceptions.
  virtual Verdict parse(std::string_view judgment) const = 0;
};

} // namespace harness
