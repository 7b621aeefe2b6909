#include <judges/flask.hpp>

#include <harness/template.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace judges {

using harness::CallVerdict;
using harness::Error;
using harness::JudgeCall;
using harness::ParseStatus;
using harness::Result;

namespace {

// A tiny reader for the Python dict literals FLASK judges write:
// {'key': 3, "other": 'n/a', ...}.
class LiteralReader
{
public:
  explicit LiteralReader(std::string_view text) : m_text(text) {}

  std::optional<std::map<std::string, std::optional<double>>> dict()
  {
    std::map<std::string, std::optional<double>> out;
    if (!eat('{')) {
      return std::nullopt;
    }
    skip();
    if (eat('}')) {
      return out;
    }
    for (;;) {
      auto key = string_literal();
      if (!key || !eat(':')) {
        return std::nullopt;
      }
      skip();
      std::optional<double> value;
      if (peek() == '\'' || peek() == '"') {
        auto text = string_literal();
        if (!text) {
          return std::nullopt;
        }
        if (*text != "na" && *text != "n/a" && *text != "not applicable") {
          return std::nullopt; // a string that is not N/A is no score
        }
      } else {
        value = number();
        if (!value) {
          return std::nullopt;
        }
      }
      out[*key] = value;
      skip();
      if (eat('}')) {
        return out;
      }
      if (!eat(',')) {
        return std::nullopt;
      }
      skip();
      if (eat('}')) {
        return out; // trailing comma
      }
    }
  }

private:
  char peek() const { return m_pos < m_text.size() ? m_text[m_pos] : '\0'; }
  void skip()
  {
    while (m_pos < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[m_pos]))) {
      ++m_pos;
    }
  }
  bool eat(char c)
  {
    skip();
    if (peek() == c) {
      ++m_pos;
      return true;
    }
    return false;
  }
  std::optional<std::string> string_literal()
  {
    skip();
    char quote = peek();
    if (quote != '\'' && quote != '"') {
      return std::nullopt;
    }
    ++m_pos;
    std::string out;
    while (m_pos < m_text.size() && m_text[m_pos] != quote) {
      if (m_text[m_pos] == '\\' && m_pos + 1 < m_text.size()) {
        ++m_pos;
      }
      out.push_back(m_text[m_pos++]);
    }
    if (m_pos >= m_text.size()) {
      return std::nullopt;
    }
    ++m_pos;
    return out;
  }
  std::optional<double> number()
  {
    skip();
    size_t start = m_pos;
    while (m_pos < m_text.size() &&
           (std::isdigit(static_cast<unsigned char>(m_text[m_pos])) || m_text[m_pos] == '.' ||
            m_text[m_pos] == '-' || m_text[m_pos] == '+')) {
      ++m_pos;
    }
    double value = 0;
    std::string digits(m_text.substr(start, m_pos - start));
    if (!digits.empty() && digits.front() == '+') {
      digits.erase(0, 1);
    }
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size()) {
      return std::nullopt;
    }
    return value;
  }

  std::string_view m_text;
  size_t m_pos = 0;
};

std::string
lower(std::string s)
{
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

} // namespace

std::optional<std::map<std::string, std::optional<double>>>
parse_flask_scores(std::string_view reply)
{
  // The last {[^}]+}.
  size_t close = reply.rfind('}');
  while (close != std::string_view::npos) {
    size_t open = reply.rfind('{', close);
    if (open == std::string_view::npos) {
      return std::nullopt;
    }
    if (close > open + 1) {
      std::string part(reply.substr(open, close - open + 1));
      std::erase(part, '\n');
      std::replace(part.begin(), part.end(), '_', ' ');
      return LiteralReader(lower(part)).dict();
    }
    close = open == 0 ? std::string_view::npos : reply.rfind('}', open - 1);
  }
  return std::nullopt;
}

Result<std::vector<JudgeCall>>
FlaskJudge::build(const harness::JudgeInput& input) const
{
  const auto& item = input.item;
  auto labels = item.meta.find("skills");
  if (labels == item.meta.end() || labels->second.empty()) {
    return Error(Error::Kind::config, fmt::format("item {} has no skills to grade", item.id));
  }
  if (item.references.empty()) {
    return Error(Error::Kind::config, fmt::format("item {} has no ground-truth answer", item.id));
  }
  std::string skills;
  for (const auto& label : labels->second) {
    auto skill = std::find_if(
        m_rubric.criteria.begin(), m_rubric.criteria.end(),
        [&](const harness::Rubric& r) { return r.name.find(label) != std::string::npos; });
    if (skill == m_rubric.criteria.end()) {
      return Error(Error::Kind::config, fmt::format("item {}: unknown skill '{}'", item.id, label));
    }
    skills += fmt::format("\n{}: {}", skill->name, skill->criteria);
    for (const char* k : {"1", "2", "3", "4", "5"}) {
      skills += fmt::format("\nScore {}: {}", k, skill->score_descriptions.at(k));
    }
    skills += "\n\n";
  }
  const auto& prompt = m_rubric.prompts.at("default");
  auto user = harness::render_template(prompt.template_text,
                                       {{"skills", skills},
                                        {"question", item.turns[input.turn]},
                                        {"sample_answer", item.references[0]},
                                        {"response", input.answers[input.turn]}},
                                       harness::TemplateSyntax::mustache);
  if (!user) {
    return Error(Error::Kind::config,
                 fmt::format("rubric {}: {}", m_rubric.id(), user.error().message));
  }
  JudgeCall call;
  call.messages = {{harness::Role::system, prompt.system}, {harness::Role::user, *user}};
  call.params = m_params;
  call.prompt_id = "flask-prompt-2";
  call.position = "single";
  return std::vector<JudgeCall>{std::move(call)};
}

CallVerdict
FlaskJudge::parse(const JudgeCall&, const harness::Response& reply) const
{
  CallVerdict v;
  auto scores = parse_flask_scores(reply.text);
  if (!scores || scores->empty()) {
    v.status = ParseStatus::parse_failed;
    v.detail =
        reply.text.empty() ? "empty judgment" : "no Python dict of skill scores in the judgment";
    return v;
  }
  for (const auto& [skill, score] : *scores) {
    if (score && ((m_rubric.scale_min && *score < *m_rubric.scale_min) ||
                  (m_rubric.scale_max && *score > *m_rubric.scale_max))) {
      v.status = ParseStatus::out_of_range;
      v.detail = fmt::format("{}: {} is outside the scale", skill, *score);
      return v;
    }
  }
  v.status = ParseStatus::ok;
  v.criteria = std::move(*scores);
  return v;
}

harness::Verdict
FlaskJudge::combine(const harness::JudgeInput& input, const std::vector<CallVerdict>& calls) const
{
  harness::Verdict v = harness::single_call_verdict(calls);
  if (v.status != ParseStatus::ok) {
    return v;
  }
  // Keep the instance's skills, named as FLASK's aggregation names them.
  std::map<std::string, std::optional<double>> per_skill;
  double sum = 0;
  int n = 0;
  std::vector<std::string> missing;
  for (const auto& label : input.item.meta.at("skills")) {
    auto it = calls.front().criteria.find(lower(label));
    if (it == calls.front().criteria.end()) {
      missing.push_back(label);
      continue;
    }
    per_skill[label] = it->second;
    if (it->second) {
      sum += *it->second;
      ++n;
    }
  }
  v.criteria = std::move(per_skill);
  v.score = n ? std::optional(sum / n) : std::nullopt;
  if (!missing.empty()) {
    v.detail = fmt::format("no score for {}", fmt::join(missing, ", "));
  }
  if (v.criteria.empty()) {
    v.status = ParseStatus::parse_failed;
    v.detail = "the dict names none of the instance's skills";
  }
  return v;
}

} // namespace judges
