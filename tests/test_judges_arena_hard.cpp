#include <judges/arena_hard.hpp>
#include <judges/registry.hpp>

#include <harness/rubric_spec.hpp>

#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

using namespace harness;

// Arena-Hard-Auto v0.1's judging (gen_judgment.py at 48137561), rule by rule:
// two games with the baseline as A first; the labels found by findall over
// the judge's whole output; one distinct label is the score, several are
// none (final), none asks the judge once more to continue.
TEST_SUITE_BEGIN("judges::arena_hard");

namespace {

judges::ArenaHardJudge
arena_judge()
{
  auto rubric = load_rubric(EVALRUN_SOURCE_DIR, "arena-hard");
  REQUIRE(rubric);
  return judges::ArenaHardJudge(*rubric, JudgeSpec{});
}

Response
reply(const std::string& text)
{
  Response r;
  r.text = text;
  return r;
}

} // namespace

TEST_CASE("the rubric is upstream's judge_config.yaml prompt, {var} written {{var}}")
{
  auto config = YAML::LoadFile(EVALRUN_SOURCE_DIR "/data/arena_hard/config/judge_config.yaml");
  auto rubric = load_rubric(EVALRUN_SOURCE_DIR, "arena-hard");
  REQUIRE(rubric);
  const auto& prompt = rubric->prompts.at("arena-hard-v0.1");
  CHECK(prompt.system == config["system_prompt"].as<std::string>());
  std::string upstream = config["prompt_template"][0].as<std::string>();
  for (const std::string var : {"question_1", "answer_1", "answer_2"}) {
    auto at = upstream.find("{" + var + "}");
    REQUIRE(at != std::string::npos);
    upstream.replace(at, var.size() + 2, "{{" + var + "}}");
  }
  CHECK(prompt.template_text == upstream);
  CHECK(rubric->pattern == config["regex_pattern"].as<std::string>());
  CHECK(rubric->params.temperature == config["temperature"].as<double>());
  CHECK(rubric->params.max_tokens == config["max_tokens"].as<int>());
  CHECK(judges::ArenaHardJudge::k_attempts == config["number_of_judgment_attempts"].as<int>());
}

TEST_CASE("two games: the baseline is Assistant A in game 1 and B in game 2")
{
  auto judge = arena_judge();
  Item item;
  item.id = "q";
  item.turns = {"What is 2+2?"};
  std::vector<std::string> model = {"Four."};
  std::vector<std::string> baseline = {"4"};
  auto calls = judge.build(JudgeInput{item, 0, model, &baseline});
  REQUIRE(calls);
  REQUIRE(calls->size() == 2);
  const auto& g1 = calls->at(0);
  CHECK(g1.position == "baseline-first");
  REQUIRE(g1.messages.size() == 2);
  CHECK(g1.messages[0].role == Role::system);
  CHECK(g1.messages[0].content.starts_with("Please act as an impartial judge"));
  CHECK(g1.messages[1].content ==
        "<|User Prompt|>\nWhat is 2+2?\n\n<|The Start of Assistant A's Answer|>\n4\n<|The End of "
        "Assistant A's Answer|>\n\n<|The Start of Assistant B's Answer|>\nFour.\n<|The End of "
        "Assistant B's Answer|>");
  CHECK(calls->at(1).position == "model-first");
  CHECK(calls->at(1).messages[1].content.find("A's Answer|>\nFour.\n") != std::string::npos);
  CHECK(g1.params.temperature == 0.0);
  CHECK(g1.params.max_tokens == 4096);
}

TEST_CASE("labels: one distinct label is the verdict, several are none, odd ones are kept")
{
  auto judge = arena_judge();
  JudgeCall call;
  auto v = judge.parse(call, reply("My verdict: [[B>A]]"));
  CHECK(v.status == ParseStatus::ok);
  CHECK(v.label == "B>A");
  v = judge.parse(call, reply("[[A>>B]] ... so again [[A>>B]]")); // repeated, still one
  CHECK(v.status == ParseStatus::ok);
  CHECK(v.label == "A>>B");
  v = judge.parse(call, reply("[[A>B]] or rather [[B>A]]"));
  CHECK(v.status == ParseStatus::parse_failed);
  CHECK(v.detail == "conflicting labels: A>B, B>A");
  v = judge.parse(call, reply("Example output: \"My final verdict is tie: [[A=B]]\""));
  CHECK(v.label == "A=B"); // any match counts, as upstream's findall
  v = judge.parse(call, reply("[[A<B]]"));
  CHECK(v.status == ParseStatus::out_of_range);
  CHECK(v.label == "A<B");
  v = judge.parse(call, reply("[[C]] and [[a>b]] and [[A > B]]")); // not [AB<>=]+
  CHECK(v.status == ParseStatus::parse_failed);
  CHECK(v.detail == "no [[...]] verdict label");
}

TEST_CASE("no label: the judge continues once with its reply kept, and the label is read from both")
{
  auto judge = arena_judge();
  Item item;
  item.id = "q";
  item.turns = {"Q"};
  std::vector<std::string> model = {"m"};
  std::vector<std::string> baseline = {"b"};
  auto calls = judge.build(JudgeInput{item, 0, model, &baseline});
  REQUIRE(calls);
  const JudgeCall& first = calls->at(0);
  auto none = judge.parse(first, reply("My own answer is ..."));
  auto next = judge.follow_up(first, reply("My own answer is ..."), none, 0);
  REQUIRE(next);
  REQUIRE(next->messages.size() == 4);
  CHECK(next->messages[2].role == Role::assistant);
  CHECK(next->messages[2].content == "My own answer is ...");
  CHECK(next->messages[3].role == Role::user);
  CHECK(next->messages[3].content ==
        "continue your judgment and finish by outputting a final verdict label");
  CHECK(next->resample == 0); // a continuation, not a re-sample: no new seed
  CHECK(judges::ArenaHardJudge::judgment_text(*next, "[[A=B]]") ==
        "\nMy own answer is ...\n[[A=B]]");
  auto finished = judge.parse(*next, reply("[[A=B]]"));
  CHECK(finished.status == ParseStatus::ok);
  CHECK(finished.label == "A=B");
  // At most 2 calls: a second reply without a label is final.
  CHECK_FALSE(judge.follow_up(*next, reply("still thinking"),
                              judge.parse(*next, reply("still thinking")), 1));
  // Conflicting labels are final at once.
  auto conflict = judge.parse(first, reply("[[A>B]] [[B>A]]"));
  CHECK_FALSE(judge.follow_up(first, reply("[[A>B]] [[B>A]]"), conflict, 0));
  // A label found is never continued.
  CHECK_FALSE(judge.follow_up(first, reply("[[B>A]]"), judge.parse(first, reply("[[B>A]]")), 0));
}

TEST_CASE("the verdict keeps both games' labels and is rated when either game has one")
{
  auto ok = judges::ArenaHardJudge::game_verdict("B>>A");
  auto odd = judges::ArenaHardJudge::game_verdict("A<B");
  CallVerdict none;
  none.detail = "no [[...]] verdict label";
  auto v = judges::ArenaHardJudge::verdict_from_games({ok, none});
  CHECK(v.status == ParseStatus::ok);
  CHECK(v.labels == std::vector<std::string>{"B>>A", ""});
  CHECK(v.detail == "game 1 (baseline as A): B>>A; game 2 (model as A): dropped, no [[...]] "
                    "verdict label");
  CHECK(judges::ArenaHardJudge::verdict_from_games({odd, none}).status ==
        ParseStatus::out_of_range);
  CHECK(judges::ArenaHardJudge::verdict_from_games({none, none}).status ==
        ParseStatus::parse_failed);
}

TEST_CASE("an arena_hard rubric needs a pattern with a capture group")
{
  auto rubric = load_rubric(EVALRUN_SOURCE_DIR, "arena-hard");
  REQUIRE(rubric);
  rubric->pattern = "";
  auto judge = judges::make_judge(*rubric, JudgeSpec{});
  REQUIRE_FALSE(judge);
  CHECK(judge.error().message.find("output.pattern") != std::string::npos);
  rubric->pattern = "\\[\\[[AB<>=]+\\]\\]";
  judge = judges::make_judge(*rubric, JudgeSpec{});
  REQUIRE_FALSE(judge);
  CHECK(judge.error().message.find("capture group") != std::string::npos);
}

TEST_SUITE_END();
