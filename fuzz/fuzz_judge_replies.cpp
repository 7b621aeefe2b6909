// libFuzzer target: every judge protocol's reply reader. The judges are made
// from the shipped rubrics (rubrics/*.yaml under the source folder), their
// calls built for one item; the input is the judge's reply text, its top
// logprobs read from lines "TOKEN LOGPROB", and, when it decodes, a chat
// completion whose text and logprobs are the reply. Each call's reply is
// parsed, followed up (Arena-Hard continues a judgment without a label) and
// combined: verdicts, never exceptions, and no score that is not a number.

#include "fuzz_check.hpp"

#include <judges/registry.hpp>

#include <harness/client/openai_wire.hpp>
#include <harness/config.hpp>
#include <harness/rubric_spec.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace harness;

namespace {

struct Protocol
{
  std::unique_ptr<Judge> judge;
  std::vector<JudgeCall> calls;
};

struct Fixture
{
  Item item;
  std::vector<std::string> answers = {"The model's answer."};
  std::vector<std::string> baseline = {"The baseline's answer."};
  std::vector<Protocol> protocols;

  JudgeInput input() const { return JudgeInput{item, 0, answers, &baseline}; }
};

[[noreturn]] void
die(const std::string& why)
{
  std::fprintf(stderr, "fuzz_judge_replies: %s\n", why.c_str());
  std::abort();
}

const Fixture&
fixture()
{
  static const Fixture* f = [] {
    auto* out = new Fixture;
    out->item.id = "fuzz-1";
    out->item.category = "writing";
    out->item.turns = {"Write a haiku about the sea."};
    out->item.references = {"Waves fold into foam."};
    out->item.system = SystemMessage{"s1", "You prefer short answers."};
    out->item.rubrics = {
        {"",
         "Is the answer a haiku?",
         {{"1", "no"}, {"2", "barely"}, {"3", "some"}, {"4", "mostly"}, {"5", "yes"}}}};
    // Every shipped rubric, in name order; together they cover every protocol.
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(
             std::filesystem::path(EVALRUN_SOURCE_DIR) / "rubrics")) {
      if (entry.path().extension() == ".yaml") {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
    std::set<std::string> covered;
    for (const auto& file : files) {
      auto rubric = load_rubric(EVALRUN_SOURCE_DIR, file.stem().string());
      if (!rubric) {
        die(rubric.error().message);
      }
      if (rubric->protocol == "flask") {
        for (size_t i = 0; i < rubric->criteria.size() && i < 3; ++i) {
          out->item.meta["skills"].push_back(rubric->criteria[i].name);
        }
      }
      JudgeSpec spec;
      spec.runs = 2;
      auto judge = judges::make_judge(*rubric, spec);
      if (!judge) {
        die(judge.error().message);
      }
      covered.insert(rubric->protocol);
      out->protocols.push_back(Protocol{std::move(*judge), {}});
    }
    for (const auto& protocol : judges::protocols()) {
      if (!covered.count(protocol)) {
        die("no shipped rubric has the protocol " + protocol);
      }
    }
    for (auto& p : out->protocols) {
      auto calls = p.judge->build(out->input());
      if (!calls || calls->empty()) {
        die(p.judge->rubric() + " builds no call: " + (calls ? "none" : calls.error().message));
      }
      p.calls = std::move(*calls);
    }
    return out;
  }();
  return *f;
}

// Lines "TOKEN LOGPROB" (the last space separates them) as top logprobs.
std::vector<std::pair<std::string, double>>
logprob_lines(const std::string& text)
{
  std::vector<std::pair<std::string, double>> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    std::string line = text.substr(start, end - start);
    size_t space = line.rfind(' ');
    if (space != std::string::npos) {
      out.emplace_back(line.substr(0, space), std::strtod(line.c_str() + space + 1, nullptr));
    }
    start = end + 1;
  }
  return out;
}

void
check(const Judge& judge, const CallVerdict& v)
{
  const std::string rubric = judge.rubric() + ", parse";
  FUZZ_CHECK_IN(!v.value || std::isfinite(*v.value), rubric.c_str());
  for (const auto& [name, score] : v.criteria) {
    FUZZ_CHECK_IN(!score || std::isfinite(*score), rubric.c_str());
  }
  FUZZ_CHECK_IN(v.status == ParseStatus::ok || !v.detail.empty(), rubric.c_str());
}

void
check(const Judge& judge, const Verdict& v)
{
  const std::string rubric = judge.rubric() + ", combine";
  FUZZ_CHECK_IN(!v.score || std::isfinite(*v.score), rubric.c_str());
  for (const auto& [name, score] : v.criteria) {
    FUZZ_CHECK_IN(!score || std::isfinite(*score), rubric.c_str());
  }
}

void
judge_all(const Fixture& f, const Response& reply)
{
  for (const auto& p : f.protocols) {
    std::vector<CallVerdict> verdicts;
    for (const auto& call : p.calls) {
      CallVerdict v = p.judge->parse(call, reply);
      check(*p.judge, v);
      // What the runner does next: follow-up calls, each answered with the same reply.
      JudgeCall current = call;
      for (int attempt = 0; attempt < 3; ++attempt) {
        auto next = p.judge->follow_up(current, reply, v, attempt);
        if (!next) {
          break;
        }
        current = std::move(*next);
        v = p.judge->parse(current, reply);
        check(*p.judge, v);
      }
      verdicts.push_back(std::move(v));
    }
    check(*p.judge, p.judge->combine(f.input(), verdicts));
  }
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const Fixture& f = fixture();
  Response reply;
  reply.text.assign(reinterpret_cast<const char*>(data), size);
  reply.top_logprobs = logprob_lines(reply.text);
  judge_all(f, reply);

  client::HttpReply http;
  http.status = 200;
  http.body = reply.text;
  if (auto decoded = client::openai_wire::parse_chat_reply(http)) {
    judge_all(f, *decoded);
  }
  return 0;
}
