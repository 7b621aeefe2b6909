#include <reports/served_by.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace reports {

namespace {

std::string
version_of(const harness::Store::ServedBy& s)
{
  if (s.fingerprint.empty()) {
    return s.model;
  }
  return s.model.empty() ? s.fingerprint : s.model + " " + s.fingerprint;
}

} // namespace

std::vector<std::string>
served_versions(const std::vector<harness::Store::ServedBy>& served)
{
  std::vector<std::string> out;
  for (const auto& s : served) {
    auto v = version_of(s);
    if (!v.empty() && std::find(out.begin(), out.end(), v) == out.end()) {
      out.push_back(std::move(v));
    }
  }
  return out;
}

std::string
describe_served(const std::string& role, const std::vector<harness::Store::ServedBy>& served)
{
  std::string out;
  for (const auto& s : served) {
    const auto v = version_of(s);
    if (!v.empty()) {
      out += fmt::format("{}{} ({} request{})", out.empty() ? "" : ", ", v, s.requests,
                         s.requests == 1 ? "" : "s");
    }
  }
  if (out.empty()) {
    return out;
  }
  out = role + " served as " + out;
  if (served_versions(served).size() > 1) {
    out += ": it changed within the run";
  }
  return out;
}

} // namespace reports
