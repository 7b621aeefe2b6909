#include "support/janus_reports.hpp"
// Reports are data, never code: names from configs, imports and servers are
// escaped in every format (CSV, Markdown, HTML). Expected strings by hand.

#include <reports/arena_hard_scores.hpp>
#include <reports/csv_field.hpp>
#include <reports/janus_tables.hpp>
#include <reports/leaderboard.hpp>
#include <reports/markdown_text.hpp>
#include <reports/render.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace reports;

TEST_SUITE_BEGIN("reports::escaping");

namespace {

// An MT-Bench style run whose every name is hostile, with a negative mean
// (numbers are never neutralised).
RunReport
hostile_single_run()
{
  RunReport r;
  r.run.id = 7;
  r.run.bench = "-2+3";
  r.run.bench_version = "1";
  r.run.model = "=HYPERLINK(\"x\")";
  r.run.baseline = "a,b\"c";
  r.run.judge = "x|y<script>";
  r.run.protocol = "single";
  r.run.rubric = "two\nlines";
  r.run.status = "+complete"; // statuses are fixed words; every text cell is neutralised
  r.run.finished_at = "@2026-01-01";
  r.scores.average.mean = -1.5;
  r.scores.average.n = 4;
  r.scores.parse_failures = 1;
  r.scores.errors = 2;
  r.intervals["average"] = Interval{-2.25, -0.5, 1000, 1};
  return r;
}

size_t
count(const std::string& text, const std::string& what)
{
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

} // namespace

TEST_CASE("a CSV text field is RFC 4180 quoted and never starts a formula")
{
  CHECK(csv_field("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"");
  CHECK(csv_field("-2+3") == "'-2+3");
  CHECK(csv_field("+1") == "'+1");
  CHECK(csv_field("@SUM(A1)") == "'@SUM(A1)");
  CHECK(csv_field("\tx") == "'\tx");
  CHECK(csv_field("\rx") == "\"'\rx\""); // neutralised, then quoted for its CR
  CHECK(csv_field("a,b\"c") == "\"a,b\"\"c\"");
  CHECK(csv_field("x|y<script>") == "x|y<script>");
  CHECK(csv_field("line\nbreak") == "\"line\nbreak\"");
  CHECK(csv_field("a-b=c") == "a-b=c"); // only the first character can start a formula
  CHECK(csv_field("  =D") == "'  =D");  // spreadsheets skip the leading spaces
  CHECK(csv_field("   ") == "   ");
  CHECK(csv_field("").empty());
  // Data files read back by name (upstream's weights file) are quoted only.
  CHECK(csv_quoted("-2+3") == "-2+3");
  CHECK(csv_quoted("=HYPERLINK(\"x\")") == "\"=HYPERLINK(\"\"x\"\")\"");
}

TEST_CASE("report --format csv: text cells neutralised and quoted, numbers as they are")
{
  std::vector<RunReport> reports = {hostile_single_run()};
  CHECK(render_csv(reports) ==
        "run_id,bench,bench_version,model,baseline,judge,protocol,rubric,status,metric,unit,value,"
        "ci_low,ci_high,n,parse_failures,errors,demo,finished_at,swap_flip_fraction,"
        "first_position_win_fraction,longer_won_fraction,score_length_r,swap_inconsistent_fraction,"
        "games_unread_fraction,resampled_fraction\n"
        "7,'-2+3,1,\"'=HYPERLINK(\"\"x\"\")\",\"a,b\"\"c\",x|y<script>,single,\"two\nlines\","
        "'+complete,average,1-10,-1.500000,-2.250000,-0.500000,4,1,2,false,'@2026-01-01,,,,,,,\n");
}

TEST_CASE("leaderboard.csv: text cells neutralised and quoted, numbers as they are")
{
  std::vector<RunReport> reports = {hostile_single_run()};
  auto board = build_leaderboard(reports);
  add_not_run(board, {"line\nbreak", "+bench", "=cmd|' /C calc'!A0", "@limit"});
  CHECK(leaderboard_csv(board) ==
        "model,bench,bench_version,judge,rubric,protocol,baseline,metric,variant,value,ci_low,"
        "ci_high,n,failures,status,run_id,computed_at,reason,answers,answers_cut_short\n"
        "\"'=HYPERLINK(\"\"x\"\")\",'-2+3,1,x|y<script>,\"two\nlines\",single,\"a,b\"\"c\","
        "average,,-1.500000,-2.250000,-0.500000,4,3,'+complete,7,'@2026-01-01,,0,0\n"
        "\"line\nbreak\",'+bench,,,,,,,'@limit,,,,,,not_run,,,'=cmd|' /C calc'!A0,,\n");
}

TEST_CASE(
    "Markdown text: pipes escaped, no HTML, one line, and code spans and fences hold anything")
{
  CHECK(markdown_text("x|y<script>") == "x\\|y&lt;script&gt;");
  CHECK(markdown_text("a&b") == "a&amp;b");
  CHECK(markdown_text("line\nbreak\r\n") == "line break  ");
  CHECK(markdown_text("a\\|b") == "a\\\\\\|b"); // a backslash cannot unescape our "\|"
  CHECK(markdown_text("=HYPERLINK(\"x\")") == "=HYPERLINK(\"x\")");
  CHECK(markdown_code_span("gpt-4") == "`gpt-4`");
  CHECK(markdown_code_span("m`id") == "``m`id``");
  CHECK(markdown_code_span("`x") == "`` `x ``");
  CHECK(markdown_code_span("a\nb<i>") == "`a b<i>`"); // no HTML inside a code span
  CHECK(markdown_fence("model | score: 50.0\n") == "```");
  CHECK(markdown_fence("a```b\n``\n") == "````");
}

TEST_CASE("report markdown escapes names in its heading, its lines and its tables")
{
  RunReport r;
  r.run.id = 1;
  r.run.bench = "a\nb";
  r.run.model = "x|y<script>";
  r.run.baseline = "=HYPERLINK(\"x\")";
  r.run.judge = "j&k";
  r.run.model_id = "m`id";
  r.run.judge_model_id = "gpt";
  r.run.rubric = "r";
  r.run.protocol = "pairwise";
  r.run.status = "complete";
  r.run.items = 4;
  r.run.evalrun_version = "1";
  r.run.started_at = "s";
  r.pairwise.wins = 1;
  r.pairwise.n = 1;
  r.pairwise.tie_win_rate = 1.0;
  r.pairwise_by_source["x|y<script>"] = r.pairwise;
  r.pairwise_by_source["second\nsource"] = r.pairwise; // the table needs two sources
  std::vector<RunReport> reports = {r};
  auto md = render_markdown(reports);
  CHECK(md.find("## a b — x\\|y&lt;script&gt; vs =HYPERLINK(\"x\") judged by j&amp;k (pairwise "
                "grading)\n\nrun 1 · status complete · 4 items · model ``m`id`` · judge `gpt` · "
                "rubric `r` · evalrun 1 · started s\n\n") == 0);
  CHECK(md.find("| x\\|y&lt;script&gt; | 1 | 0 | 0 | 100.0% |\n") != std::string::npos);
  CHECK(md.find("| second source | 1 | 0 | 0 | 100.0% |\n") != std::string::npos);
  CHECK(md.find("<script>") == std::string::npos);
}

TEST_CASE("the Arena-Hard table stays byte for byte, in a fence that no name can close")
{
  RunReport r;
  r.run.id = 1;
  r.run.model = "evil```\n# heading";
  r.run.bench = "arenahard";
  r.run.protocol = "arena_hard";
  ArenaHardReport a;
  a.model = r.run.model;
  a.baseline = "gpt-4-0314";
  ArenaHardScore evil;
  evil.model = r.run.model;
  evil.score = 40;
  evil.lower = 38;
  evil.upper = 42;
  ArenaHardScore base;
  base.model = "gpt-4-0314";
  base.is_baseline = true;
  base.score = 50;
  base.lower = 50;
  base.upper = 50;
  a.table = {evil, base};
  a.fitted_with = {"evil``` (run 1)"};
  r.arena_hard = a;
  std::vector<RunReport> reports = {r};
  auto md = render_markdown(reports);
  const std::string lines = arena_hard_line(evil) + "\n" + arena_hard_line(base) + "\n";
  CHECK(lines.find("evil```\n# heading") == 0); // upstream's line, unescaped
  CHECK(md.find("its file's line order: evil``` (run 1)):\n\n````\n" + lines + "````\n\n") !=
        std::string::npos);

  // Ordinary names keep upstream's ``` fence.
  a.model = evil.model = "janus";
  a.table = {evil, base};
  r.arena_hard = a;
  std::vector<RunReport> plain = {r};
  CHECK(render_markdown(plain).find(":\n\n```\n" + arena_hard_line(evil) + "\n") !=
        std::string::npos);
}

TEST_CASE("leaderboard markdown escapes every name, status and reason")
{
  RunReport r;
  r.run.id = 1;
  r.run.model = "x|y<script>";
  r.run.bench = "mtbench";
  r.run.bench_version = "1";
  r.run.rubric = "r";
  r.run.judge = "j&k";
  r.run.protocol = "single";
  r.run.status = "complete";
  r.run.finished_at = "2026-01-01";
  r.scores.average.mean = 5.0;
  r.scores.average.n = 10;
  std::vector<RunReport> reports = {r};
  auto board = build_leaderboard(reports);
  add_not_run(board, {"line\nbreak", "b|c", "<img src=x onerror=alert(1)>\nsecond line", ""});
  auto md = leaderboard_markdown(board);
  CHECK(md.find("- **[1]** mtbench v1 · r · j&amp;k — average\n") != std::string::npos);
  CHECK(md.find("\n| x\\|y&lt;script&gt; | 5.00 |\n") != std::string::npos);
  CHECK(md.find("\n| x\\|y&lt;script&gt; | [1] | 1 | complete | 10 | 0 of 0 | 2026-01-01 |\n") !=
        std::string::npos);
  CHECK(md.find("\n| line break | b\\|c |  | &lt;img src=x onerror=alert(1)&gt; second line |\n") !=
        std::string::npos);
  CHECK(md.find('<') == std::string::npos);
}

TEST_CASE("the Janus tables escape model and baseline names")
{
  auto md = janus_tables_markdown(testsupport::janus_reports("x|y<script>", "a|b\nc"));
  CHECK(md.find("\n| x\\|y&lt;script&gt; | — | — | 7.65 | — |\n") != std::string::npos);
  CHECK(md.find("\n| x\\|y&lt;script&gt; | a\\|b c | 5 | 1 | 4 | 10 | 60.0% |\n") !=
        std::string::npos);
  CHECK(md.find("<script>") == std::string::npos);
}

TEST_CASE("the leaderboard page runs no script from data")
{
  RunReport r = hostile_single_run();
  r.run.model = "x|y<script>alert(1)</script>";
  r.run.status = "<script>s</script>";
  r.run.finished_at = "it's";
  r.cost.roles = {reports::RoleCost{"candidate", r.run.model, {1, 2, 3}, std::nullopt}};
  std::vector<RunReport> reports = {r};
  auto board = build_leaderboard(reports);
  add_not_run(board, {"<script>m</script>", "b", "<script>r</script>", "'"});
  auto html = leaderboard_html(board, "<script>v</script>");
  CHECK(count(html, "<script") == 1); // the page's own sorting script
  CHECK(html.find("<td>x|y&lt;script&gt;alert(1)&lt;/script&gt;</td>") != std::string::npos);
  CHECK(
      html.find("title=\"run 7 · &lt;script&gt;s&lt;/script&gt; · n 4 · 0 of 0 answers cut short · "
                "computed it&#39;s · judge: unreadable 0 of 0 · tokens: ") != std::string::npos);
  // The tokens' line names the endpoints: escaped too.
  CHECK(html.find("tokens: candidate x|y&lt;script&gt;alert(1)&lt;/script&gt;: 1 requests, 2 "
                  "prompt + 3 completion tokens\"") != std::string::npos);
  CHECK(html.find("<td>&lt;script&gt;r&lt;/script&gt;</td>") != std::string::npos);
}

TEST_SUITE_END();
