#include <harness/judge.hpp>

namespace harness {

std::string_view
to_string(Verdict::Status status)
{
  switch (status) {
  case Verdict::Status::ok: return "ok";
  case Verdict::Status::parse_failed: return "parse_failed";
  case Verdict::Status::out_of_range: return "out_of_range";
  }
  return "parse_failed";
}

} // namespace harness
