#include <harness/template.hpp>

#include <doctest/doctest.h>

using namespace harness;

TEST_SUITE_BEGIN("harness::template");

TEST_CASE("python_format fills placeholders and unescapes doubled braces")
{
  auto r = render_template("[Q]\n{question}\n{{literal}} {answer}",
                           {{"question", "2+2?"}, {"answer", "4"}}, TemplateSyntax::python_format);
  REQUIRE(r);
  CHECK(*r == "[Q]\n2+2?\n{literal} 4");
}

TEST_CASE("values are inserted verbatim, never expanded again")
{
  auto r = render_template("{a}", {{"a", "{b} {{c}}"}, {"b", "no"}}, TemplateSyntax::python_format);
  REQUIRE(r);
  CHECK(*r == "{b} {{c}}");
}

TEST_CASE("a missing variable is an error naming it")
{
  auto r =
      render_template("x {question} {answer}", {{"question", "q"}}, TemplateSyntax::python_format);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("'answer'") != std::string::npos);
}

TEST_CASE("unbalanced braces are errors")
{
  CHECK_FALSE(render_template("x {open", {}, TemplateSyntax::python_format));
  CHECK_FALSE(render_template("x } y", {}, TemplateSyntax::python_format));
  CHECK_FALSE(render_template("{bad name}", {{"bad name", "v"}}, TemplateSyntax::python_format));
}

TEST_CASE("mustache syntax keeps single braces literal")
{
  auto r = render_template("{'a': 1} {{ name }} {{x}}", {{"name", "N"}, {"x", "X"}},
                           TemplateSyntax::mustache);
  REQUIRE(r);
  CHECK(*r == "{'a': 1} N X");
  CHECK_FALSE(render_template("{{ missing }}", {}, TemplateSyntax::mustache));
}

TEST_CASE("literal text around and between variables is kept byte for byte")
{
  auto python = render_template("}}start {a}{{mid}}{b} tail{{", {{"a", "A"}, {"b", "B"}},
                                TemplateSyntax::python_format);
  REQUIRE(python);
  CHECK(*python == "}start A{mid}B tail{");
  auto mustache = render_template("{ x {{a}}}{ {{b}}{{ a }}{", {{"a", "A"}, {"b", "B"}},
                                  TemplateSyntax::mustache);
  REQUIRE(mustache);
  CHECK(*mustache == "{ x A}{ BA{");
}

TEST_CASE("template_variables lists the names used")
{
  auto vars = template_variables("{question_1} {answer_1} {question_1} {{x}}",
                                 TemplateSyntax::python_format);
  REQUIRE(vars);
  CHECK(*vars == std::set<std::string>{"answer_1", "question_1"});
}

TEST_SUITE_END();
