#include <cli/commands.hpp>
#include <cli/run_plan.hpp>

#include <harness/error.hpp>
#include <harness/store.hpp>

#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <string>

// Resolving a run reads the shipped specs, rubrics and data and nothing
// else: no server is started or asked, no database is written.
TEST_SUITE_BEGIN("cli.run_plan");

namespace {

cli::RunOptions
mtbench_on_demo()
{
  cli::RunOptions options;
  options.bench = "mtbench";
  options.model = "demo";
  options.db = "never-written.db";
  return options;
}

} // namespace

TEST_CASE("MT-Bench on the demo: 80 two-turn items, the demo judge, FastChat single grading")
{
  auto resolved = cli::resolve_run(mtbench_on_demo(), EVALRUN_SOURCE_DIR);
  const auto& plan = resolved.plan;
  CHECK(plan.items.size() == 80);
  for (const auto& item : plan.items) {
    CHECK(item.turns.size() == 2);
  }
  CHECK(plan.candidate.name == "demo");
  CHECK(plan.judge_endpoint.name == "demo"); // the spec's gpt-4 is replaced for the demo
  REQUIRE(plan.judge != nullptr);
  CHECK(plan.judge->protocol() == "single");
  CHECK(plan.candidate_params.max_tokens == 1024); // mtbench.yaml generation
  CHECK_FALSE(plan.baseline);
  CHECK_FALSE(resolved.generator);
  CHECK(resolved.system_messages["mode"] == "item");
  CHECK_FALSE(std::filesystem::exists("never-written.db"));
}

TEST_CASE("--limit keeps the first N items, and is part of the run's identity")
{
  auto options = mtbench_on_demo();
  auto full = cli::resolve_run(options, EVALRUN_SOURCE_DIR);
  options.limit = 3;
  auto limited = cli::resolve_run(options, EVALRUN_SOURCE_DIR);
  REQUIRE(limited.plan.items.size() == 3);
  CHECK(limited.plan.items[0].id == full.plan.items[0].id);
  CHECK(limited.plan.items[2].id == full.plan.items[2].id);
  auto full_record = cli::make_run_record(full, mtbench_on_demo());
  auto limited_record = cli::make_run_record(limited, options);
  CHECK(limited_record.items == 3);
  CHECK(full_record.items == 80);
  CHECK(full_record.key != limited_record.key);
  // The same options resolve to the same run.
  CHECK(cli::make_run_record(cli::resolve_run(options, EVALRUN_SOURCE_DIR), options).key ==
        limited_record.key);
}

TEST_CASE("--system-messages pool: every item gets one, the same for the same seed")
{
  auto options = mtbench_on_demo();
  options.system_messages = "pool:data/system_messages/unseen_pool.yaml"; // relative to home
  options.seed = 7;
  auto first = cli::resolve_run(options, EVALRUN_SOURCE_DIR);
  auto again = cli::resolve_run(options, EVALRUN_SOURCE_DIR);
  std::set<std::string> distinct;
  for (size_t i = 0; i < first.plan.items.size(); ++i) {
    REQUIRE(first.plan.items[i].system);
    CHECK(first.plan.items[i].system->id == again.plan.items[i].system->id);
    distinct.insert(first.plan.items[i].system->id);
  }
  CHECK(distinct.size() > 1);
  CHECK(first.system_messages["mode"] == "pool");
  CHECK(first.system_messages["seed"] == 7);

  options.system_messages = "none";
  for (const auto& item : cli::resolve_run(options, EVALRUN_SOURCE_DIR).plan.items) {
    CHECK_FALSE(item.system);
  }
}

TEST_CASE("mistakes are caught while resolving, before anything is sent")
{
  auto options = mtbench_on_demo();
  SUBCASE("an unknown candidate endpoint is named")
  {
    options.model = "no-such-model";
    CHECK_THROWS_WITH_AS(cli::resolve_run(options, EVALRUN_SOURCE_DIR),
                         doctest::Contains("unknown candidate endpoint 'no-such-model'"),
                         harness::Fatal);
  }
  SUBCASE("a pairwise rubric needs a baseline")
  {
    options.rubric = "fastchat-pair";
    CHECK_THROWS_WITH_AS(cli::resolve_run(options, EVALRUN_SOURCE_DIR),
                         doctest::Contains("compares with a baseline"), harness::Fatal);
  }
  SUBCASE("an unknown system-message mode")
  {
    options.system_messages = "random";
    CHECK_THROWS_WITH_AS(cli::resolve_run(options, EVALRUN_SOURCE_DIR),
                         doctest::Contains("unknown mode 'random'"), harness::Fatal);
  }
  SUBCASE("an unknown benchmark lists the known ones")
  {
    options.bench = "mtbnech";
    CHECK_THROWS_WITH_AS(cli::resolve_run(options, EVALRUN_SOURCE_DIR),
                         doctest::Contains("known: alpacaeval"), harness::Fatal);
  }
}

TEST_CASE("a pairwise run against the references resolves without a baseline endpoint")
{
  auto options = mtbench_on_demo();
  options.bench = "alpacaeval"; // the gpt4_1106_preview outputs are the references
  options.limit = 20;
  options.rubric = "fastchat-pair";
  options.baseline = "references";
  auto resolved = cli::resolve_run(options, EVALRUN_SOURCE_DIR);
  CHECK(resolved.plan.judge->protocol() == "pairwise");
  CHECK(resolved.plan.baseline_from_references);
  CHECK_FALSE(resolved.plan.baseline);
  CHECK(cli::make_run_record(resolved, options).baseline == "references");
}

TEST_CASE("--baseline references is refused where items have no references, before any request")
{
  cli::RunOptions options;
  options.model = "demo";
  options.rubric = "fastchat-pair";
  options.baseline = "references";
  options.bench = "koala"; // no reference answers at all
  // Koala's JSON Lines file is read a line at a time by the run, and checked whole beside it.
  auto koala = cli::resolve_run(options, EVALRUN_SOURCE_DIR);
  REQUIRE(koala.plan.item_source);
  CHECK(koala.plan.items.empty());
  auto check = cli::check_all_items(koala, options);
  CHECK(check.items == 180);
  CHECK(check.lacking_references == 180);
  CHECK(cli::items_problem(check, koala, "nothing was sent") ==
        "koala has no reference answers; use --baseline ENDPOINT; nothing was sent");
  options.bench = "mtbench"; // GPT-4 references for math, reasoning and coding only (30 of 80)
  CHECK_THROWS_WITH_AS(cli::resolve_run(options, EVALRUN_SOURCE_DIR),
                       doctest::Contains("50 of 80 mtbench items lack a reference answer"),
                       harness::Fatal);
}

TEST_CASE("the run key covers every sampling parameter a request carries, logprobs included")
{
  // Two candidates that differ only in top_logprobs: their runs must not share a key.
  std::ofstream("endpoints.yaml") << "endpoints:\n"
                                     "  five:\n"
                                     "    base_url: http://127.0.0.1:9/v1\n"
                                     "    model: same-model\n"
                                     "    params: {logprobs: true, top_logprobs: 5}\n"
                                     "  two:\n"
                                     "    base_url: http://127.0.0.1:9/v1\n"
                                     "    model: same-model\n"
                                     "    params: {logprobs: true, top_logprobs: 2}\n"
                                     "  plain:\n"
                                     "    base_url: http://127.0.0.1:9/v1\n"
                                     "    model: same-model\n";
  auto key = [](const std::string& model) {
    cli::RunOptions options;
    options.bench = "koala";
    options.model = model;
    options.judge = "demo";
    options.endpoints = "endpoints.yaml";
    options.limit = 2;
    return cli::make_run_record(cli::resolve_run(options, EVALRUN_SOURCE_DIR), options).key;
  };
  CHECK(key("five") != key("two"));
  CHECK(key("five") != key("plain"));
  CHECK(key("two") != key("plain"));
  CHECK(key("five") == key("five"));
}

TEST_CASE("flags the chosen protocol would ignore are refused")
{
  auto options = mtbench_on_demo(); // single grading
  SUBCASE("--baseline")
  {
    options.baseline = "demo";
    CHECK_THROWS_WITH_AS(cli::resolve_run(options, EVALRUN_SOURCE_DIR),
                         doctest::Contains("--baseline: the single protocol"), harness::Fatal);
  }
  SUBCASE("--pairs")
  {
    options.pairs = "demo,demo2";
    CHECK_THROWS_WITH_AS(cli::resolve_run(options, EVALRUN_SOURCE_DIR),
                         doctest::Contains("--pairs: the single protocol"), harness::Fatal);
  }
  SUBCASE("--alpaca-eval-lc")
  {
    options.alpaca_eval_lc = "lc";
    CHECK_THROWS_WITH_AS(cli::resolve_run(options, EVALRUN_SOURCE_DIR),
                         doctest::Contains("it applies to the alpaca_eval protocol"),
                         harness::Fatal);
  }
  SUBCASE("--judge-runs")
  {
    options.judge_runs = 3;
    CHECK_THROWS_WITH_AS(cli::resolve_run(options, EVALRUN_SOURCE_DIR),
                         doctest::Contains("it applies to the absolute protocol"), harness::Fatal);
  }
  SUBCASE("--show-system")
  {
    options.show_system = true;
    CHECK_THROWS_WITH_AS(cli::resolve_run(options, EVALRUN_SOURCE_DIR),
                         doctest::Contains("--show-system: the single protocol"), harness::Fatal);
  }
  SUBCASE("--require-unseen without --seen, even when a generator writes the messages")
  {
    options.system_messages = "generate:demo";
    options.require_unseen = true;
    CHECK_THROWS_WITH_AS(cli::resolve_run(options, EVALRUN_SOURCE_DIR),
                         doctest::Contains("--require-unseen needs --seen FILE"), harness::Fatal);
  }
  SUBCASE("an unknown --rubric lists the shipped ones")
  {
    options.rubric = "nope";
    CHECK_THROWS_WITH_AS(
        cli::resolve_run(options, EVALRUN_SOURCE_DIR),
        doctest::Contains("(shipped rubrics: alpaca-eval-clf, arena-hard, fastchat-pair"),
        harness::Fatal);
  }
}

TEST_CASE("the judge's and baseline's prompt layout is part of the run's identity")
{
  std::ofstream("judges.yaml") << "endpoints:\n"
                                  "  judge-chat:\n"
                                  "    base_url: demo://in-process\n"
                                  "    model: judge\n"
                                  "  judge-comp:\n"
                                  "    base_url: demo://in-process\n"
                                  "    model: judge\n"
                                  "    kind: completions\n"
                                  "    template: chatml\n";
  auto key = [](const std::string& judge) {
    auto options = mtbench_on_demo();
    options.judge = judge;
    options.endpoints = "judges.yaml";
    return cli::make_run_record(cli::resolve_run(options, EVALRUN_SOURCE_DIR), options).key;
  };
  CHECK(key("judge-chat") != key("judge-comp"));
}

TEST_CASE("the same data read from another folder is the same run")
{
  // An installed copy of benchmarks/, rubrics/ and data/ must not split a
  // run (or a leaderboard column) from the source tree's.
  std::filesystem::create_directories("copied-home");
  for (const char* folder : {"benchmarks", "rubrics", "data"}) {
    std::filesystem::copy(std::filesystem::path(EVALRUN_SOURCE_DIR) / folder,
                          std::filesystem::path("copied-home") / folder,
                          std::filesystem::copy_options::recursive);
  }
  auto options = mtbench_on_demo();
  options.limit = 4;
  auto here = cli::make_run_record(cli::resolve_run(options, EVALRUN_SOURCE_DIR), options);
  auto there = cli::make_run_record(cli::resolve_run(options, "copied-home"), options);
  CHECK(here.key == there.key);
  // Where the files were read from is kept as provenance.
  CHECK(there.config_json.find("copied-home") != std::string::npos);
}

TEST_CASE("find_stored_run finds the run the same options began, and no other")
{
  harness::Store store(":memory:");
  auto options = mtbench_on_demo();
  options.limit = 3;
  CHECK_FALSE(cli::find_stored_run(options, EVALRUN_SOURCE_DIR, store));
  auto id =
      store.begin_run(cli::make_run_record(cli::resolve_run(options, EVALRUN_SOURCE_DIR), options));
  CHECK(cli::find_stored_run(options, EVALRUN_SOURCE_DIR, store) == id);
  options.limit = 4; // another item set: another run
  CHECK_FALSE(cli::find_stored_run(options, EVALRUN_SOURCE_DIR, store));
  options.limit = 3;
  options.system_messages = "generate:demo"; // known only once generated
  CHECK_THROWS_AS(cli::find_stored_run(options, EVALRUN_SOURCE_DIR, store), harness::Fatal);
}

// Two servers that both call their model the same: what each said it
// serves (root, context) makes them two runs, each found again by what its
// own record says, without asking the servers.
TEST_CASE("what the servers said they serve is part of a run's identity")
{
  harness::Store store(":memory:");
  auto options = mtbench_on_demo();
  options.limit = 2;
  auto plain = cli::resolve_run(options, EVALRUN_SOURCE_DIR);
  auto first = cli::resolve_run(options, EVALRUN_SOURCE_DIR);
  first.plan.candidate.served = R"({"max_model_len":4096,"root":"/models/a"})";
  auto second = cli::resolve_run(options, EVALRUN_SOURCE_DIR);
  second.plan.candidate.served = R"({"max_model_len":4096,"root":"/models/b"})";
  const auto plain_key = cli::make_run_record(plain, options).key;
  const auto first_key = cli::make_run_record(first, options).key;
  const auto second_key = cli::make_run_record(second, options).key;
  CHECK(first_key != plain_key);
  CHECK(first_key != second_key);
  auto first_id = store.begin_run(cli::make_run_record(first, options));
  CHECK(cli::find_stored_run(options, EVALRUN_SOURCE_DIR, store) == first_id);
  auto second_id = store.begin_run(cli::make_run_record(second, options));
  CHECK(cli::find_stored_run(options, EVALRUN_SOURCE_DIR, store) == second_id); // the latest
  options.limit = 3; // other items: neither
  CHECK_FALSE(cli::find_stored_run(options, EVALRUN_SOURCE_DIR, store));
}

TEST_CASE("a JSON Lines benchmark read a line at a time gives the items loading it whole gives")
{
  cli::RunOptions options;
  options.model = "demo";
  options.bench = "koala";
  options.system_messages = "pool:data/system_messages/unseen_pool.yaml";
  options.seed = 3;
  options.limit = 150;
  options.dry_run = true; // a dry run's plan loads the items whole
  auto whole = cli::resolve_run(options, EVALRUN_SOURCE_DIR);
  REQUIRE_FALSE(whole.plan.item_source);
  REQUIRE(whole.plan.items.size() == 150);
  options.dry_run = false;
  auto streamed = cli::resolve_run(options, EVALRUN_SOURCE_DIR);
  REQUIRE(streamed.plan.item_source);
  for (int pass = 0; pass < 2; ++pass) { // each reader starts from the first item
    auto reader = streamed.plan.item_source();
    for (const auto& expected : whole.plan.items) {
      auto item = reader->next();
      REQUIRE(item);
      REQUIRE(*item);
      CHECK((*item)->id == expected.id);
      CHECK((*item)->turns == expected.turns);
      CHECK((*item)->category == expected.category);
      REQUIRE((*item)->system);
      CHECK((*item)->system->id == expected.system->id); // the pool's draw, per item
    }
    auto end = reader->next(); // --limit: nothing after the 150th
    REQUIRE(end);
    CHECK_FALSE(*end);
  }
  // Both name the same run: the key covers the file's content, --limit and the pool.
  CHECK(cli::make_run_record(whole, options).key == cli::make_run_record(streamed, options).key);
}

TEST_CASE("items a protocol cannot judge are named, as many as five, before anything is sent")
{
  cli::RunOptions options;
  options.model = "demo";
  options.bench = "koala";
  options.rubric = "prometheus-absolute"; // needs each item's rubric: Koala's items have none
  auto koala = cli::resolve_run(options, EVALRUN_SOURCE_DIR);
  REQUIRE(koala.plan.item_source);
  auto check = cli::check_all_items(koala, options);
  CHECK(check.items == 180);
  REQUIRE(check.unjudgeable.size() == 5);
  auto problem = cli::items_problem(check, koala, "nothing was sent");
  REQUIRE(problem);
  CHECK(problem->find("the absolute protocol cannot judge these koala items; nothing was sent:\n  "
                      "item ") != std::string::npos);
  // Loaded whole (MT-Bench's adapter reads its file at once), resolving refuses them itself.
  options.bench = "mtbench";
  CHECK_THROWS_WITH_AS(cli::resolve_run(options, EVALRUN_SOURCE_DIR),
                       doctest::Contains("the absolute protocol cannot judge these mtbench items; "
                                         "nothing was sent:\n  item "),
                       harness::Fatal);
}

TEST_SUITE_END();
