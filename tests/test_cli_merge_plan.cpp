#include <cli/merge_plan.hpp>

#include <harness/error.hpp>
#include <harness/request_hash.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>

using nlohmann::json;

TEST_SUITE_BEGIN("cli::merge_plan");

namespace {

// The semantics of a run as `evalrun run` records them (a few of its fields).
json
semantics(double temperature = 0)
{
  return {
      {"bench", "mtbench"}, {"limit", nullptr}, {"judge_params", {{"temperature", temperature}}}};
}

// Shard `index` of `count` of the run with `whole` semantics, as run i of a database.
harness::RunRecord
shard_run(int index, int count, json whole = semantics(), std::string status = "complete")
{
  json with_shard = whole;
  with_shard["shard"] = {{"index", index}, {"count", count}};
  harness::RunRecord run;
  run.id = 7;
  run.key = harness::sha256_hex(with_shard.dump());
  run.bench = "mtbench";
  run.model = "janus";
  run.judge = "gpt-4";
  run.status = status;
  run.items = 10 + index;
  run.config_json = json{{"semantics", with_shard},
                         {"shard", std::to_string(index) + "/" + std::to_string(count)}}
                        .dump();
  return run;
}

// The message of the Fatal that plan_merge throws on `inputs` ("" when none).
std::string
refusal(const std::vector<cli::MergeInput>& inputs)
{
  try {
    cli::plan_merge(inputs);
  } catch (const harness::Fatal& e) {
    CHECK(e.exit_code() == 2);
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("shards merged are the whole run: its key, its config without the shard, every item")
{
  std::vector<cli::MergeInput> inputs;
  for (int i = 0; i < 4; ++i) {
    inputs.push_back({"s" + std::to_string(i) + ".db", {shard_run(i, 4)}});
  }
  const auto plan = cli::plan_merge(inputs);
  REQUIRE(plan.size() == 1);
  // The key `evalrun run` gives the run without --shard: SHA-256 of its semantics.
  CHECK(plan[0].run.key == harness::sha256_hex(semantics().dump()));
  const auto config = json::parse(plan[0].run.config_json);
  CHECK(config["semantics"] == semantics());
  CHECK_FALSE(config.contains("shard"));
  CHECK(plan[0].run.items == 10 + 11 + 12 + 13);
  CHECK(plan[0].run.status == "complete");
  CHECK(plan[0].shard_count == 4);
  CHECK(plan[0].missing_shards.empty());
  REQUIRE(plan[0].parts.size() == 4);
  CHECK(plan[0].parts[3] == std::pair<size_t, std::int64_t>(3, 7));
}

TEST_CASE("a merge with a shard missing or unfinished is incomplete")
{
  auto plan = cli::plan_merge({{"a.db", {shard_run(0, 3)}}, {"c.db", {shard_run(2, 3)}}});
  REQUIRE(plan.size() == 1);
  CHECK(plan[0].run.status == "incomplete");
  CHECK(plan[0].missing_shards == std::vector<int>{1});
  plan = cli::plan_merge(
      {{"a.db", {shard_run(0, 2)}}, {"b.db", {shard_run(1, 2, semantics(), "incomplete")}}});
  CHECK(plan[0].run.status == "incomplete");
}

TEST_CASE("shards of different configurations, the same shard twice, or other counts are refused")
{
  auto why = refusal({{"a.db", {shard_run(0, 2)}}, {"b.db", {shard_run(1, 2, semantics(0.7))}}});
  CHECK(why.find("a.db") != std::string::npos);
  CHECK(why.find("b.db") != std::string::npos);
  CHECK(why.find("different configurations") != std::string::npos);
  CHECK(why.find(R"(judge_params: {"temperature":0.0} vs {"temperature":0.7})") !=
        std::string::npos);
  CHECK(why.find("bench:") == std::string::npos); // only what differs

  why = refusal({{"a.db", {shard_run(1, 4)}}, {"b.db", {shard_run(1, 4)}}});
  CHECK(why.find("both hold shard 1/4") != std::string::npos);
  CHECK(why.find("a.db (shard 1/4)") != std::string::npos);

  why = refusal({{"a.db", {shard_run(0, 4)}}, {"b.db", {shard_run(1, 3)}}});
  CHECK(why.find("different numbers of slices") != std::string::npos);
}

TEST_CASE("merges of some shards merge again: the whole run, once all are there")
{
  auto first = cli::plan_merge({{"s0.db", {shard_run(0, 4)}}, {"s1.db", {shard_run(1, 4)}}});
  REQUIRE(first.size() == 1);
  CHECK(first[0].run.status == "incomplete");
  CHECK(json::parse(first[0].run.config_json)["merged_shards"] ==
        json{{"count", 4}, {"indexes", {0, 1}}, {"complete", true}});
  auto half = first[0].run;
  half.id = 1;
  auto plan = cli::plan_merge(
      {{"p01.db", {half}}, {"s2.db", {shard_run(2, 4)}}, {"s3.db", {shard_run(3, 4)}}});
  REQUIRE(plan.size() == 1);
  CHECK(plan[0].run.status == "complete");
  CHECK(plan[0].run.key == harness::sha256_hex(semantics().dump()));
  CHECK(plan[0].shards == std::vector<int>{0, 1, 2, 3});
  CHECK(plan[0].run.items == 10 + 11 + 12 + 13);
  const auto config = json::parse(plan[0].run.config_json);
  CHECK_FALSE(config.contains("merged_shards"));
  CHECK(config["semantics"] == semantics());
  // A shard the earlier merge holds already overlaps.
  auto why = refusal({{"p01.db", {half}}, {"again.db", {shard_run(1, 4)}}});
  CHECK(why.find("p01.db (shards 0, 1 of 4) and again.db (shard 1/4) both hold shard 1/4") !=
        std::string::npos);
}

TEST_CASE("a run that was not sharded is merged as it is, and refused when two databases hold it")
{
  harness::RunRecord whole;
  whole.id = 3;
  whole.key = "imported-run";
  whole.config_json = R"({"source":"import"})";
  whole.status = "complete";
  auto plan = cli::plan_merge({{"a.db", {whole, shard_run(0, 2)}}, {"b.db", {shard_run(1, 2)}}});
  REQUIRE(plan.size() == 2);
  CHECK(plan[0].run.key == "imported-run");
  CHECK(plan[0].shard_count == 0);
  CHECK(plan[1].shard_count == 2);
  auto why = refusal({{"a.db", {whole}}, {"b.db", {whole}}});
  CHECK(why.find("overlap") != std::string::npos);
}

TEST_SUITE_END();
