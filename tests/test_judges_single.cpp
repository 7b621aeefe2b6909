#include <judges/fastchat_prompts.hpp>
#include <judges/single.hpp>

#include <harness/text_file.hpp>

#include <doctest/doctest.h>

using namespace harness;
using judges::SingleJudge;

TEST_SUITE_BEGIN("judges::single");

namespace {

SingleJudge
shipped_judge()
{
  auto file = read_text_file(EVALRUN_SOURCE_DIR "/data/mt_bench/judge_prompts.jsonl");
  REQUIRE(file);
  auto prompts = judges::parse_fastchat_prompts(*file);
  REQUIRE(prompts);
  REQUIRE(prompts->size() == 8);
  GenParams params;
  params.temperature = 0.0;
  params.max_tokens = 2048;
  return SingleJudge(std::move(*prompts), "test", {"math", "reasoning", "coding"}, params);
}

Item
item(const std::string& category, std::vector<std::string> references = {})
{
  Item i;
  i.id = "q1";
  i.category = category;
  i.turns = {"Question one?", "Question two?"};
  i.references = std::move(references);
  return i;
}

} // namespace

TEST_CASE("score parser: [[n]] first, then [n], with decimals")
{
  auto j = shipped_judge();
  auto v = j.parse("Explanation... Rating: [[7]]");
  CHECK(v.status == Verdict::Status::ok);
  CHECK(v.score == 7.0);
  CHECK(j.parse("Rating: [[8.5]]").score == 8.5);
  CHECK(j.parse("Rating: [6]").score == 6.0);
  CHECK(j.parse("Rating: [[5.]]").score == 5.0);
  // [[n]] anywhere wins over an earlier [n] (FastChat tries the patterns in order).
  CHECK(j.parse("see [3] above. Rating: [[9]]").score == 9.0);
}

TEST_CASE("score parser traps: several matches, quoted format, range, empty")
{
  auto j = shipped_judge();
  // Several ratings: the first one counts (FastChat's re.search).
  CHECK(j.parse("Rating: [[4]] ... on reflection Rating: [[8]]").score == 4.0);
  // A judgment quoting the format string's example: the example is the first
  // match, as in FastChat; reproduced, not "fixed", for score parity.
  CHECK(j.parse(R"(I follow the format "[[rating]]", for example: "Rating: [[5]]". Rating: [[2]])")
            .score == 5.0);
  // "[[rating]]" alone is no number.
  CHECK(j.parse("strictly following this format: [[rating]]").status ==
        Verdict::Status::parse_failed);
  // Out of the 1..10 range: recorded as such, never counted.
  auto big = j.parse("Rating: [[11]]");
  CHECK(big.status == Verdict::Status::out_of_range);
  CHECK_FALSE(big.score);
  CHECK(j.parse("Rating: [[0]]").status == Verdict::Status::out_of_range);
  CHECK(j.parse("Rating: [[10]]").score == 10.0);
  auto empty = j.parse("");
  CHECK(empty.status == Verdict::Status::parse_failed);
  CHECK(empty.detail == "empty judgment");
  CHECK(j.parse("Rating: [[N/A]]").status == Verdict::Status::parse_failed);
  CHECK(j.parse("Rating: [[-3]]").status == Verdict::Status::parse_failed);
}

TEST_CASE("turn 1 of a general question uses single-v1, byte for byte")
{
  auto j = shipped_judge();
  auto it = item("writing");
  std::vector<std::string> answers = {"Answer one."};
  auto call = j.build(JudgeInput{it, 0, answers});
  REQUIRE(call);
  CHECK(call->prompt_id == "single-v1");
  REQUIRE(call->messages.size() == 2);
  CHECK(call->messages[0].role == Role::system);
  CHECK(call->messages[0].content == "You are a helpful assistant.");
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
  CHECK(call->messages[1].content == expected);
  CHECK(call->params.temperature == 0.0);
  CHECK(call->params.max_tokens == 2048);
}

TEST_CASE("turn 2 of a math question uses the multi-turn reference prompt")
{
  auto j = shipped_judge();
  auto it = item("math", {"Ref one.", "Ref two."});
  std::vector<std::string> answers = {"A1", "A2"};
  auto call = j.build(JudgeInput{it, 1, answers});
  REQUIRE(call);
  CHECK(call->prompt_id == "single-math-v1-multi-turn");
  CHECK(call->messages[0].content.find("Please act as an impartial judge") == 0);
  CHECK(call->messages[1].content == "<|The Start of Reference Answer|>\n\n### User:\nQuestion "
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
  auto j = shipped_judge();
  auto it = item("coding");
  std::vector<std::string> answers = {"A1"};
  auto call = j.build(JudgeInput{it, 0, answers});
  REQUIRE_FALSE(call);
  CHECK(call.error().message.find("no reference answer") != std::string::npos);
}

TEST_CASE("judge prompt file errors name the line and field")
{
  auto bad =
      judges::parse_fastchat_prompts(TextFile{"p.jsonl", "{\"name\":\"x\",\"type\":\"single\"}\n"});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("p.jsonl:1") == 0);
  CHECK(bad.error().message.find("system_prompt") != std::string::npos);
}

TEST_SUITE_END();
