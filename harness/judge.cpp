#include <harness/judge.hpp>

#include <fmt/format.h>

namespace harness {

std::string_view
to_string(ParseStatus status)
{
  switch (status) {
  case ParseStatus::ok: return "ok";
  case ParseStatus::parse_failed: return "parse_failed";
  case ParseStatus::out_of_range: return "out_of_range";
  }
  return "parse_failed";
}

std::optional<JudgeCall>
Judge::follow_up(const JudgeCall& call, const Response&, const CallVerdict& verdict,
                 int attempt) const
{
  if (verdict.status == ParseStatus::ok || attempt >= resamples()) {
    return std::nullopt;
  }
  JudgeCall again = call;
  again.resample = attempt + 1;
  return again;
}

Verdict
single_call_verdict(const std::vector<CallVerdict>& calls)
{
  Verdict v;
  if (calls.empty()) {
    v.detail = "no judge call";
    return v;
  }
  const auto& c = calls.front();
  v.status = c.status;
  v.score = c.status == ParseStatus::ok ? c.value : std::nullopt;
  v.criteria = c.criteria;
  v.detail = c.detail;
  return v;
}

void
add_unjudgeable(const Judge& judge, const Item& item, bool baseline_from_references, size_t limit,
                std::vector<std::string>& out)
{
  std::vector<std::string> answers;
  std::vector<std::string> baseline;
  for (size_t t = 0; t < item.turns.size(); ++t) {
    answers.push_back("(the candidate's answer)");
    baseline.push_back(baseline_from_references && t < item.references.size()
                           ? item.references[t]
                           : "(the baseline's answer)");
  }
  for (size_t t = 0; t < item.turns.size() && out.size() < limit; ++t) {
    JudgeInput input{item, t, answers, judge.needs_baseline() ? &baseline : nullptr};
    if (auto calls = judge.build(input); !calls) {
      out.push_back(fmt::format("item {}, turn {}: {}", item.id, t + 1, calls.error().message));
    }
  }
}

std::vector<std::string>
unjudgeable(const Judge& judge, const std::vector<Item>& items, bool baseline_from_references,
            size_t limit)
{
  std::vector<std::string> out;
  for (const auto& item : items) {
    if (out.size() >= limit) {
      break;
    }
    add_unjudgeable(judge, item, baseline_from_references, limit, out);
  }
  return out;
}

} // namespace harness
