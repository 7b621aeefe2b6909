#include <harness/utf8.hpp>

#include <doctest/doctest.h>

using harness::valid_json_text;
using harness::valid_utf8;
using harness::well_formed_utf8;

// Well-formed UTF-8 by RFC 3629's table; every other byte becomes U+FFFD.
TEST_SUITE_BEGIN("harness::utf8");

TEST_CASE("well-formed text is kept byte for byte and every bad byte becomes U+FFFD")
{
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(valid_utf8("plain ascii") == "plain ascii");
  CHECK(valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") ==
        "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"); // é, €, 😀
  CHECK(valid_utf8("a\xFF"
                   "b") == "a" + fffd + "b");                         // never a lead byte
  CHECK(valid_utf8("\xC3") == fffd);                                  // cut short
  CHECK(valid_utf8("\xC0\xAF") == fffd + fffd);                       // overlong '/'
  CHECK(valid_utf8("\xE0\x80\xAF") == fffd + fffd + fffd);            // overlong, 3 bytes
  CHECK(valid_utf8("\xED\xA0\x80") == fffd + fffd + fffd);            // a surrogate (U+D800)
  CHECK(valid_utf8("\xF4\x90\x80\x80") == fffd + fffd + fffd + fffd); // above U+10FFFF
  CHECK(valid_utf8("\x80x") == fffd + "x");                           // a lone continuation byte
  CHECK(valid_utf8(std::string("a\0b", 3)) == std::string("a\0b", 3));
}

TEST_CASE(
    "JSON text: bad bytes and lone surrogate escapes are replaced, pairs and other escapes kept")
{
  const std::string fffd = "\xEF\xBF\xBD";
  const std::string fine = R"({"a":"caf\u00e9 \ud83d\ude00 \\ud800"})";
  CHECK(valid_json_text(fine) == fine); // a pair, and an escaped backslash then "ud800"
  CHECK(valid_json_text(R"({"a":"x\ud800y"})") == R"({"a":"x\uFFFDy"})");         // lone high
  CHECK(valid_json_text(R"({"a":"\uDC00"})") == R"({"a":"\uFFFD"})");             // lone low
  CHECK(valid_json_text(R"({"a":"\ud800\u0041"})") == R"({"a":"\uFFFD\u0041"})"); // high + BMP
  CHECK(valid_json_text(R"({"a":"\ud800)") == R"({"a":"\uFFFD)");                 // cut short
  CHECK(valid_json_text(R"({"a":"\ud8)") == R"({"a":"\ud8)");                     // not 4 digits
  CHECK(valid_json_text("{\"a\":\"\xFF\xFE\"}") == "{\"a\":\"" + fffd + fffd + "\"}");
  CHECK(valid_json_text("tail\\") == "tail\\");
}

TEST_CASE("a bad or multi-byte sequence is found wherever it stands in a run of ASCII")
{
  // ASCII is read eight bytes at a time: put each sequence at every offset
  // across two such words, at the end, and after a sequence.
  const std::string fffd = "\xEF\xBF\xBD";
  for (size_t at = 0; at <= 17; ++at) {
    const std::string before(at, 'a');
    const std::string after(17 - at, 'z');
    CAPTURE(at);
    CHECK(valid_utf8(before + "\xFF" + after) == before + fffd + after);
    CHECK(valid_utf8(before + "\xC3" + after) == before + fffd + after); // cut short by ASCII
    CHECK(valid_utf8(before + "\xC3\xA9" + after) == before + "\xC3\xA9" + after);
    CHECK(valid_utf8(before + "\xC3\xA9\x80" + after) == before + "\xC3\xA9" + fffd + after);
    CHECK_FALSE(well_formed_utf8(before + "\x80" + after));
    CHECK(well_formed_utf8(before + "\xF0\x9F\x98\x80" + after));
    CHECK_FALSE(well_formed_utf8(before + "\xF0\x9F\x98" + after));
    CHECK(valid_json_text("\"" + before + "\xFE" + after + "\"") ==
          "\"" + before + fffd + after + "\"");
  }
}

TEST_SUITE_END();
