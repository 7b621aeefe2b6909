#include <reports/absolute_scores.hpp>
#include <reports/alpaca_eval_metrics.hpp>
#include <reports/flask_scores.hpp>
#include <reports/leaderboard.hpp>
#include <reports/pairwise_scores.hpp>
#include <reports/render.hpp>
#include <reports/statistics.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <random>

using namespace harness;
using namespace reports;

TEST_SUITE_BEGIN("reports::aggregations");

namespace {

VerdictRecord
pairwise(const std::string& winner, const std::string& status = "ok",
         const std::string& source = "s")
{
  VerdictRecord v;
  v.status = status;
  v.winner = winner;
  v.source = source;
  return v;
}

VerdictRecord
with_criteria(const std::string& criteria, const std::string& meta = "{}",
              const std::string& source = "")
{
  VerdictRecord v;
  v.status = "ok";
  v.criteria_json = criteria;
  v.meta_json = meta;
  v.source = source;
  return v;
}

} // namespace

TEST_CASE("AlpacaEval metrics by hand")
{
  // preferences 2, 1, 1.5, 1.25, 1.75 and one failed annotation:
  // p = 1, 0, .5, .25, .75; mean .5; sum of squares .625; sd = sqrt(.625 / 4); sem = sd / sqrt(5).
  auto m =
      alpaca_eval_metrics({2.0, 1.0, 1.5, 1.25, 1.75, std::nullopt}, {"ab", "\xc3\xa9", "xyz"});
  CHECK(m.n_total == 5);
  CHECK(m.win_rate == doctest::Approx(50.0).epsilon(1e-12));
  CHECK(m.standard_error ==
        doctest::Approx(100 * std::sqrt(0.625 / 4) / std::sqrt(5.0)).epsilon(1e-12));
  CHECK(m.n_wins == 2);
  CHECK(m.n_wins_base == 2);
  CHECK(m.n_draws == 1);
  CHECK(m.discrete_win_rate == doctest::Approx(50.0));
  CHECK(m.avg_length == 2); // int((2 + 1 + 3) / 3): "é" is one character, as Python counts

  auto skewed = alpaca_eval_metrics({1.9, 1.6, 1.2}, {"a", "ab"});
  CHECK(skewed.win_rate == doctest::Approx(100 * (0.9 + 0.6 + 0.2) / 3));
  CHECK(skewed.discrete_win_rate == doctest::Approx(100 * 2.0 / 3)); // 1.9 -> 2, 1.6 -> 2, 1.2 -> 1
  CHECK(skewed.avg_length == 1);                                     // int(1.5)
}

TEST_CASE("pairwise: wins, ties, losses, tie+win, win rate, adjusted, failures counted apart")
{
  std::vector<VerdictRecord> rows = {pairwise("model"),
                                     pairwise("model"),
                                     pairwise("tie"),
                                     pairwise("baseline"),
                                     pairwise("", "parse_failed"),
                                     pairwise("", "judge_error")};
  auto s = summarize_pairwise(rows);
  CHECK(s.wins == 2);
  CHECK(s.ties == 1);
  CHECK(s.losses == 1);
  CHECK(s.n == 4);
  CHECK(s.parse_failures == 1);
  CHECK(s.errors == 1);
  CHECK(*s.tie_win_rate == doctest::Approx(0.75));
  CHECK(*s.win_rate == doctest::Approx(0.5));
  CHECK(*s.adjusted == doctest::Approx(0.625));
}

TEST_CASE("bootstrap intervals are reproducible with a seed and cover the estimate")
{
  std::vector<double> values;
  for (int i = 0; i < 200; ++i) {
    values.push_back((i * 37) % 10);
  }
  auto stat = [&](const std::vector<size_t>& idx) {
    double s = 0;
    for (auto i : idx) {
      s += values[i];
    }
    return std::optional(s / static_cast<double>(idx.size()));
  };
  auto a = bootstrap_interval(values.size(), stat, 1000, 7);
  auto b = bootstrap_interval(values.size(), stat, 1000, 7);
  auto c = bootstrap_interval(values.size(), stat, 1000, 8);
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(c);
  CHECK(a->low == b->low);
  CHECK(a->high == b->high);
  CHECK((a->low != c->low || a->high != c->high));
  double estimate = *mean(values);
  CHECK(a->low <= estimate);
  CHECK(estimate <= a->high);
  CHECK(a->high - a->low < 1.5);
  CHECK_FALSE(bootstrap_interval(0, stat));
  CHECK(*sample_sd({1, 2, 3, 4}) == doctest::Approx(std::sqrt(5.0 / 3)));
  CHECK(*sem({1, 2, 3, 4}) == doctest::Approx(std::sqrt(5.0 / 3) / 2));
}

TEST_CASE("bootstrap draws and bounds are pinned, the same with every standard library")
{
  // Expected values from an independent Python port of the reference
  // mt19937-64.c with the same rejection mapping (its 10,000th draw from the
  // default seed is the standard's 9981545732273789042).
  std::mt19937_64 check;
  check.discard(9999);
  CHECK(check() == 9981545732273789042ULL);
  std::mt19937_64 rng(1);
  std::vector<size_t> draws;
  for (int i = 0; i < 12; ++i) {
    draws.push_back(uniform_index(rng, 7));
  }
  CHECK(draws == std::vector<size_t>{2, 2, 4, 5, 2, 0, 6, 4, 2, 0, 5, 1});
  // The mean of 1..10: 1,000 resamples, seed 1, numpy-linear 2.5 and 97.5 percentiles.
  auto interval = bootstrap_interval(
      10,
      [](const std::vector<size_t>& idx) {
        double s = 0;
        for (auto i : idx) {
          s += static_cast<double>(i + 1);
        }
        return std::optional(s / 10);
      },
      1000, 1);
  REQUIRE(interval);
  CHECK(interval->low == doctest::Approx(3.6975).epsilon(1e-12));
  CHECK(interval->high == doctest::Approx(7.2).epsilon(1e-12));
}

TEST_CASE("FLASK: per skill, per skill and difficulty, per domain, N/A left out")
{
  std::vector<VerdictRecord> rows = {
      with_criteria(
          R"({"Readability": 4, "Factuality": 2})",
          R"({"difficulty": ["simple lifestyle knowledge"], "domain": ["Health", "Culture"]})"),
      with_criteria(R"({"Readability": 2, "Factuality": "N/A"})",
                    R"({"difficulty": ["expert level knowledge"], "domain": ["Health"]})")};
  auto s = summarize_flask(rows);
  CHECK(s.by_skill.at("Readability").mean == doctest::Approx(3.0));
  CHECK(s.by_skill.at("Readability").n == 2);
  CHECK(s.by_skill.at("Factuality").mean == doctest::Approx(2.0));
  CHECK(s.by_skill.at("Factuality").n == 1);
  CHECK(s.by_skill_difficulty.at({"Readability", "expert level knowledge"}).mean ==
        doctest::Approx(2.0));
  CHECK(s.by_domain.at("Health").mean == doctest::Approx((4 + 2 + 2) / 3.0));
  CHECK(s.by_domain.at("Culture").mean == doctest::Approx(3.0));
}

TEST_CASE("Janus scores: mean of run means, sd across runs, per source")
{
  std::vector<VerdictRecord> rows = {
      with_criteria(R"({"run 1": 4, "run 2": 3, "rubric 1": 3.5})", "{}", "koala"),
      with_criteria(R"({"run 1": 2, "run 2": 5})", "{}", "flask")};
  auto s = summarize_absolute(rows);
  REQUIRE(s.run_means.size() == 2);
  CHECK(s.run_means[0] == doctest::Approx(3.0)); // run 1: (4 + 2) / 2
  CHECK(s.run_means[1] == doctest::Approx(4.0)); // run 2: (3 + 5) / 2
  CHECK(*s.score == doctest::Approx(3.5));
  CHECK(*s.sd_across_runs == doctest::Approx(std::sqrt(0.5)));
  CHECK(s.by_source.at("koala") == doctest::Approx(3.5));
  CHECK(s.by_source.at("flask") == doctest::Approx(3.5));
  CHECK(s.instances == 2);
}

TEST_CASE("Janus absolute: the spread of each instance's score across judge runs")
{
  // Instance 1: runs 4, 3 (sd sqrt(0.5)); 2: runs 2, 5 (sd sqrt(4.5)); 3: runs 3, 3 (sd 0);
  // 4: one run only (not counted). Mean sd (sqrt(0.5) + sqrt(4.5) + 0) / 3 = 4 sqrt(0.5) / 3.
  std::vector<VerdictRecord> rows = {with_criteria(R"({"run 1": 4, "run 2": 3})", "{}", "koala"),
                                     with_criteria(R"({"run 2": 5, "run 1": 2})", "{}", "koala"),
                                     with_criteria(R"({"run 1": 3, "run 2": 3})", "{}", "koala"),
                                     with_criteria(R"({"run 1": 1})", "{}", "koala")};
  auto s = summarize_absolute(rows);
  CHECK(s.instances_in_several_runs == 3);
  CHECK(s.instances_varying == 2);
  REQUIRE(s.mean_instance_sd);
  CHECK(*s.mean_instance_sd == doctest::Approx(4 * std::sqrt(0.5) / 3));
  // A single judge run: no spread.
  auto single = summarize_absolute({with_criteria(R"({"run 1": 4})", "{}", "koala")});
  CHECK_FALSE(single.mean_instance_sd);
  CHECK(single.instances_in_several_runs == 0);
}

TEST_CASE("the leaderboard never mixes benchmark or rubric versions in a column")
{
  auto report = [](std::int64_t id, const std::string& model, const std::string& rubric,
                   const std::string& version, const std::string& finished) {
    RunReport r;
    r.run.id = id;
    r.run.model = model;
    r.run.bench = "mtbench";
    r.run.bench_version = version;
    r.run.rubric = rubric;
    r.run.judge = "gpt-4";
    r.run.protocol = "single";
    r.run.finished_at = finished;
    r.scores.average.mean = static_cast<double>(id);
    r.scores.average.n = 10;
    return r;
  };
  std::vector<RunReport> reports = {report(1, "a", "fastchat-single@1", "1", "2026-01-01"),
                                    report(2, "b", "fastchat-single@1", "1", "2026-01-01"),
                                    report(3, "a", "fastchat-single@2", "1", "2026-01-02"),
                                    report(4, "a", "fastchat-single@1", "2", "2026-01-02"),
                                    report(5, "a", "fastchat-single@1", "1", "2026-01-03")};
  auto board = build_leaderboard(reports);
  REQUIRE(board.columns.size() == 3);
  CHECK(board.models == std::vector<std::string>{"a", "b"});
  // The latest run of a model in a column wins the cell.
  CHECK(board.cells.at({"a", 0}).run_id == 5);
  CHECK(board.cells.at({"a", 0}).value == 5.0);
  CHECK(board.cells.at({"b", 0}).run_id == 2);
  CHECK(board.cells.at({"a", 1}).run_id == 3);
  CHECK(board.cells.at({"a", 2}).run_id == 4);
  CHECK(board.cells.count({"b", 1}) == 0);
  // `report --format html` shows every run: the earlier one keeps a row of its own.
  auto every = build_leaderboard(reports, true);
  CHECK(every.cells.at({"a", 0}).run_id == 5);
  CHECK(every.cells.at({"a (run 1)", 0}).run_id == 1);
  CHECK(every.models == std::vector<std::string>{"a", "b", "a (run 1)"});
  auto html = leaderboard_html(board, "test");
  CHECK(html.find("<table id=\"leaderboard\">") != std::string::npos);
  CHECK(html.find("<svg") != std::string::npos);
  CHECK(html.find("http://") ==
        html.find("http://www.w3.org/2000/svg")); // no resource from the network
  CHECK(html.find("https://") == std::string::npos);
  auto csv = leaderboard_csv(board);
  CHECK(csv.find("a,mtbench,1,gpt-4,fastchat-single@1,single,,average,,5.000000") !=
        std::string::npos);
}

TEST_CASE("runs over other items are other columns, and a cell that could not run keeps its row")
{
  // config_json as the run command stores it: the semantics the run key hashes.
  auto report = [](std::int64_t id, const std::string& model, int items, const std::string& limit,
                   const std::string& file_sha) {
    RunReport r;
    r.run.id = id;
    r.run.model = model;
    r.run.bench = "multifaceted";
    r.run.bench_version = "1";
    r.run.rubric = "prometheus-absolute@1";
    r.run.judge = "gpt-4";
    r.run.protocol = "absolute";
    r.run.finished_at = "2026-01-0" + std::to_string(id);
    r.run.items = items; // counted as the items are read
    r.run.config_json = R"({"semantics": {"bench": "multifaceted", "limit": )" + limit +
                        R"(, "files": {"records": {"sha256": ")" + file_sha +
                        R"("}}, "candidate_model": ")" + model +
                        R"(", "judge_model": "gpt-4"},
                           "limit": )" +
                        limit + R"(, "system_messages": {"mode": "item"}})";
    r.scores.average.mean = static_cast<double>(id);
    r.scores.average.n = items;
    return r;
  };
  std::vector<RunReport> reports = {
      report(1, "janus", 921, "null", "aaaaaaaa11"), // full run of one bench file
      report(2, "janus", 5, "5", "aaaaaaaa11"),      // --limit 5 of the same file, later
      report(3, "janus", 921, "null", "bbbbbbbb22"), // another bench file
      report(4, "mistral", 921, "null", "aaaaaaaa11")};
  auto board = build_leaderboard(reports);
  REQUIRE(board.columns.size() == 3);
  // The limited run did not replace the full one: both have their column.
  CHECK(board.cells.at({"janus", 0}).run_id == 1);
  CHECK(board.cells.at({"janus", 1}).run_id == 2);
  CHECK(board.cells.at({"janus", 2}).run_id == 3);
  CHECK(board.cells.at({"mistral", 0}).run_id == 4); // same items as janus's full run
  CHECK(board.columns[0].variant == "921 items, file aaaaaaaa");
  CHECK(board.columns[1].variant == "5 items, limit 5, file aaaaaaaa");
  CHECK(board.columns[2].variant == "921 items, file bbbbbbbb");

  add_not_run(board, {"broken-model", "multifaceted", "unknown candidate endpoint 'broken-model'",
                      "limit 5"});
  CHECK(board.models.back() == "broken-model");
  for (const auto& text : {leaderboard_markdown(board), leaderboard_json(board, "t"),
                           leaderboard_csv(board), leaderboard_html(board, "t")}) {
    CHECK(text.find("broken-model") != std::string::npos);
    CHECK(text.find("unknown candidate endpoint") != std::string::npos);
  }
  CHECK(
      leaderboard_csv(board).find("broken-model,multifaceted,,,,,,,limit 5,,,,,,not_run,,,unknown "
                                  "candidate endpoint 'broken-model',,\n") != std::string::npos);
  CHECK(leaderboard_markdown(board).find("| broken-model | multifaceted | limit 5 | unknown") !=
        std::string::npos);
}

TEST_CASE("the leaderboard page escapes every name it embeds")
{
  const std::string evil = "<b>x</b>&\"'";
  RunReport r;
  r.run.id = 1;
  r.run.model = "model" + evil;
  r.run.bench = "bench" + evil;
  r.run.bench_version = "v" + evil;
  r.run.rubric = "rubric" + evil;
  r.run.judge = "judge" + evil;
  r.run.baseline = "base" + evil;
  r.run.protocol = "pairwise";
  r.run.status = "complete";
  r.run.finished_at = "2026-01-01" + evil;
  r.pairwise.wins = 1;
  r.pairwise.n = 1;
  r.pairwise.tie_win_rate = 1.0;
  r.pairwise_by_source["source" + evil] = r.pairwise;
  r.pairwise_by_source["second source"] = r.pairwise; // breakdowns need two sources
  std::vector<RunReport> reports = {r};
  auto board = build_leaderboard(reports);
  add_not_run(board, {"other" + evil, "bench" + evil, "reason" + evil, "settings" + evil});
  auto html = leaderboard_html(board, "version" + evil);
  // No injected tag survives; each name is there, escaped.
  CHECK(html.find("<b>") == std::string::npos);
  for (const char* name : {"model", "bench", "rubric", "judge", "base", "source", "other", "reason",
                           "settings", "version"}) {
    INFO("name: ", std::string(name));
    CHECK(html.find(std::string(name) + "&lt;b&gt;x&lt;/b&gt;&amp;&quot;") != std::string::npos);
  }
}

TEST_CASE("headline metrics and their scales: FLASK is a 1-5 score, like Prometheus")
{
  RunReport r;
  for (const auto& [protocol, name] :
       std::vector<std::pair<std::string, std::string>>{{"single", "average"},
                                                        {"absolute", "score"},
                                                        {"flask", "score"},
                                                        {"pairwise", "tie_win_rate"},
                                                        {"relative", "tie_win_rate"},
                                                        {"alpaca_eval", "win_rate"}}) {
    r.run.protocol = protocol;
    CHECK(r.headline_name() == name);
  }
}

TEST_CASE("a rate reads the same in every format: percent where shown, fraction where the key says")
{
  RunReport r;
  r.run.id = 1;
  r.run.bench = "b";
  r.run.model = "m";
  r.run.protocol = "pairwise";
  r.pairwise = summarize_pairwise(
      {pairwise("model"), pairwise("model"), pairwise("tie"), pairwise("baseline")}); // tie+win 3/4
  r.intervals["tie_win_rate"] = Interval{50.0, 100.0, 1000, 1};
  std::vector<RunReport> reports = {r};
  auto doc = nlohmann::json::parse(render_json(reports, "t"))["results"][0];
  CHECK(doc["pairwise"]["tie_win_rate_fraction"] == 0.75);
  CHECK(doc["n"] == 4); // the top-level counts are the protocol's: rated pairwise verdicts
  CHECK_FALSE(doc["pairwise"].contains("tie_win_rate"));
  CHECK(doc["headline"]["name"] == "tie_win_rate");
  CHECK(doc["headline"]["value"] == 75.0);
  CHECK(doc["headline"]["unit"] == "percent");
  CHECK(doc["ci95"]["tie_win_rate"]["unit"] == "percent");
  CHECK(doc["ci95"]["tie_win_rate"]["low"] == 50.0);
  auto markdown = render_markdown(reports);
  CHECK(markdown.find("75.0%") != std::string::npos);
  CHECK(markdown.find("(95% CI 50.0–100.0%)") != std::string::npos);
  auto csv = render_csv(reports);
  CHECK(csv.find(",tie_win_rate,percent,75.000000,50.000000,100.000000,") != std::string::npos);
  std::vector<RunReport> one = {r};
  auto board = build_leaderboard(one);
  CHECK(leaderboard_markdown(board).find("75.00% (50.00–100.00%)") != std::string::npos);
  CHECK(leaderboard_html(board, "t").find("tie_win_rate (%)</th>") != std::string::npos);
  CHECK(metric_unit("average") == "1-10");
  CHECK(metric_unit("score") == "1-5");
}

TEST_SUITE_END();
