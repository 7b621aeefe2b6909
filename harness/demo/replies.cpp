#include <harness/client/openai_wire.hpp>
#include <harness/demo/replies.hpp>
#include <harness/request_hash.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <cstdint>

namespace harness::demo {

namespace {

constexpr std::array<const char*, 24> k_words = {
    "evaluation", "preference", "answer",  "careful", "system", "message", "user",  "helpful",
    "response",   "detail",     "example", "clear",   "step",   "reason",  "style", "concise",
    "context",    "knowledge",  "safe",    "useful",  "plan",   "idea",    "model", "judge"};

// Deterministic stream of numbers from the request digest.
class Draw
{
public:
  explicit Draw(std::uint64_t seed) : m_state(seed) {}
  std::uint64_t next()
  {
    // splitmix64
    m_state += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = m_state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int in(int lo, int hi)
  {
    return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }

private:
  std::uint64_t m_state;
};

std::string words(Draw& draw, int n);

// A document that follows `schema` (the subset structured outputs use:
// object properties, arrays with minItems/maxItems, strings, numbers,
// integers with bounds, booleans, enum, const).
nlohmann::json
fill_schema(const nlohmann::json& schema, Draw& draw, int depth = 0)
{
  if (schema.contains("const")) {
    return schema["const"];
  }
  if (schema.contains("enum") && schema["enum"].is_array() && !schema["enum"].empty()) {
    return schema["enum"]
                 [static_cast<size_t>(draw.in(0, static_cast<int>(schema["enum"].size()) - 1))];
  }
  std::string type = schema.value("type", schema.contains("properties") ? "object" : "string");
  if (type == "object") {
    nlohmann::json out = nlohmann::json::object();
    if (schema.contains("properties") && depth < 10) {
      for (const auto& [name, sub] : schema["properties"].items()) {
        out[name] = fill_schema(sub, draw, depth + 1);
      }
    }
    return out;
  }
  if (type == "array") {
    int lo = schema.value("minItems", 1);
    int hi = std::max(lo, schema.value("maxItems", lo + 2));
    nlohmann::json out = nlohmann::json::array();
    int n = draw.in(lo, hi);
    for (int i = 0; i < n && depth < 10; ++i) {
      out.push_back(fill_schema(schema.value("items", nlohmann::json::object()), draw, depth + 1));
    }
    return out;
  }
  if (type == "integer" || type == "number") {
    int lo = schema.value("minimum", 0);
    int hi = schema.value("maximum", 100);
    return draw.in(lo, std::max(lo, hi));
  }
  if (type == "boolean") {
    return draw.in(0, 1) == 1;
  }
  return "(demo) " + words(draw, draw.in(4, 16));
}

std::string
words(Draw& draw, int n)
{
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i) {
      out += ' ';
    }
    out += k_words[static_cast<size_t>(draw.in(0, static_cast<int>(k_words.size()) - 1))];
  }
  return out;
}

} // namespace

std::string
demo_reply(const ChatRequest& request)
{
  std::string all = request.prompt;
  for (const auto& m : request.messages) {
    all += m.content;
    all += '\n';
  }
  ChatRequest semantics = request;
  semantics.params = GenParams{}; // replies depend on (model, messages) only
  Draw draw(stable_hash64(client::openai_wire::semantics_json(semantics)));
  auto has = [&](std::string_view marker) {
    return all.find(marker) != std::string::npos;
  };

  if (!request.json_schema.empty()) {
    auto schema = nlohmann::json::parse(request.json_schema, nullptr, false);
    if (!schema.is_discarded()) {
      return fill_schema(schema, draw).dump();
    }
  }
  if (has("\"model_identifier\": \"M\"")) {
    // AlpacaEval's classifier: one token, the likelier of m and M.
    return draw.in(0, 1) ? "m" : "M";
  }
  if (has("[Assistant's Response]") && has("on a scale of 1 to 5 for each category")) {
    // FLASK: a paragraph per skill, then a Python dict. A skill is named by
    // the text before the colon of each line followed by a "Score 1:" line.
    std::vector<std::string> lines;
    for (size_t start = 0; start <= all.size();) {
      auto end = all.find('\n', start);
      lines.push_back(
          all.substr(start, end == std::string::npos ? std::string::npos : end - start));
      if (end == std::string::npos) {
        break;
      }
      start = end + 1;
    }
    std::string feedback;
    std::string dict;
    for (size_t i = 0; i + 1 < lines.size(); ++i) {
      if (lines[i + 1].rfind("Score 1:", 0) == 0 && lines[i].find(':') != std::string::npos) {
        std::string skill = lines[i].substr(0, lines[i].find(':'));
        int score = draw.in(1, 5);
        feedback += fmt::format("{}: {}. Score: {}\n", skill, words(draw, 8), score);
        dict += fmt::format("{}'{}': {}", dict.empty() ? "" : ", ", skill, score);
      }
    }
    return feedback + "{" + dict + "}";
  }
  if (has("[[A>>B]]") && has("[[B>>A]]")) {
    // Arena-Hard: one of five labels; now and then none (the judge is then
    // asked to continue, and finishes) or two that conflict (no verdict).
    static constexpr std::array<const char*, 5> k_labels = {"A>>B", "A>B", "A=B", "B>A", "B>>A"};
    const bool continued = request.messages.size() > 2;
    int roll = draw.in(0, 19);
    auto label = [&] {
      return k_labels[static_cast<size_t>(draw.in(0, 4))];
    };
    if (!continued && roll == 0) {
      return fmt::format("My own answer first: {}. Comparing both answers, {}.", words(draw, 10),
                         words(draw, 8));
    }
    if (!continued && roll == 1) {
      return fmt::format("The demo judge wavers: [[{}]] or perhaps [[{}]].", "A>B", "B>A");
    }
    return fmt::format("The demo judge compared both answers with its own: {}. My final verdict "
                       "is: [[{}]]",
                       words(draw, 12), label());
  }
  if (has("[[rating]]")) {
    return fmt::format("The demo judge read the answer: {}. Rating: [[{}]]", words(draw, 12),
                       draw.in(1, 10));
  }
  if (has("[[A]]")) {
    static constexpr std::array<const char*, 3> k_verdicts = {"[[A]]", "[[B]]", "[[C]]"};
    return fmt::format("The demo judge compared both answers: {}. Final verdict: {}",
                       words(draw, 12), k_verdicts[static_cast<size_t>(draw.in(0, 2))]);
  }
  if (has("[RESULT]") && has("###Response B:")) {
    return fmt::format("Feedback: {}. [RESULT] {}", words(draw, 15), draw.in(0, 1) ? "A" : "B");
  }
  if (has("[RESULT]")) {
    return fmt::format("Feedback: {}. [RESULT] {}", words(draw, 15), draw.in(1, 5));
  }
  std::string question = request.prompt;
  for (const auto& m : request.messages) {
    if (m.role == Role::user) {
      question = m.content;
    }
  }
  if (question.size() > 60) {
    // Cut at a character boundary: a UTF-8 continuation byte (10xxxxxx) never starts one.
    size_t cut = 60;
    while (cut > 0 && (static_cast<unsigned char>(question[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    question = question.substr(0, cut) + "...";
  }
  return fmt::format("(evalrun demo answer to \"{}\") {}.", question,
                     words(draw, draw.in(20, 120)));
}

std::vector<std::pair<std::string, double>>
demo_top_logprobs(const ChatRequest& request, const std::string& reply)
{
  if (!request.params.logprobs.value_or(false)) {
    return {};
  }
  if (reply == "m" || reply == "M") {
    ChatRequest semantics = request;
    semantics.params = GenParams{};
    Draw draw(stable_hash64("logprobs:" + client::openai_wire::semantics_json(semantics)));
    double p_top = 0.5 + draw.in(1, 48) / 100.0; // 0.51..0.98 for the chosen token
    std::string other = reply == "m" ? "M" : "m";
    return {{reply, std::log(p_top * 0.99)}, {other, std::log((1 - p_top) * 0.99)}};
  }
  auto space = reply.find(' ');
  return {{reply.substr(0, space), 0.0}};
}

} // namespace harness::demo
