#include <judges/absolute.hpp>
#include <judges/alpaca_eval.hpp>
#include <judges/flask.hpp>
#include <judges/pairwise.hpp>
#include <judges/python_random.hpp>
#include <judges/registry.hpp>
#include <judges/relative.hpp>
#include <judges/single.hpp>

#include <harness/rubric_spec.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

using namespace harness;

TEST_SUITE_BEGIN("judges::protocols");

namespace {

RubricSpec
protocol_rubric(const std::string& name)
{
  auto rubric = load_rubric(EVALRUN_SOURCE_DIR, name);
  REQUIRE(rubric);
  return *rubric;
}

Response
judge_reply(const std::string& text, std::vector<std::pair<std::string, double>> logprobs = {})
{
  Response r;
  r.text = text;
  r.top_logprobs = std::move(logprobs);
  return r;
}

Item
single_turn(const std::string& prompt, std::vector<std::string> references = {})
{
  Item i;
  i.id = "x";
  i.category = "writing";
  i.turns = {prompt};
  i.references = std::move(references);
  return i;
}

} // namespace

TEST_CASE("pairwise: both orders, verdicts mapped back, inconsistent pairs are ties")
{
  judges::PairwiseJudge j(protocol_rubric("fastchat-pair"), JudgeSpec{});
  Item it = single_turn("Q?");
  std::vector<std::string> model = {"model answer"};
  std::vector<std::string> baseline = {"baseline answer"};
  auto calls = j.build(JudgeInput{it, 0, model, &baseline});
  REQUIRE(calls);
  REQUIRE(calls->size() == 2);
  CHECK((*calls)[0].position == "model-first");
  CHECK((*calls)[0].prompt_id == "pair-v2");
  CHECK((*calls)[0].messages[1].content.find("[The Start of Assistant A's Answer]\nmodel answer") !=
        std::string::npos);
  CHECK((*calls)[1].messages[1].content.find(
            "[The Start of Assistant A's Answer]\nbaseline answer") != std::string::npos);

  auto verdict = [&](const std::string& g1, const std::string& g2) {
    return j.combine(JudgeInput{it, 0, model, &baseline}, {j.parse((*calls)[0], judge_reply(g1)),
                                                           j.parse((*calls)[1], judge_reply(g2))});
  };
  CHECK(verdict("[[A]]", "[[B]]").winner == "model");    // consistent
  CHECK(verdict("[[B]]", "[[A]]").winner == "baseline"); // consistent
  CHECK(verdict("[[A]]", "[[A]]").winner == "tie");      // position bias: inconsistent
  CHECK(verdict("[[C]]", "[[B]]").winner == "tie");      // game 1 tie
  CHECK(verdict("[[A]]", "[[C]]").winner == "tie");      // a win, then a tie: the games differ
  CHECK(verdict("[[B]]", "[[C]]").winner == "tie");      // a loss, then a tie
  CHECK(verdict("[[C]]", "[[A]]").winner == "tie");      // a tie, then a loss
  CHECK(verdict("[[A]]", "no verdict").status == ParseStatus::parse_failed);
}

TEST_CASE("pairwise turn 2: the whole conversations, swapped in game 2, math with references")
{
  // FastChat's pair-math-v1-multi-turn: both references, then A's and B's conversations.
  JudgeSpec spec;
  spec.reference_categories = {"math"};
  judges::PairwiseJudge j(protocol_rubric("fastchat-pair"), spec);
  Item it;
  it.id = "111";
  it.category = "math";
  it.turns = {"Q1?", "Q2?"};
  it.references = {"R1", "R2"};
  std::vector<std::string> model = {"M1", "M2"};
  std::vector<std::string> baseline = {"B1", "B2"};
  auto calls = j.build(JudgeInput{it, 1, model, &baseline});
  REQUIRE(calls);
  REQUIRE(calls->size() == 2);
  CHECK((*calls)[0].prompt_id == "pair-math-v1-multi-turn");
  auto conversation = [](const std::string& who, const std::string& a1, const std::string& a2) {
    return "<|The Start of Assistant " + who +
           "'s Conversation with User|>\n\n### User:\nQ1?\n\n"
           "### Assistant " +
           who + ":\n" + a1 + "\n\n### User:\nQ2?\n\n### Assistant " + who + ":\n" + a2 +
           "\n\n<|The End of Assistant " + who + "'s Conversation with User|>";
  };
  const std::string references = "<|The Start of Reference Answer|>\n\n### User:\nQ1?\n\n"
                                 "### Reference answer:\nR1\n\n### User:\nQ2?\n\n"
                                 "### Reference answer:\nR2\n\n<|The End of Reference Answer|>";
  const auto& game1 = (*calls)[0].messages[1].content;
  const auto& game2 = (*calls)[1].messages[1].content;
  CHECK(game1.find(references) != std::string::npos);
  CHECK(game1.find(conversation("A", "M1", "M2")) != std::string::npos);
  CHECK(game1.find(conversation("B", "B1", "B2")) != std::string::npos);
  CHECK(game2.find(references) != std::string::npos);
  CHECK(game2.find(conversation("A", "B1", "B2")) != std::string::npos);
  CHECK(game2.find(conversation("B", "M1", "M2")) != std::string::npos);

  // Outside the reference categories, turn 2 uses pair-v2-multi-turn, with no reference.
  it.category = "writing";
  calls = j.build(JudgeInput{it, 1, model, &baseline});
  REQUIRE(calls);
  CHECK((*calls)[0].prompt_id == "pair-v2-multi-turn");
  CHECK((*calls)[0].messages[1].content.find("Reference") == std::string::npos);
}

TEST_CASE("pairwise parser traps: FastChat's substring order")
{
  judges::PairwiseJudge j(protocol_rubric("fastchat-pair"), JudgeSpec{});
  JudgeCall call;
  // Quoting the format string ("[[A]]" if A is better...) resolves to A, as in FastChat.
  CHECK(j.parse(call, judge_reply(R"(Output "[[A]]" if A is better. My verdict: [[B]])")).label ==
        "A");
  CHECK(j.parse(call, judge_reply("[[B]] then [[A]]")).label == "A"); // [[A]] is tested first
  CHECK(j.parse(call, judge_reply("[[C]]")).label == "tie");
  CHECK(j.parse(call, judge_reply("")).status == ParseStatus::parse_failed);
  CHECK(j.parse(call, judge_reply("A is better")).status == ParseStatus::parse_failed);
}

TEST_CASE("pairwise with the system message shown to the judge")
{
  JudgeSpec spec;
  spec.show_system = true;
  judges::PairwiseJudge j(protocol_rubric("fastchat-pair"), spec);
  Item it = single_turn("Q?");
  it.system = SystemMessage{"s1", "You are terse."};
  std::vector<std::string> a = {"a"};
  std::vector<std::string> b = {"b"};
  auto calls = j.build(JudgeInput{it, 0, a, &b});
  REQUIRE(calls);
  CHECK((*calls)[0].messages[1].content.find("[User Question]\nYou are terse.\nQ?\n") == 0);
}

TEST_CASE("AlpacaEval switch decisions equal Python's random.Random(str) vectors")
{
  // Computed with CPython 3.11:
  //   ins = json.load(open("data/alpaca_eval/results/gpt4_1106_preview/model_outputs.json"))
  //   random.Random("is_switched_outputs" + ins[i]["instruction"] + "0").choices([False, True],
  //   k=1)[0]
  const std::vector<std::pair<int, bool>> k_vectors = {
      {0, true},   {1, true},   {2, true},   {3, false}, {4, false}, {5, false},
      {6, true},   {7, false},  {8, false},  {9, true},  {10, true}, {42, false},
      {100, true}, {250, true}, {500, true}, {804, true}};
  std::ifstream in(EVALRUN_SOURCE_DIR
                   "/data/alpaca_eval/results/gpt4_1106_preview/model_outputs.json");
  auto outputs = nlohmann::json::parse(in);
  for (const auto& [index, switched] : k_vectors) {
    CAPTURE(index);
    CHECK(judges::alpaca_eval_is_switched(
              outputs[static_cast<size_t>(index)]["instruction"].get<std::string>()) == switched);
  }
  // sum(... for all 805) == 406 in Python.
  int total = 0;
  for (const auto& o : outputs) {
    total += judges::alpaca_eval_is_switched(o["instruction"].get<std::string>());
  }
  CHECK(total == 406);
  // random.Random(s).random() and getrandbits(32), also from CPython 3.11.
  CHECK(judges::PythonRandom("abc").random() == 0.7720246314157545);
  CHECK(judges::PythonRandom("").random() == 0.9602256525641875);
  CHECK(judges::PythonRandom("h\xc3\xa9llo w\xc3\xb6rld").random() == 0.07829104647591212);
  CHECK(judges::PythonRandom("is_switched_outputs" + outputs[0]["instruction"].get<std::string>() +
                             "0")
            .next_u32() == 3250776821U);
}

TEST_CASE("AlpacaEval preference from logprobs, mirrored when switched, identical outputs give 1.5")
{
  // P(m) = 0.75, P(M) = 0.25 -> 2 - 0.75 = 1.25
  auto pref =
      judges::alpaca_eval_preference({{"m", std::log(0.75)}, {"M", std::log(0.25)}, {"Model", -9}});
  REQUIRE(pref);
  CHECK(*pref == doctest::Approx(1.25));
  CHECK(judges::alpaca_eval_preference({{"M", -0.1}}).value() ==
        doctest::Approx(2.0)); // m missing: P(m) = 0
  CHECK_FALSE(judges::alpaca_eval_preference({{"x", -0.1}}));

  judges::AlpacaEvalJudge j(protocol_rubric("alpaca-eval-clf"), JudgeSpec{});
  Item it = single_turn("Write a haiku.");
  std::vector<std::string> model = {"model output"};
  std::vector<std::string> baseline = {"baseline output"};
  auto calls = j.build(JudgeInput{it, 0, model, &baseline});
  REQUIRE(calls);
  REQUIRE(calls->size() == 1);
  const auto& call = calls->front();
  CHECK(call.params.max_tokens == 1);
  CHECK(call.params.logprobs == true);
  CHECK(call.params.top_logprobs == 5);
  bool switched = judges::alpaca_eval_is_switched("Write a haiku.");
  CHECK(call.position == (switched ? "model-first" : "baseline-first"));
  const auto& user = call.messages[1].content;
  auto first = user.find(switched ? "model output" : "baseline output");
  auto second = user.find(switched ? "baseline output" : "model output");
  CHECK(first < second);
  auto v = j.parse(call, judge_reply("m", {{"m", std::log(0.75)}, {"M", std::log(0.25)}}));
  CHECK(v.value == doctest::Approx(switched ? 1.75 : 1.25));
  CHECK(j.parse(call, judge_reply("m")).status == ParseStatus::parse_failed); // no logprobs

  std::vector<std::string> same = {"baseline output"};
  auto none = j.build(JudgeInput{it, 0, same, &baseline});
  REQUIRE(none);
  CHECK(none->empty());
  auto tie = j.combine(JudgeInput{it, 0, same, &baseline}, {});
  CHECK(tie.score == 1.5);
  CHECK(tie.winner == "tie");
}

TEST_CASE("AlpacaEval: a logprob of m or M that is not a log probability gives no preference")
{
  // Found by fuzz/fuzz_judge_replies: "m 11111111111111111-0.0181" made P(m) = exp(1.1e16) = inf
  // and the preference inf / inf = NaN, recorded as an ok verdict.
  for (double bad : {1.1111111111111112e16, 1e-3, std::nan("")}) {
    CAPTURE(bad);
    CHECK_FALSE(judges::alpaca_eval_preference({{"m", bad}, {"M", -4.0219}}));
    CHECK_FALSE(judges::alpaca_eval_preference({{"m", -0.0181}, {"M", bad}}));
  }
  // The bounds themselves are log probabilities: P = 1 and P = 0.
  CHECK(judges::alpaca_eval_preference({{"m", 0.0}, {"M", -INFINITY}}) == 1.0);
  CHECK(judges::alpaca_eval_preference({{"m", -INFINITY}, {"M", 0.0}}) == 2.0);
  // Another token's logprob is not read.
  CHECK(judges::alpaca_eval_preference({{"M", -0.1}, {"The", 5.0}}) == 2.0);

  judges::AlpacaEvalJudge j(protocol_rubric("alpaca-eval-clf"), JudgeSpec{});
  JudgeCall call;
  call.position = "baseline-first";
  auto v = j.parse(call, judge_reply("m", {{"m", 1.1111111111111112e16}, {"M", -4.0219}}));
  CHECK(v.status == ParseStatus::parse_failed);
  CHECK_FALSE(v.value);
  CHECK(v.detail.find("the logprob of m is") != std::string::npos);
  CHECK(v.detail.find("not a log probability") != std::string::npos);
}

TEST_CASE(
    "AlpacaEval both branches: a switched item shows the model first and mirrors the preference")
{
  // AlpacaEval's preference: 1 means output_1 (the baseline) wins, 2 means output_2 (the model).
  // The judge's token `m` names the output shown first. Instruction 0 of the shipped set is
  // switched and instruction 3 is not (random.Random vectors above).
  std::ifstream in(EVALRUN_SOURCE_DIR
                   "/data/alpaca_eval/results/gpt4_1106_preview/model_outputs.json");
  auto outputs = nlohmann::json::parse(in);
  judges::AlpacaEvalJudge j(protocol_rubric("alpaca-eval-clf"), JudgeSpec{});
  std::vector<std::string> model = {"MODEL-OUTPUT"};
  std::vector<std::string> baseline = {"BASELINE-OUTPUT"};
  // P(m) = 0.75: the output shown first is preferred with probability 0.75.
  auto reply = judge_reply("m", {{"m", std::log(0.75)}, {"M", std::log(0.25)}});

  Item switched = single_turn(outputs[0]["instruction"].get<std::string>());
  auto calls = j.build(JudgeInput{switched, 0, model, &baseline});
  REQUIRE(calls);
  REQUIRE(calls->size() == 1);
  CHECK(calls->front().position == "model-first");
  const auto& shown = calls->front().messages[1].content;
  CHECK(shown.find("MODEL-OUTPUT") < shown.find("BASELINE-OUTPUT"));
  CHECK(j.parse(calls->front(), reply).value == doctest::Approx(1.75)); // the model, first, won

  Item plain = single_turn(outputs[3]["instruction"].get<std::string>());
  calls = j.build(JudgeInput{plain, 0, model, &baseline});
  REQUIRE(calls);
  CHECK(calls->front().position == "baseline-first");
  const auto& shown_plain = calls->front().messages[1].content;
  CHECK(shown_plain.find("BASELINE-OUTPUT") < shown_plain.find("MODEL-OUTPUT"));
  CHECK(j.parse(calls->front(), reply).value == doctest::Approx(1.25)); // the baseline, first, won
}

TEST_CASE("absolute: one call per rubric and run, Python json.dumps rubric, anchored 1..5 score")
{
  Rubric r;
  r.criteria = "Is it \xc3\xa9 \"quoted\"\\ ok?\nline";
  for (int i = 1; i <= 5; ++i) {
    r.score_descriptions[std::to_string(i)] = "level " + std::to_string(i) + " \xe2\x80\x94 x";
  }
  // json.dumps(rubric, indent=4) in CPython 3.11.
  CHECK(judges::python_json_rubric(r) == "{\n    \"criteria\": \"Is it \\u00e9 \\\"quoted\\\"\\\\ "
                                         "ok?\\nline\",\n    \"score_descriptions\": {\n"
                                         "        \"1\": \"level 1 \\u2014 x\",\n        \"2\": "
                                         "\"level 2 \\u2014 x\",\n        \"3\": \"level 3 "
                                         "\\u2014 x\",\n        \"4\": \"level 4 \\u2014 x\",\n    "
                                         "    \"5\": \"level 5 \\u2014 x\"\n    }\n}");

  JudgeSpec spec;
  spec.runs = 2;
  judges::AbsoluteJudge j(protocol_rubric("prometheus-absolute"), spec);
  Item it = single_turn("Do X.", {"Reference."});
  it.rubrics = {r, r, r};
  std::vector<std::string> answers = {"Answer."};
  auto calls = j.build(JudgeInput{it, 0, answers});
  REQUIRE(calls);
  REQUIRE(calls->size() == 6);
  CHECK((*calls)[0].position == "rubric 1, run 1");
  CHECK((*calls)[5].position == "rubric 3, run 2");
  CHECK_FALSE((*calls)[0].params.seed);
  CHECK((*calls)[3].params.seed == 1);
  const auto& user = (*calls)[0].messages[1].content;
  CHECK(
      user.starts_with("###Task Description:\nAn instruction (might include an Input inside it)"));
  CHECK(user.ends_with("###Feedback:"));
  CHECK(
      user.find(
          "###The instruction to evaluate:\nDo X.\n\n###Response to evaluate:\nAnswer.\n\n"
          "###Reference Answer (Score 5):\nReference.\n\n###Score Rubrics:\n{\n    \"criteria\"") !=
      std::string::npos);

  auto score = [&](const std::string& text) {
    return j.parse((*calls)[0], judge_reply(text));
  };
  CHECK(score("Feedback: fine. [RESULT] 4").value == 4.0);
  CHECK(score("Feedback: fine. [RESULT] 4\n").value == 4.0);
  CHECK(score("Feedback: ok [RESULT] (5)").value == 5.0);
  CHECK(score("Feedback: ok. [RESULT] 3/5").value == 3.0);
  // The template's own "[RESULT] (an integer number between 1 and 5)" quoted mid-text does not
  // count.
  CHECK(score("Format: [RESULT] 5. Feedback: poor, no score given.").status ==
        ParseStatus::parse_failed);
  CHECK(score("Feedback: x [RESULT] 7").status == ParseStatus::out_of_range);
  CHECK(score("").status == ParseStatus::parse_failed);

  // Mean over runs of the mean over rubrics; unreadable ones left out.
  auto ok = [](double x) {
    CallVerdict c;
    c.status = ParseStatus::ok;
    c.value = x;
    return c;
  };
  CallVerdict bad;
  auto v = j.combine(JudgeInput{it, 0, answers}, {ok(5), ok(4), ok(3), ok(2), bad, ok(4)});
  CHECK(v.status == ParseStatus::ok);
  CHECK(v.score == doctest::Approx((4.0 + 3.0) / 2));
  CHECK(v.criteria.at("run 1") == doctest::Approx(4.0));
  CHECK(v.criteria.at("run 2") == doctest::Approx(3.0));
  CHECK(v.criteria.at("rubric 2") == doctest::Approx(4.0));
  CHECK(v.detail.find("1 of 6") != std::string::npos);
}

TEST_CASE("absolute: a judge run with no readable score is left out of the mean, not counted as 0")
{
  JudgeSpec spec;
  spec.runs = 3;
  judges::AbsoluteJudge j(protocol_rubric("prometheus-absolute"), spec);
  Item it = single_turn("Q?", {"reference"});
  it.rubrics = {Rubric{"", "first", {}}, Rubric{"", "second", {}}};
  std::vector<std::string> answers = {"answer"};
  auto calls = j.build(JudgeInput{it, 0, answers});
  REQUIRE(calls);
  REQUIRE(calls->size() == 6); // 3 runs x 2 rubrics, run-major
  auto score = [](double value) {
    CallVerdict c;
    c.status = ParseStatus::ok;
    c.value = value;
    return c;
  };
  CallVerdict unreadable; // parse_failed
  // Run 1: 4 and 2 (mean 3); run 2: nothing readable; run 3: 5 and 5 (mean 5).
  auto v = j.combine(JudgeInput{it, 0, answers},
                     {score(4), score(2), unreadable, unreadable, score(5), score(5)});
  CHECK(v.status == ParseStatus::ok);
  CHECK(v.score == doctest::Approx(4.0)); // (3 + 5) / 2 runs, not (3 + 0 + 5) / 3
  CHECK(v.criteria.at("run 1") == doctest::Approx(3.0));
  CHECK(v.criteria.count("run 2") == 0);
  CHECK(v.criteria.at("run 3") == doctest::Approx(5.0));
  CHECK(v.criteria.at("rubric 1") == doctest::Approx(4.5));
  CHECK(v.criteria.at("rubric 2") == doctest::Approx(3.5));
  CHECK(v.detail == "2 of 6 rubric judgments unreadable, left out");
  // Nothing readable in any run: no score at all.
  auto none = j.combine(JudgeInput{it, 0, answers}, std::vector<CallVerdict>(6, unreadable));
  CHECK(none.status == ParseStatus::parse_failed);
  CHECK_FALSE(none.score);
}

TEST_CASE("every shipped rubric loads, and FastChat's prompts are byte-exact")
{
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(EVALRUN_SOURCE_DIR "/rubrics")) {
    CAPTURE(entry.path().string());
    auto file = read_text_file(entry.path());
    REQUIRE(file);
    auto rubric = parse_rubric(*file);
    REQUIRE(rubric);
    CHECK(rubric->name == entry.path().stem().string());
    CHECK_FALSE(rubric->version.empty());
    CHECK_FALSE(rubric->prompts.empty());
    ++count;
  }
  CHECK(count >= 4);
  // {{var}} -> {var} gives back judge_prompts.jsonl's text exactly.
  std::ifstream in(EVALRUN_SOURCE_DIR "/data/mt_bench/judge_prompts.jsonl");
  std::string line;
  auto single = protocol_rubric("fastchat-single");
  auto pair = protocol_rubric("fastchat-pair");
  int compared = 0;
  while (std::getline(in, line)) {
    auto p = nlohmann::json::parse(line);
    const auto& rubric = p["type"] == "single" ? single : pair;
    const auto& prompt = rubric.prompts.at(p["name"].get<std::string>());
    std::string t = prompt.template_text;
    for (size_t at = t.find("{{"); at != std::string::npos; at = t.find("{{", at)) {
      t.erase(at, 1);
      t.erase(t.find("}}", at), 1);
    }
    CHECK(t == p["prompt_template"].get<std::string>());
    CHECK(prompt.system == p["system_prompt"].get<std::string>());
    ++compared;
  }
  CHECK(compared == 8);
}

TEST_CASE("a verdict pattern RE2 cannot compile, or without a capture group, is refused")
{
  auto rubric = protocol_rubric("helpfulness");
  rubric.defined_in = "my-rubric.yaml";
  rubric.pattern = "\\[\\[(\\d+"; // unbalanced parenthesis
  auto judge = judges::make_judge(rubric, JudgeSpec{});
  REQUIRE_FALSE(judge);
  CHECK(judge.error().message.find("my-rubric.yaml: field 'output.pattern'") == 0);
  CHECK(judge.error().message.find("RE2 cannot compile it: missing )") != std::string::npos);

  rubric.pattern = "\\[\\[\\d+\\]\\]"; // compiles, captures nothing
  judge = judges::make_judge(rubric, JudgeSpec{});
  REQUIRE_FALSE(judge);
  CHECK(judge.error().message.find("has no capture group") != std::string::npos);

  rubric.pattern = "\\[\\[(\\d+)\\]\\]";
  rubric.fallback = "Rating: (";
  judge = judges::make_judge(rubric, JudgeSpec{});
  REQUIRE_FALSE(judge);
  CHECK(judge.error().message.find("field 'output.fallback'") != std::string::npos);

  rubric.fallback.clear();
  CHECK(judges::make_judge(rubric, JudgeSpec{}));
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("judges::flask_relative");

TEST_CASE("FLASK: the last dict, lower-cased, _ as space, N/A forms")
{
  auto s = judges::parse_flask_scores(
      "Logical Correctness: fine. Score: 4\n{'Logical_Correctness': 4,\n "
      "\"Readability\": 'N/A', 'Factuality': 'not applicable',}");
  REQUIRE(s);
  CHECK(s->at("logical correctness") == 4.0);
  CHECK_FALSE(s->at("readability"));
  CHECK_FALSE(s->at("factuality"));
  // The last {...} wins, as FLASK's re.findall(...)[-1]: a dict quoted earlier does not count.
  auto last = judges::parse_flask_scores("example {'a': 1} ... final {'b': 2}");
  REQUIRE(last);
  CHECK(last->count("b") == 1);
  CHECK(last->count("a") == 0);
  CHECK_FALSE(judges::parse_flask_scores("no dict here"));
  CHECK_FALSE(judges::parse_flask_scores("{'a': excellent}"));
  CHECK_FALSE(judges::parse_flask_scores("{}"));
}

TEST_CASE("FLASK: the skills block and the verdict per skill")
{
  judges::FlaskJudge j(protocol_rubric("flask"), JudgeSpec{});
  Item it = single_turn("Explain X.", {"Ground truth."});
  it.meta["skills"] = {"Readability", "Logical Correctness"};
  std::vector<std::string> answers = {"An answer."};
  auto calls = j.build(JudgeInput{it, 0, answers});
  REQUIRE(calls);
  const auto& user = calls->front().messages[1].content;
  CHECK(user.starts_with("We would like to request your feedback"));
  CHECK(user.find("\n\nReadability: ") != std::string::npos);
  CHECK(user.find("\nScore 5: ") != std::string::npos);
  CHECK(user.find("[Ground truth Answer]\nGround truth.\n") != std::string::npos);
  CHECK(user.find("[Assistant's Response]\nAn answer.\n") != std::string::npos);
  auto v =
      j.parse(calls->front(), judge_reply("... {'readability': 5, 'logical correctness': 'n/a'}"));
  REQUIRE(v.status == ParseStatus::ok);
  auto verdict = j.combine(JudgeInput{it, 0, answers}, {v});
  CHECK(verdict.score == 5.0); // N/A left out of the mean
  CHECK(verdict.criteria.at("Readability") == 5.0);
  CHECK_FALSE(verdict.criteria.at("Logical Correctness"));
  CHECK(j.parse(calls->front(), judge_reply("{'readability': 9}")).status ==
        ParseStatus::out_of_range);
  Item unknown = it;
  unknown.meta["skills"] = {"Telepathy"};
  CHECK_FALSE(j.build(JudgeInput{unknown, 0, answers}));
}

TEST_CASE("what a protocol needs and an item lacks is found before any request")
{
  std::vector<std::string> none;
  // FLASK grades an instance's skills against its ground-truth answer.
  judges::FlaskJudge flask(protocol_rubric("flask"), JudgeSpec{});
  Item with_skills = single_turn("Explain X.", {"Ground truth."});
  with_skills.id = "good";
  with_skills.meta["skills"] = {"Readability"};
  Item no_skills = single_turn("Explain Y.", {"Ground truth."});
  no_skills.id = "bare";
  CHECK(unjudgeable(flask, {with_skills}, false).empty());
  auto problems = unjudgeable(flask, {with_skills, no_skills}, false);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == "item bare, turn 1: item bare has no skills to grade");

  // MT-Bench grades math with the GPT-4 reference: a math item without one cannot be judged.
  JudgeSpec spec;
  spec.reference_categories = {"math"};
  judges::SingleJudge single(protocol_rubric("fastchat-single"), spec);
  Item math = single_turn("2+2?");
  math.id = "101";
  math.category = "math";
  problems = unjudgeable(single, {math}, false);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].find("item 101, turn 1: item 101 (category math) has no reference") == 0);
  math.references = {"4"};
  CHECK(unjudgeable(single, {math}, false).empty());

  // Prometheus grades each item against its rubrics, or the rubric file's criteria.
  judges::AbsoluteJudge absolute(protocol_rubric("prometheus-absolute"), JudgeSpec{});
  Item no_rubrics = single_turn("Q?", {"ref"});
  problems = unjudgeable(absolute, {no_rubrics}, false);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].find("has no rubrics") != std::string::npos);
}

TEST_CASE("relative: both orders per rubric, [RESULT] A|B at the end")
{
  judges::RelativeJudge j(protocol_rubric("prometheus-relative"), JudgeSpec{});
  Item it = single_turn("Do X.", {"Ref."});
  Rubric r;
  r.criteria = "Is it good?";
  it.rubrics = {r, r};
  std::vector<std::string> model = {"M"};
  std::vector<std::string> baseline = {"B"};
  auto calls = j.build(JudgeInput{it, 0, model, &baseline});
  REQUIRE(calls);
  REQUIRE(calls->size() == 4);
  CHECK((*calls)[0].messages[1].content.find("###Response A:\nM\n\n###Response B:\nB\n") !=
        std::string::npos);
  CHECK((*calls)[1].messages[1].content.find("###Response A:\nB\n\n###Response B:\nM\n") !=
        std::string::npos);
  CHECK((*calls)[0].messages[1].content.find("###Score Rubric:\n[Is it good?]\n") !=
        std::string::npos);
  auto p = [&](const std::string& text) {
    return j.parse((*calls)[0], judge_reply(text));
  };
  CHECK(p("Feedback: A is better. [RESULT] A").label == "A");
  CHECK(p("Feedback: ... [RESULT] (B)").label == "B");
  CHECK(p("The format is [RESULT] A. Then nothing.").status == ParseStatus::parse_failed);
  auto v = j.combine(JudgeInput{it, 0, model, &baseline},
                     {p("[RESULT] A"), p("[RESULT] B"),   // rubric 1: model both times
                      p("[RESULT] A"), p("[RESULT] A")}); // rubric 2: inconsistent
  CHECK(v.winner == "model");
  CHECK(v.criteria.at("rubric 1") == 1.0);
  CHECK(v.criteria.at("rubric 2") == 0.5);
}

TEST_SUITE_END();
