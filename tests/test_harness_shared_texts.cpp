#include <harness/json_string.hpp>
#include <harness/shared_texts.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using namespace harness;

TEST_SUITE_BEGIN("harness::shared_texts");

namespace {

// The pieces as (text, escaped) pairs, to compare with what is written by hand.
std::vector<std::pair<std::string, bool>>
pieces_of(const std::string& json_text, const std::vector<std::string_view>& shared)
{
  std::vector<std::pair<std::string, bool>> out;
  for (const auto& piece : split_shared_texts(json_text, shared)) {
    out.emplace_back(json_text.substr(piece.offset, piece.length), piece.escaped);
  }
  return out;
}

using Pieces = std::vector<std::pair<std::string, bool>>;

} // namespace

TEST_CASE("a shared text is split out where it occurs, the bytes around it kept as they are")
{
  const std::string question = "Name three moons of Jupiter, please."; // 36 bytes
  const std::string text = R"({"content":"Q: Name three moons of Jupiter, please. A:"})";
  CHECK(pieces_of(text, {question}) ==
        Pieces{{R"({"content":"Q: )", false}, {question, true}, {R"( A:"})", false}});
  // Twice, and at the very start and end of the text.
  CHECK(pieces_of(question + "|" + question, {question}) ==
        Pieces{{question, true}, {"|", false}, {question, true}});
}

TEST_CASE("a shared text is found in its JSON-escaped form")
{
  const std::string answer = "Line one says \"hi\".\nLine two\tends here.";
  const std::string escaped = R"(Line one says \"hi\".\nLine two\tends here.)";
  CHECK(json_escaped(answer) == escaped);
  CHECK(json_unescaped(escaped) == answer);
  CHECK(json_escaped("\x01 caf\xc3\xa9") == "\\u0001 caf\xc3\xa9"); // UTF-8 kept as it is
  const std::string text = "[\"" + escaped + "\"]";
  CHECK(pieces_of(text, {answer}) == Pieces{{"[\"", false}, {escaped, true}, {"\"]", false}});
}

TEST_CASE("the longest shared text wins, short ones are never split out")
{
  const std::string outer = "The quick brown fox jumps over the lazy dog, twice over."; // 56
  const std::string inner = "The quick brown fox jumps over the lazy dog";              // 43
  // `inner` inside `outer` is not split out again; elsewhere it is.
  CHECK(pieces_of(outer + " / " + inner, {inner, outer}) ==
        Pieces{{outer, true}, {" / ", false}, {inner, true}});
  const std::string short_text(k_min_shared_text - 1, 'x');
  CHECK(pieces_of("a" + short_text + "b", {short_text}) == Pieces{{"a" + short_text + "b", false}});
  CHECK(pieces_of("nothing shared", {}) == Pieces{{"nothing shared", false}});
}

TEST_CASE("escaping is nlohmann::json's, byte for byte, and unescaping its inverse")
{
  std::string every_ascii;
  for (int c = 1; c < 0x80; ++c) {
    every_ascii += static_cast<char>(c);
  }
  every_ascii += std::string(1, '\0') + "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82";
  const std::string dumped = nlohmann::json(every_ascii).dump();
  CHECK(json_escaped(every_ascii) == dumped.substr(1, dumped.size() - 2));
  CHECK(json_unescaped(json_escaped(every_ascii)) == every_ascii);
  // Escapes nlohmann::json never writes are read too.
  CHECK(json_unescaped(R"(a\/b \u00e9 \ud83d\ude42)") == "a/b \xc3\xa9 \xf0\x9f\x99\x82");
  CHECK_THROWS_AS(json_unescaped(R"(bad \q)"), nlohmann::json::parse_error);
}

TEST_SUITE_END();
