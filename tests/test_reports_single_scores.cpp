#include <reports/render.hpp>
#include <reports/single_scores.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace harness;

TEST_SUITE_BEGIN("reports::single_scores");

namespace {

VerdictRecord
verdict(int turn, const std::string& status, std::optional<double> score,
        const std::string& category = "writing")
{
  VerdictRecord v;
  v.item_id = "x";
  v.turn = turn;
  v.status = status;
  v.score = score;
  v.category = category;
  return v;
}

} // namespace

TEST_CASE("means by turn, overall over valid rows, failures counted not averaged")
{
  std::vector<VerdictRecord> rows = {verdict(1, "ok", 8.0),
                                     verdict(1, "ok", 6.0, "math"),
                                     verdict(1, "parse_failed", std::nullopt),
                                     verdict(2, "ok", 3.0, "math"),
                                     verdict(2, "out_of_range", std::nullopt),
                                     verdict(2, "judge_error", std::nullopt),
                                     verdict(2, "candidate_error", std::nullopt)};
  auto s = reports::summarize_single(rows);
  CHECK(s.turn1.mean == doctest::Approx(7.0));
  CHECK(s.turn1.n == 2);
  CHECK(s.turn2.mean == doctest::Approx(3.0));
  CHECK(s.turn2.n == 1);
  // FastChat's overall mean is over all valid rows: (8+6+3)/3, not (7+3)/2.
  CHECK(s.average.mean == doctest::Approx(17.0 / 3.0));
  CHECK(s.average.n == 3);
  CHECK(s.parse_failures == 2);
  CHECK(s.errors == 2);
  CHECK(s.judgments == 7);
  CHECK(s.by_category.at("math").mean == doctest::Approx(4.5));
  CHECK(s.by_category.at("writing").n == 1);
}

TEST_CASE("no valid rows gives no mean, not zero")
{
  auto s = reports::summarize_single({verdict(1, "judge_error", std::nullopt)});
  CHECK_FALSE(s.turn1.mean);
  CHECK_FALSE(s.average.mean);
  CHECK(s.errors == 1);
}

TEST_CASE("JSON report has the documented keys")
{
  reports::RunReport r;
  r.run.bench = "mtbench";
  r.run.model = "demo";
  r.run.judge = "demo";
  r.run.protocol = "single";
  r.run.demo = true;
  r.scores = reports::summarize_single({verdict(1, "ok", 8.0), verdict(2, "ok", 6.0)});
  auto doc = nlohmann::json::parse(reports::render_json({r}, "0.1.0"));
  const auto& e = doc["results"][0];
  CHECK(e["bench"] == "mtbench");
  CHECK(e["model"] == "demo");
  CHECK(e["judge"] == "demo");
  CHECK(e["protocol"] == "single");
  CHECK(e["turn1"] == 8.0);
  CHECK(e["turn2"] == 6.0);
  CHECK(e["average"] == 7.0);
  CHECK(e["n"] == 2);
  CHECK(e["errors"] == 0);
  CHECK(e["demo"] == true);
  auto md = reports::render_markdown({r});
  CHECK(md.find("DEMO") != std::string::npos);
  CHECK(md.find("| 8.00 | 6.00 | 7.00 | 2 | 0 | 0 |") != std::string::npos);
}

TEST_SUITE_END();
