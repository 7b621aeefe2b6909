#include <harness/demo/replies.hpp>
#include <harness/demo/routes.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace harness;
using namespace harness::demo;

TEST_SUITE_BEGIN("harness::demo");

namespace {

ChatRequest
ask(const std::string& system, const std::string& user)
{
  ChatRequest r;
  r.model = "evalrun-demo";
  if (!system.empty()) {
    r.messages.push_back({Role::system, system});
  }
  r.messages.push_back({Role::user, user});
  return r;
}

} // namespace

TEST_CASE("demo replies are deterministic and depend on the messages")
{
  auto a = demo_reply(ask("", "What is 2+2?"));
  CHECK(a == demo_reply(ask("", "What is 2+2?")));
  CHECK(a != demo_reply(ask("", "What is 3+3?")));
  CHECK(a.find("evalrun demo answer") != std::string::npos);
}

TEST_CASE("demo judge replies follow each judge format")
{
  for (int i = 0; i < 30; ++i) {
    auto single =
        demo_reply(ask("", "Rate it strictly as \"[[rating]]\". Answer " + std::to_string(i)));
    auto pos = single.find("Rating: [[");
    REQUIRE(pos != std::string::npos);
    int n = std::stoi(single.substr(pos + 10));
    CHECK(n >= 1);
    CHECK(n <= 10);

    auto pair =
        demo_reply(ask("output \"[[A]]\", \"[[B]]\" or \"[[C]]\"", "pair " + std::to_string(i)));
    CHECK((pair.ends_with("[[A]]") || pair.ends_with("[[B]]") || pair.ends_with("[[C]]")));

    auto prometheus = demo_reply(ask("", "write [RESULT] then a score " + std::to_string(i)));
    auto r = prometheus.find("[RESULT] ");
    REQUIRE(r != std::string::npos);
    int s = std::stoi(prometheus.substr(r + 9));
    CHECK(s >= 1);
    CHECK(s <= 5);
  }
}

TEST_CASE("a long question in a multi-byte script is cut at a character, and the reply encodes")
{
  ChatRequest request;
  request.model = "evalrun-demo";
  std::string question;
  for (int i = 0; i < 40; ++i) {
    question += "\xc3\xa9"; // é: two bytes, so byte 60 falls inside a character at odd cuts
  }
  question = "x" + question; // shift by one byte: a cut at byte 60 splits an é
  request.messages = {{Role::user, question}};
  auto reply = demo_reply(request);
  CHECK_NOTHROW((void)nlohmann::json(reply).dump());
  auto answer = route("POST", "/v1/chat/completions",
                      R"({"model":"evalrun-demo","messages":[{"role":"user","content":")" +
                          question + R"("}]})");
  CHECK(answer.status == 200);
  CHECK(answer.completion);
}

TEST_SUITE_END();
