#include <judges/arena_hard.hpp>
#include <judges/extract.hpp>

#include <harness/template.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>

namespace judges {

using harness::CallVerdict;
using harness::Error;
using harness::JudgeCall;
using harness::ParseStatus;
using harness::Result;

namespace {

constexpr std::array<std::string_view, 5> k_labels = {"A>>B", "A>B", "A=B", "B>A", "B>>A"};

bool
is_known(const std::string& label)
{
  return std::find(k_labels.begin(), k_labels.end(), label) != k_labels.end();
}

} // namespace

ArenaHardJudge::ArenaHardJudge(harness::RubricSpec rubric, const harness::JudgeSpec& spec)
    : RubricJudge(std::move(rubric), spec)
{}

Result<std::vector<JudgeCall>>
ArenaHardJudge::build(const harness::JudgeInput& input) const
{
  const auto& item = input.item;
  if (input.turn > 0) {
    return Error(Error::Kind::config,
                 fmt::format("item {}: arena_hard judges single-turn questions only", item.id));
  }
  for (const char* name : {k_prompt, k_continue}) {
    if (!m_rubric.prompts.count(name)) {
      return Error(Error::Kind::config,
                   fmt::format("rubric {} has no prompt '{}'", m_rubric.id(), name));
    }
  }
  const auto& prompt = m_rubric.prompts.at(k_prompt);
  std::string question =
      m_spec.show_system && item.system ? item.system->text + "\n" + item.turns[0] : item.turns[0];
  std::vector<JudgeCall> calls;
  // Game 1: the baseline is Assistant A; game 2: the model is.
  for (bool baseline_first : {true, false}) {
    const auto& a = baseline_first ? *input.baseline : input.answers;
    const auto& b = baseline_first ? input.answers : *input.baseline;
    harness::TemplateVars vars{{"question_1", question}, {"answer_1", a[0]}, {"answer_2", b[0]}};
    auto user =
        harness::render_template(prompt.template_text, vars, harness::TemplateSyntax::mustache);
    if (!user) {
      return Error(Error::Kind::config, fmt::format("rubric {} prompt '{}': {}", m_rubric.id(),
                                                    k_prompt, user.error().message));
    }
    JudgeCall call;
    call.messages = {{harness::Role::system, prompt.system}, {harness::Role::user, *user}};
    call.params = m_params;
    call.prompt_id = k_prompt;
    call.position = baseline_first ? "baseline-first" : "model-first";
    calls.push_back(std::move(call));
  }
  return calls;
}

std::string
ArenaHardJudge::judgment_text(const JudgeCall& call, const std::string& reply)
{
  std::string out;
  for (const auto& m : call.messages) {
    if (m.role == harness::Role::assistant) {
      out += "\n" + m.content;
    }
  }
  return out + "\n" + reply;
}

std::vector<std::string>
ArenaHardJudge::labels_in(const std::string& judgment) const
{
  std::vector<std::string> distinct;
  for (auto& label : all_captures(judgment, m_rubric.pattern)) {
    if (!label.empty() && std::find(distinct.begin(), distinct.end(), label) == distinct.end()) {
      distinct.push_back(std::move(label));
    }
  }
  return distinct;
}

CallVerdict
ArenaHardJudge::parse(const JudgeCall& call, const harness::Response& reply) const
{
  CallVerdict v;
  auto labels = labels_in(judgment_text(call, reply.text));
  if (labels.empty()) {
    v.status = ParseStatus::parse_failed;
    v.detail = reply.text.empty() ? "empty judgment" : "no [[...]] verdict label";
  } else if (labels.size() > 1) {
    v.status = ParseStatus::parse_failed;
    v.detail = fmt::format("conflicting labels: {}", fmt::join(labels, ", "));
  } else {
    v = game_verdict(labels.front());
  }
  return v;
}

CallVerdict
ArenaHardJudge::game_verdict(const std::string& label)
{
  CallVerdict v;
  v.label = label;
  v.status = is_known(label) ? ParseStatus::ok : ParseStatus::out_of_range;
  v.detail = v.status == ParseStatus::ok
                 ? label
                 : fmt::format("label {} is not one of {}", label, fmt::join(k_labels, ", "));
  return v;
}

std::optional<JudgeCall>
ArenaHardJudge::follow_up(const JudgeCall& call, const harness::Response& reply,
                          const CallVerdict& verdict, int attempt) const
{
  // Only a judgment without any label is continued (conflicting labels are final).
  if (verdict.status != ParseStatus::parse_failed || attempt + 1 >= k_attempts ||
      !labels_in(judgment_text(call, reply.text)).empty()) {
    return std::nullopt;
  }
  JudgeCall next = call;
  next.messages.push_back({harness::Role::assistant, reply.text});
  next.messages.push_back({harness::Role::user, m_rubric.prompts.at(k_continue).template_text});
  return next;
}

harness::Verdict
ArenaHardJudge::combine(const harness::JudgeInput&, const std::vector<CallVerdict>& calls) const
{
  return verdict_from_games(calls);
}

harness::Verdict
ArenaHardJudge::verdict_from_games(const std::vector<CallVerdict>& calls)
{
  harness::Verdict v;
  std::vector<std::string> notes;
  bool any_ok = false;
  bool any_label = false;
  for (size_t g = 0; g < calls.size(); ++g) {
    const auto& c = calls[g];
    v.labels.push_back(c.label);
    any_ok = any_ok || c.status == ParseStatus::ok;
    any_label = any_label || !c.label.empty();
    notes.push_back(fmt::format("game {} ({} as A): {}", g + 1, g == 0 ? "baseline" : "model",
                                c.status == ParseStatus::ok ? c.label : "dropped, " + c.detail));
  }
  v.status = any_ok      ? ParseStatus::ok
             : any_label ? ParseStatus::out_of_range
                         : ParseStatus::parse_failed;
  v.detail = fmt::format("{}", fmt::join(notes, "; "));
  return v;
}

} // namespace judges
