#include <judges/single.hpp>

#include <harness/rubric_spec.hpp>

#include <doctest/doctest.h>

using namespace harness;
using judges::SingleJudge;

TEST_SUITE_BEGIN("judges::single");

namespace {

RubricSpec
shipped_rubric(const std::string& name)
{
  auto rubric = load_rubric(EVALRUN_SOURCE_DIR, name);
  REQUIRE(rubric);
  return *rubric;
}

SingleJudge
fastchat_judge()
{
  JudgeSpec spec;
  spec.reference_categories = {"math", "reasoning", "coding"};
  return SingleJudge(shipped_rubric("fastchat-single"), spec);
}

Item
mtbench_item(const std::string& category, std::vector<std::string> references = {})
{
  Item i;
  i.id = "q1";
  i.category = category;
  i.turns = {"Question one?", "Question two?"};
  i.references = std::move(references);
  return i;
}

CallVerdict
read(const SingleJudge& j, const std::string& text)
{
  Response r;
  r.text = text;
  return j.parse(JudgeCall{}, r);
}

} // namespace

TEST_CASE("score parser: [[n]] first, then [n], with decimals")
{
  auto j = fastchat_judge();
  auto v = read(j, "Explanation... Rating: [[7]]");
  CHECK(v.status == ParseStatus::ok);
  CHECK(v.value == 7.0);
  CHECK(read(j, "Rating: [[8.5]]").value == 8.5);
  CHECK(read(j, "Rating: [6]").value == 6.0);
  CHECK(read(j, "Rating: [[5.]]").value == 5.0);
  // [[n]] anywhere wins over an earlier [n] (FastChat tries the patterns in order).
  CHECK(read(j, "see [3] above. Rating: [[9]]").value == 9.0);
}

TEST_CASE("score parser traps: several matches, quoted format, range, empty")
{
  auto j = fastchat_judge();
  // Several ratings: the first one counts (FastChat's re.search).
  CHECK(read(j, "Rating: [[4]] ... on reflection Rating: [[8]]").value == 4.0);
  // A judgment quoting the format string's example: the example is the first
  // match, as in FastChat; reproduced, not "fixed", for score parity.
  CHECK(read(j, R"(I follow the format "[[rating]]", for example: "Rating: [[5]]". Rating: [[2]])")
            .value == 5.0);
  // "[[rating]]" alone is no number.
  CHECK(read(j, "strictly following this format: [[rating]]").status == ParseStatus::parse_failed);
  // Out of the 1..10 range: recorded as such, never counted.
  auto big = read(j, "Rating: [[11]]");
  CHECK(big.status == ParseStatus::out_of_range);
  CHECK(read(j, "Rating: [[0]]").status == ParseStatus::out_of_range);
  CHECK(read(j, "Rating: [[10]]").value == 10.0);
  auto empty = read(j, "");
  CHECK(empty.status == ParseStatus::parse_failed);
  CHECK(empty.detail == "empty judgment");
  CHECK(read(j, "Rating: [[N/A]]").status == ParseStatus::parse_failed);
  CHECK(read(j, "Rating: [[-3]]").status == ParseStatus::parse_failed);
}

TEST_CASE("turn 1 of a general question uses single-v1, byte for byte")
{
  auto j = fastchat_judge();
  auto it = mtbench_item("writing");
  std::vector<std::string> answers = {"Answer one."};
  auto calls = j.build(JudgeInput{it, 0, answers});
  REQUIRE(calls);
  REQUIRE(calls->size() == 1);
  const auto& call = calls->front();
  CHECK(call.prompt_id == "single-v1");
  REQUIRE(call.messages.size() == 2);
  CHECK(call.messages[0].role == Role::system);
  CHECK(call.messages[0].content == "You are a helpful assistant.");
  const std::string expected = "[Instruction]\nPlease act as an impartial judge and evaluate the "
                               "quality of the response provided by an "
                               "AI assistant to the user question displayed below. Your evaluation "
                               "should consider factors such as the "
                               "helpfulness, relevance, accuracy, depth, creativity, and level of "
                               "detail of the response. Begin your "
                               "evaluation by providing a short explanation. Be as objective as "
                               "possible. After providing your "
                               "explanation, you must rate the response on a scale of 1 to 10 by "
                               "strictly following this format: "
                               "\"[[rating]]\", for example: \"Rating: "
                               "[[5]]\".\n\n[Question]\nQuestion one?\n\n[The Start of "
                               "Assistant's Answer]\nAnswer one.\n[The End of Assistant's Answer]";
  CHECK(call.messages[1].content == expected);
  CHECK(call.params.temperature == 0.0);
  CHECK(call.params.max_tokens == 2048);
}

TEST_CASE("turn 2 of a math question uses the multi-turn reference prompt")
{
  auto j = fastchat_judge();
  auto it = mtbench_item("math", {"Ref one.", "Ref two."});
  std::vector<std::string> answers = {"A1", "A2"};
  auto calls = j.build(JudgeInput{it, 1, answers});
  REQUIRE(calls);
  const auto& call = calls->front();
  CHECK(call.prompt_id == "single-math-v1-multi-turn");
  CHECK(call.messages[0].content.find("Please act as an impartial judge") == 0);
  CHECK(call.messages[1].content == "<|The Start of Reference Answer|>\n\n### User:\nQuestion "
                                    "one?\n\n### Reference answer:\nRef one.\n\n"
                                    "### User:\nQuestion two?\n\n### Reference answer:\nRef "
                                    "two.\n\n<|The End of Reference Answer|>\n\n\n"
                                    "<|The Start of Assistant A's Conversation with User|>\n\n### "
                                    "User:\nQuestion one?\n\n### Assistant A:\n"
                                    "A1\n\n### User:\nQuestion two?\n\n### Assistant "
                                    "A:\nA2\n\n<|The End of Assistant A's Conversation with "
                                    "User|>");
}

TEST_CASE("a reference category without references cannot be judged")
{
  auto j = fastchat_judge();
  auto it = mtbench_item("coding");
  std::vector<std::string> answers = {"A1"};
  auto calls = j.build(JudgeInput{it, 0, answers});
  REQUIRE_FALSE(calls);
  CHECK(calls.error().message.find("no reference answer") != std::string::npos);
}

TEST_CASE("an ad-hoc rubric: one prompt with question, answer, reference and system")
{
  auto rubric =
      parse_rubric(TextFile{"r.yaml", "name: r\nversion: '2'\nprotocol: single\n"
                                      "scale: {min: 1, max: 5}\n"
                                      "output: {pattern: 'SCORE: (\\d+)'}\n"
                                      "template: 'Q={{question}} A={{answer}} R={{reference}}'\n"});
  REQUIRE(rubric);
  SingleJudge j(*rubric, JudgeSpec{});
  CHECK(j.rubric() == "r@2");
  Item it = mtbench_item("x", {"ref"});
  std::vector<std::string> answers = {"ans"};
  auto calls = j.build(JudgeInput{it, 0, answers});
  REQUIRE(calls);
  REQUIRE(calls->front().messages.size() == 1); // no system message in the rubric
  CHECK(calls->front().messages[0].content == "Q=Question one? A=ans R=ref");
  CHECK(read(j, "SCORE: 4").value == 4.0);
  CHECK(read(j, "SCORE: 9").status == ParseStatus::out_of_range);
}

TEST_SUITE_END();
