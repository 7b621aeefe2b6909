#include <harness/judge.hpp>

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

} // namespace harness
