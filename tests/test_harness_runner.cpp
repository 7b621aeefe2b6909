#include "support/scripted_transport.hpp"
#include "support/sqlite_query.hpp"

#include <judges/arena_hard.hpp>

#include <harness/item_reader.hpp>
#include <harness/runner.hpp>

#include <boost/asio/io_context.hpp>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <set>

using namespace harness;
using namespace harness::client;
using namespace std::chrono_literals;
using testsupport::ok_reply;
using testsupport::ScriptedTransport;
using testsupport::status_reply;

TEST_SUITE_BEGIN("harness::runner");

namespace {

// Scores "[[n]]" replies; the prompt echoes the question and the answers.
class EchoJudge final : public Judge
{
public:
  std::string protocol() const override { return "single"; }
  std::string rubric() const override { return "echo@1"; }
  int resamples() const override { return 1; }
  Result<std::vector<JudgeCall>> build(const JudgeInput& in) const override
  {
    JudgeCall c;
    std::string text = "judge turn " + std::to_string(in.turn + 1) + ":";
    for (const auto& a : in.answers) {
      text += " " + a;
    }
    c.messages = {{Role::user, text}};
    c.prompt_id = "echo";
    c.position = "single";
    return std::vector<JudgeCall>{c};
  }
  CallVerdict parse(const JudgeCall&, const Response& reply) const override
  {
    CallVerdict v;
    if (reply.text.starts_with("[[")) {
      v.status = ParseStatus::ok;
      v.value = reply.text[2] - '0';
    } else {
      v.detail = "no score";
    }
    return v;
  }
  Verdict combine(const JudgeInput&, const std::vector<CallVerdict>& calls) const override
  {
    return single_call_verdict(calls);
  }
};

EndpointConfig
runner_endpoint(const std::string& name)
{
  EndpointConfig e;
  e.name = name;
  e.base_url = "http://127.0.0.1:1/v1";
  e.model = name + "-model";
  e.max_concurrency = 4;
  return e;
}

RunPlan
plan(const Judge& judge, int items = 3)
{
  RunPlan p;
  p.run.key = "run-key";
  p.run.bench = "t";
  p.run.model = "cand";
  p.run.judge = "judge";
  p.candidate = runner_endpoint("cand");
  p.judge_endpoint = runner_endpoint("judge");
  p.judge = &judge;
  p.candidate_params.max_tokens = 100;
  for (int i = 0; i < items; ++i) {
    Item item;
    item.id = "i" + std::to_string(i);
    item.category = "c";
    item.turns = {"first " + std::to_string(i), "second " + std::to_string(i)};
    p.items.push_back(item);
  }
  return p;
}

// Candidate answers "ans(<last user message>)"; the judge "[[7]]".
Result<HttpReply>
script(const HttpRequest& r, int)
{
  auto body = nlohmann::json::parse(*r.body);
  if (body["model"] == "judge-model") {
    return ok_reply("[[7]] fine");
  }
  return ok_reply("ans(" + body["messages"].back()["content"].get<std::string>() + ")");
}

RunOutcome
run(const RunPlan& p, Transport& transport, Store& store)
{
  boost::asio::io_context io;
  ClientPool pool(io, transport, RetryPolicy{2, 1ms, 5ms});
  pool.add_endpoint(p.candidate, std::nullopt);
  pool.add_endpoint(p.judge_endpoint, std::nullopt);
  Runner runner(io, pool, store);
  return runner.run(
      p, [](const RunProgress&) {}, 10ms);
}

} // namespace

TEST_CASE("turn 2 is asked with the model's own turn-1 answer in context")
{
  EchoJudge judge;
  auto p = plan(judge, 1);
  ScriptedTransport t(script);
  Store store("runner1.db");
  auto outcome = run(p, t, store);
  CHECK(outcome.status == "complete");
  CHECK(outcome.progress.units_done == 4);
  CHECK(outcome.progress.units_total == 4);
  bool saw_turn2 = false;
  bool saw_judge_turn2 = false;
  for (const auto& r : t.requests) {
    auto body = nlohmann::json::parse(*r.body);
    if (body["model"] == "cand-model" && body["messages"].size() == 3) {
      saw_turn2 = true;
      CHECK(body["messages"][0]["content"] == "first 0");
      CHECK(body["messages"][1]["role"] == "assistant");
      CHECK(body["messages"][1]["content"] == "ans(first 0)");
      CHECK(body["messages"][2]["content"] == "second 0");
      CHECK(body["max_tokens"] == 100);
    }
    if (body["model"] == "judge-model" &&
        body["messages"][0]["content"].get<std::string>().starts_with("judge turn 2")) {
      saw_judge_turn2 = true;
      CHECK(body["messages"][0]["content"] == "judge turn 2: ans(first 0) ans(second 0)");
    }
  }
  CHECK(saw_turn2);
  CHECK(saw_judge_turn2);
  auto verdicts = store.verdicts(outcome.run_id);
  REQUIRE(verdicts.size() == 2);
  for (const auto& v : verdicts) {
    CHECK(v.status == "ok");
    CHECK(v.score == 7.0);
    CHECK(v.raw_judgment == "[[7]] fine");
    CHECK(v.prompt_id == "echo");
    CHECK(v.judge_model_id == "judge-model");
    CHECK(v.judge_params == "{}"); // the sampling object alone, as sent (none was set)
    CHECK(v.candidate_hash.size() == 64);
    CHECK(v.judge_hash.size() == 64);
  }
}

TEST_CASE("given answers are judged without asking, each stored and named by its verdict")
{
  EchoJudge judge;
  auto p = plan(judge, 2);
  for (int i = 0; i < 2; ++i) {
    const auto n = std::to_string(i);
    p.given_answers.push_back({"given first " + n, "given second " + n});
  }
  ScriptedTransport t(script);
  Store store("runner-given.db");
  auto outcome = run(p, t, store);
  CHECK(outcome.status == "complete");
  for (const auto& r : t.requests) {
    CHECK(nlohmann::json::parse(*r.body)["model"] == "judge-model"); // only the judge is asked
  }
  CHECK(t.requests.size() == 4);
  auto verdicts = store.verdicts(outcome.run_id);
  REQUIRE(verdicts.size() == 4);
  for (const auto& v : verdicts) {
    const auto n = v.item_id.substr(1);
    CHECK(store.response_text(v.candidate_hash) ==
          (v.turn == 1 ? "given first " : "given second ") + n);
  }
  // Another answers file (another run key) with the same prompts keeps the first one's answers.
  auto other = p;
  other.run.key = "other-run-key";
  other.given_answers[0][0] = "changed";
  run(other, t, store);
  CHECK(store.response_text(verdicts[0].candidate_hash) == "given first 0");
}

TEST_CASE("re-running the same plan sends nothing: every response comes from the store")
{
  EchoJudge judge;
  auto p = plan(judge);
  Store store("runner2.db");
  ScriptedTransport first(script);
  auto a = run(p, first, store);
  CHECK(first.requests.size() == 12);
  ScriptedTransport second(script);
  auto b = run(p, second, store);
  CHECK(second.requests.empty());
  CHECK(b.run_id == a.run_id);
  CHECK(b.progress.cache_hits == 12);
  CHECK(b.status == "complete");
  CHECK(store.verdicts(b.run_id).size() == 6);
}

TEST_CASE("a prompt over the context is recorded as such, and not sent again to the same server")
{
  EchoJudge judge;
  auto p = plan(judge);
  Store store("runner_context.db");
  // Item 1's first question is over the candidate's context (llama.cpp's refusal).
  auto over_context = [](const HttpRequest& r, int i) -> Result<HttpReply> {
    auto body = nlohmann::json::parse(*r.body);
    if (body["model"] == "cand-model" && body["messages"][0]["content"] == "first 1") {
      return testsupport::status_reply(
          400, R"({"error":{"code":400,"message":"the request exceeds the available context )"
               R"(size, try increasing it","type":"exceed_context_size_error"}})");
    }
    return script(r, i);
  };
  auto asked_item_1 = [](const ScriptedTransport& t) {
    long n = 0;
    for (const auto& r : t.requests) {
      auto body = nlohmann::json::parse(*r.body);
      n += body["model"] == "cand-model" && body["messages"].size() == 1 &&
           body["messages"][0]["content"] == "first 1";
    }
    return n;
  };
  ScriptedTransport first(over_context);
  auto a = run(p, first, store);
  CHECK(a.status == "incomplete");
  CHECK(asked_item_1(first) == 1); // not retried
  CHECK(testsupport::query_text("runner_context.db",
                                "SELECT kind || ' ' || attempts || ' ' || endpoint FROM errors") ==
        "context_exceeded 1 http://127.0.0.1:1/v1 cand-model");

  // Run again against the same server: not sent, the refusal recorded again.
  ScriptedTransport second(over_context);
  auto b = run(p, second, store);
  CHECK(b.run_id == a.run_id);
  CHECK(b.status == "incomplete");
  CHECK(asked_item_1(second) == 0);
  CHECK(second.requests.empty());
  CHECK(store.count_errors(a.run_id) == 2);

  // The server now says it serves a longer context: asked again.
  p.candidate.context_length = 32768;
  ScriptedTransport third(script);
  auto c = run(p, third, store);
  CHECK(asked_item_1(third) == 1);
  CHECK(c.status == "complete");
}

TEST_CASE("a partly stored run resumes: only the missing requests are sent")
{
  EchoJudge judge;
  auto p = plan(judge);
  Store store("runner3.db");
  // First attempt: the judge is down, so candidates are stored, judgments are not.
  ScriptedTransport judge_down([](const HttpRequest& r, int i) -> Result<HttpReply> {
    if (nlohmann::json::parse(*r.body)["model"] == "judge-model") {
      return status_reply(503);
    }
    return script(r, i);
  });
  auto a = run(p, judge_down, store);
  CHECK(a.status == "incomplete");
  CHECK(a.progress.errors == 6);
  CHECK(store.count_errors(a.run_id) == 6);
  for (const auto& v : store.verdicts(a.run_id)) {
    CHECK(v.status == "judge_error");
    CHECK(v.detail.find("server") == 0);
  }
  ScriptedTransport healthy(script);
  auto b = run(p, healthy, store);
  CHECK(b.status == "complete");
  CHECK(healthy.requests.size() == 6); // the 6 judge requests only
  for (const auto& r : healthy.requests) {
    CHECK(nlohmann::json::parse(*r.body)["model"] == "judge-model");
  }
  for (const auto& v : store.verdicts(b.run_id)) {
    CHECK(v.status == "ok");
  }
}

TEST_CASE("a failed candidate turn marks it and the later turns, and nothing is judged")
{
  EchoJudge judge;
  auto p = plan(judge, 1);
  Store store("runner4.db");
  ScriptedTransport t([](const HttpRequest& r, int i) -> Result<HttpReply> {
    if (nlohmann::json::parse(*r.body)["model"] == "cand-model") {
      return status_reply(
          400, R"({"error":{"message":"context too long","code":"context_length_exceeded"}})");
    }
    return script(r, i);
  });
  auto outcome = run(p, t, store);
  CHECK(outcome.status == "incomplete");
  CHECK(t.requests.size() == 1);
  auto verdicts = store.verdicts(outcome.run_id);
  REQUIRE(verdicts.size() == 2);
  CHECK(verdicts[0].status == "candidate_error");
  CHECK(verdicts[0].detail.find("context_length_exceeded") != std::string::npos);
  CHECK(verdicts[1].status == "candidate_error");
  CHECK(verdicts[1].detail == "turn 1 was not answered");
  CHECK(outcome.progress.units_done == outcome.progress.units_total);
  // The counts add up, in the README's units: 2 turns, both with a verdict row
  // and neither rated; 1 request sent, and it is the 1 row in `errors`.
  CHECK(outcome.progress.turns_total == 2);
  CHECK(outcome.progress.turns_judged == 2);
  CHECK(outcome.progress.requests_sent == 1);
  CHECK(store.count_errors(outcome.run_id) == 1);
  CHECK(outcome.progress.by_role.at("candidate").sent == 1);
  CHECK(outcome.progress.by_role.count("judge") == 0);
}

TEST_CASE("an unparseable judgment is recorded with its raw text")
{
  EchoJudge judge;
  auto p = plan(judge, 1);
  Store store("runner5.db");
  ScriptedTransport t([](const HttpRequest& r, int i) -> Result<HttpReply> {
    if (nlohmann::json::parse(*r.body)["model"] == "judge-model") {
      return ok_reply("I refuse to score.");
    }
    return script(r, i);
  });
  auto outcome = run(p, t, store);
  CHECK(outcome.status == "complete"); // parse failures are outcomes, not request errors
  for (const auto& v : store.verdicts(outcome.run_id)) {
    CHECK(v.status == "parse_failed");
    CHECK_FALSE(v.score);
    CHECK(v.raw_judgment == "I refuse to score.");
  }
  // One re-sample per unreadable reply, with its own seed (so its own cache key); both recorded.
  auto calls = store.judge_calls(outcome.run_id);
  REQUIRE(calls.size() == 4);
  CHECK(calls[0].attempt + calls[1].attempt + calls[2].attempt + calls[3].attempt == 2);
  int seeded = 0;
  std::multiset<std::string> first_prompts;
  std::multiset<std::string> resampled_prompts;
  for (const auto& r : t.requests) {
    auto body = nlohmann::json::parse(*r.body);
    seeded += body.contains("seed");
    if (body["model"] == "judge-model") {
      (body.contains("seed") ? resampled_prompts : first_prompts)
          .insert(body["messages"].at(0)["content"].get<std::string>());
    }
  }
  CHECK(seeded == 2);
  // A re-sample asks what the first call asked (its messages, let go once
  // sent, built again): turn 1 with the first answer, turn 2 with both.
  const std::multiset<std::string> asked{"judge turn 1: ans(first 0)",
                                         "judge turn 2: ans(first 0) ans(second 0)"};
  CHECK(first_prompts == asked);
  CHECK(resampled_prompts == asked);
}

TEST_CASE("a follow-up continues the judge's conversation: sent once, stored per attempt")
{
  auto rubric = load_rubric(EVALRUN_SOURCE_DIR, "arena-hard");
  REQUIRE(rubric);
  judges::ArenaHardJudge judge(*rubric, JudgeSpec{});
  auto p = plan(judge, 1);
  p.items[0].turns = {"Q"};
  p.items[0].references = {"baseline answer"};
  p.baseline_from_references = true;
  Store store("runner6.db");
  // Game 1 (baseline first) gives no label, then one when asked to continue;
  // game 2 gives two conflicting labels and is not asked again.
  ScriptedTransport t([](const HttpRequest& r, int i) -> Result<HttpReply> {
    auto body = nlohmann::json::parse(*r.body);
    if (body["model"] != "judge-model") {
      return script(r, i);
    }
    const auto& messages = body["messages"];
    if (messages.size() == 4) {
      return ok_reply("Finished: [[B>A]]");
    }
    std::string user = messages[1]["content"];
    bool baseline_first = user.find("A's Answer|>\nbaseline answer") != std::string::npos;
    return ok_reply(baseline_first ? "My own answer first." : "[[A>B]] no, [[B>A]]");
  });
  auto outcome = run(p, t, store);
  CHECK(outcome.status == "complete");
  int judge_requests = 0;
  for (const auto& r : t.requests) {
    auto body = nlohmann::json::parse(*r.body);
    if (body["model"] != "judge-model") {
      continue;
    }
    ++judge_requests;
    CHECK_FALSE(body.contains("seed")); // a continuation is not a re-sample
    if (body["messages"].size() == 4) {
      CHECK(body["messages"][2]["role"] == "assistant");
      CHECK(body["messages"][2]["content"] == "My own answer first.");
      CHECK(body["messages"][3]["content"] ==
            "continue your judgment and finish by outputting a final verdict label");
    }
  }
  CHECK(judge_requests == 3);
  CHECK(outcome.progress.by_role.at("judge").sent == 2);
  CHECK(outcome.progress.by_role.at("judge").reasks == 1);
  auto verdicts = store.verdicts(outcome.run_id);
  REQUIRE(verdicts.size() == 1);
  CHECK(verdicts[0].status == "ok");
  CHECK(verdicts[0].labels_json == R"(["B>A",""])");
  // The reference it was judged against is stored, and the verdict names it.
  CHECK(store.response_text(verdicts[0].baseline_hash) == "baseline answer");
  auto calls = store.judge_calls(outcome.run_id);
  REQUIRE(calls.size() == 3);
  CHECK(calls[0].call_index == 0);
  CHECK(calls[0].attempt == 0);
  CHECK(calls[0].status == "parse_failed");
  CHECK(calls[1].call_index == 0);
  CHECK(calls[1].attempt == 1);
  CHECK(calls[1].label == "B>A");
  CHECK(calls[2].call_index == 1);
  CHECK(calls[2].status == "parse_failed");
  // Each reply is stored once, as a response, and read back into the records.
  CHECK(calls[0].raw == "My own answer first.");
  CHECK(calls[1].raw == "Finished: [[B>A]]");
  CHECK(calls[2].raw == "[[A>B]] no, [[B>A]]");
  CHECK(verdicts[0].raw_judgment == R"(["Finished: [[B>A]]","[[A>B]] no, [[B>A]]"])");
  const auto stored = testsupport::query_text(
      "runner6.db", "SELECT (SELECT group_concat(raw, '|') FROM judge_calls) || '/' || "
                    "(SELECT group_concat(raw_judgment, '|') FROM verdicts)");
  REQUIRE(stored);
  CHECK(*stored == "||/");

  // Re-running sends nothing: the continuation is found in the store too.
  ScriptedTransport again(script);
  auto b = run(p, again, store);
  CHECK(again.requests.empty());
  CHECK(store.verdicts(b.run_id)[0].labels_json == R"(["B>A",""])");
}

TEST_CASE("a reply with a number no double holds is a recorded bad_response, and the run ends")
{
  // Issue 12: {"created":1e999} threw nlohmann's out_of_range through the runner (exit 70, the
  // run left running, and every re-run crashed again).
  EchoJudge judge;
  auto p = plan(judge, 1);
  Store store("runner_overflow.db");
  ScriptedTransport t([](const HttpRequest& r, int i) -> Result<HttpReply> {
    if (nlohmann::json::parse(*r.body)["model"] == "cand-model") {
      return status_reply(
          200, R"({"id":"x","object":"chat.completion","created":1e999,"choices":[{"index":0,)"
               R"("message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]})");
    }
    return script(r, i);
  });
  for (int rerun = 0; rerun < 2; ++rerun) {
    CAPTURE(rerun);
    RunOutcome outcome;
    REQUIRE_NOTHROW(outcome = run(p, t, store));
    CHECK(outcome.status == "incomplete");
    auto verdicts = store.verdicts(outcome.run_id);
    REQUIRE(verdicts.size() == 2);
    CHECK(verdicts[0].status == "candidate_error");
    CHECK(verdicts[0].detail.find("invalid chat completion") != std::string::npos);
    CHECK(verdicts[0].detail.find("1e999") != std::string::npos);
    CHECK(outcome.progress.units_done == outcome.progress.units_total);
  }
}

namespace {

// Reads `items`, then fails with `error` if one is given.
class FailingReader final : public ItemReader
{
public:
  FailingReader(std::vector<Item> items, std::optional<std::string> error)
      : m_items(std::move(items)), m_error(std::move(error))
  {}
  Result<std::optional<Item>> next() override
  {
    if (m_next < m_items.size()) {
      return std::optional<Item>(m_items[m_next++]);
    }
    if (m_error) {
      return Error(Error::Kind::config, *m_error);
    }
    return std::optional<Item>();
  }

private:
  std::vector<Item> m_items;
  std::optional<std::string> m_error;
  size_t m_next = 0;
};

} // namespace

TEST_CASE("items read one at a time give the verdicts and requests items given whole give")
{
  EchoJudge judge;
  auto whole = plan(judge, 5);
  Store whole_store("whole.db");
  ScriptedTransport whole_wire(script);
  auto expected = run(whole, whole_wire, whole_store);
  REQUIRE(expected.status == "complete");

  auto read = plan(judge, 5);
  auto items = read.items;
  read.items.clear();
  read.item_source = [items] {
    return std::make_unique<FailingReader>(items, std::nullopt);
  };
  Store read_store("read.db");
  ScriptedTransport read_wire(script);
  std::vector<RunProgress> seen;
  boost::asio::io_context io;
  ClientPool pool(io, read_wire, RetryPolicy{2, 1ms, 5ms});
  pool.add_endpoint(read.candidate, std::nullopt);
  pool.add_endpoint(read.judge_endpoint, std::nullopt);
  Runner runner(io, pool, read_store);
  auto outcome = runner.run(
      read, [&](const RunProgress& p) { seen.push_back(p); }, 10ms);
  CHECK(outcome.status == "complete");
  CHECK(outcome.items_read == 5);
  CHECK(outcome.all_items_read);
  CHECK_FALSE(outcome.read_error);
  // Nobody said how many items there are: the total is what was read, marked as not known.
  CHECK_FALSE(outcome.progress.totals_known);
  CHECK(outcome.progress.turns_total == 10);
  CHECK(read_wire.requests.size() == whole_wire.requests.size());
  auto a = whole_store.verdicts(expected.run_id);
  auto b = read_store.verdicts(outcome.run_id);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].item_id == b[i].item_id);
    CHECK(a[i].score == b[i].score);
    CHECK(a[i].candidate_hash == b[i].candidate_hash);
    CHECK(a[i].judge_hash == b[i].judge_hash);
  }
}

TEST_CASE("an item that cannot be read stops the run there, nothing more sent, the reason told")
{
  EchoJudge judge;
  auto p = plan(judge, 2);
  auto items = p.items;
  p.items.clear();
  p.item_source = [items] {
    return std::make_unique<FailingReader>(items, "items.jsonl:3: not valid JSON");
  };
  Store store("unreadable.db");
  ScriptedTransport wire(script);
  boost::asio::io_context io;
  ClientPool pool(io, wire, RetryPolicy{2, 1ms, 5ms});
  pool.add_endpoint(p.candidate, std::nullopt);
  pool.add_endpoint(p.judge_endpoint, std::nullopt);
  Runner runner(io, pool, store);
  runner.set_item_count(2, 4); // as the check of the whole file says, before the run
  auto outcome = runner.run(
      p, [](const RunProgress&) {}, 10ms);
  REQUIRE(outcome.read_error);
  CHECK(outcome.read_error->message == "items.jsonl:3: not valid JSON");
  CHECK(outcome.status == "interrupted");
  CHECK(outcome.items_read == 2);
  CHECK_FALSE(outcome.all_items_read);
  CHECK(outcome.progress.totals_known);
  CHECK(outcome.progress.turns_total == 4);
  CHECK(store.runs().at(0).items == 2); // recorded from the count given
  // It failed while the first window was read: the two items before it had been asked (a
  // process alone in its database sends at once), nothing after them, and nothing was judged
  // (a stop lets the requests on the wire land and sends no more).
  CHECK(wire.requests.size() <= 2);
  for (const auto& request : wire.requests) {
    CHECK(request.body->find(p.candidate.model) != std::string::npos);
  }
  CHECK(store.verdicts(outcome.run_id).empty());
}

TEST_SUITE_END();
