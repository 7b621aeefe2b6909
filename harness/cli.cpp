#include <reports/leaderboard.hpp>
#include <reports/render.hpp>

#include <harness/catalog.hpp>
#include <harness/cli.hpp>
#include <harness/config.hpp>
#include <harness/error.hpp>
#include <harness/store.hpp>
#include <harness/text_file.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <set>

namespace cli {

using harness::Fatal;

std::filesystem::path
home_dir(const std::string& flag)
{
  if (!flag.empty()) {
    return flag;
  }
  if (const char* env = std::getenv("EVALRUN_HOME"); env && *env) {
    return env;
  }
  return EVALRUN_HOME_DEFAULT;
}

std::vector<std::string>
split_commas(const std::string& text)
{
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    auto part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) {
      out.push_back(part);
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

namespace {

int
list_benchmarks(const std::filesystem::path& home)
{
  fmt::print("{:<15} {:>11} {:>6} {:>6}  {}\n", "benchmark", "version", "items", "turns",
             "description");
  for (const auto& path : bench_spec_paths(home)) {
    auto spec = harness::load_bench_spec(path, home);
    if (!spec) {
      throw Fatal(spec.error().message);
    }
    if (spec->adapter == "multifaceted") {
      fmt::print("{:<15} {:>11} {:>6} {:>6}  {} (needs --bench-file)\n", spec->name, spec->version,
                 "-", "-", spec->description);
      continue;
    }
    auto bench = load_bench(home, path.string());
    size_t turns = 0;
    for (const auto& item : bench.items) {
      turns += item.turns.size();
    }
    fmt::print("{:<15} {:>11} {:>6} {:>6}  {}\n", spec->name, spec->version, bench.items.size(),
               turns, spec->description);
  }
  return 0;
}

int
list_endpoints(const std::filesystem::path& home, const std::filesystem::path& flag)
{
  auto path = flag.empty() ? home / "data" / "endpoints.yaml" : flag;
  auto endpoints = load_endpoints(path, !flag.empty());
  fmt::print("{:<12} {:<34} {:<28} {:<16} {}\n", "endpoint", "base_url", "model", "api_key_env",
             "defined in");
  for (const auto& [name, e] : endpoints) {
    fmt::print("{:<12} {:<34} {:<28} {:<16} {}\n", name, e.base_url, e.model,
               e.api_key_env.empty() ? "-" : e.api_key_env, e.defined_in);
  }
  return 0;
}

int
report_command(const std::filesystem::path& db, const std::string& format, const std::string& bench,
               const std::string& model, const std::string& judge, const std::filesystem::path& out)
{
  if (!std::filesystem::exists(db)) {
    throw Fatal(
        fmt::format("{}: no such database (run an evaluation first, or pass --db)", db.string()));
  }
  harness::Store store(db);
  reports::CollectOptions filter;
  filter.bench = bench;
  filter.model = model;
  filter.judge = judge;
  auto reports = reports::collect(store, filter);
  std::string text;
  if (format == "json") {
    text = reports::render_json(reports, EVALRUN_VERSION);
  } else if (format == "csv") {
    text = reports::render_csv(reports);
  } else if (format == "html") {
    text = reports::leaderboard_html(reports::build_leaderboard(reports), EVALRUN_VERSION);
  } else {
    text = reports::render_markdown(reports);
  }
  if (out.empty()) {
    fmt::print("{}", text);
    return 0;
  }
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  auto path = out / (format == "html" ? std::string("index.html") : "report." + format);
  auto written = harness::write_file_atomic(path, text);
  if (!written) {
    throw Fatal(written.error().message);
  }
  fmt::print(stderr, "evalrun: wrote {}\n", path.string());
  return 0;
}

} // namespace

int
main(int argc, char** argv)
{
  // `run` is the default subcommand: `evalrun --bench mtbench --model demo`.
  static const std::set<std::string> k_commands = {
      "build-bench", "score", "import", "leaderboard", "run", "report",
      "list",        "-h",    "--help", "--version",   "-V"};
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && !k_commands.count(args[0])) {
    args.insert(args.begin(), "run");
  }
  std::reverse(args.begin(), args.end()); // CLI11 takes a reversed vector

  CLI::App app{"evalrun: LLM-as-judge evaluation harness and benchmark runner", "evalrun"};
  app.set_version_flag("--version,-V", EVALRUN_VERSION);
  app.require_subcommand(1);
  std::string home_flag;
  app.add_option("--home", home_flag,
                 "Directory with benchmarks/, data/ and rubrics/ "
                 "(default: $EVALRUN_HOME, else the source tree)");

  RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "Run a benchmark (the default command)");
  run_cmd->add_option("--bench", run.bench, "Benchmark name (see `evalrun list benchmarks`)")
      ->required();
  run_cmd->add_option("--model", run.model,
                      "Candidate endpoint name (see `evalrun list endpoints`)");
  run_cmd->add_option("--pairs", run.pairs,
                      "Pairwise protocols: judge every unordered pair of these endpoints "
                      "(comma-separated), each pair a run; instead of --model and --baseline");
  run_cmd->add_option("--judge", run.judge,
                      "Judge endpoint name (default: the benchmark's; demo "
                      "when --model is demo)");
  run_cmd->add_option("--db", run.db, "SQLite database (created if missing)")
      ->capture_default_str();
  run_cmd->add_option("--bench-file", run.bench_file,
                      "Benchmark data file for benchmarks that read one (multifaceted)");
  run_cmd->add_option(
      "--rubric", run.rubric,
      "Judge rubric: a name under rubrics/ or a .yaml file (its protocol decides how "
      "to judge; default: the benchmark's)");
  run_cmd->add_option("--baseline", run.baseline,
                      "Pairwise protocols: the baseline endpoint, or 'references' for the items' "
                      "reference answers (default: the benchmark's)");
  run_cmd->add_option("--judge-runs", run.judge_runs, "Independent judge runs averaged (absolute)")
      ->check(CLI::Range(1, 20));
  run_cmd->add_flag("--show-system", run.show_system,
                    "Show the judge the item's system message (pairwise, absolute)");
  run_cmd->add_option("--endpoints", run.endpoints,
                      "Endpoints YAML (default: data/endpoints.yaml)");
  run_cmd->add_option("--limit", run.limit, "Only the first N items")
      ->check(CLI::NonNegativeNumber);
  run_cmd->add_option("--concurrency", run.concurrency, "Requests in flight per endpoint")
      ->check(CLI::Range(1, 4096));
  run_cmd
      ->add_option("--system-messages", run.system_messages,
                   "none | item (the benchmark's own, if any) | pool:FILE (assigned by seed and "
                   "item id) | generate:ENDPOINT (written by a generator model from a preference "
                   "profile drawn by seed and item id)")
      ->capture_default_str();
  run_cmd->add_option("--seed", run.seed, "Seed for system-message assignment")
      ->capture_default_str();
  run_cmd->add_option("--seen", run.seen,
                      "System messages used in training (one per line, or JSONL with \"system\"): "
                      "report exact and near matches");
  run_cmd->add_option("--seen-ngram", run.seen_ngram, "Word n-gram size of the near-match check")
      ->check(CLI::Range(1, 50))
      ->capture_default_str();
  run_cmd
      ->add_option("--seen-threshold", run.seen_threshold,
                   "Share of a message's n-grams in one seen message that makes a near match")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  run_cmd->add_flag("--require-unseen", run.require_unseen,
                    "Refuse to run if any system message matches a seen one");
  run_cmd->add_flag("--dry-run", run.dry_run, "Print the plan; send and write nothing");
  run_cmd->add_option("--format", run.format, "Report format printed at the end")
      ->check(CLI::IsMember({"md", "json"}))
      ->capture_default_str();

  std::filesystem::path report_db = "evalrun.db";
  std::string report_format = "md";
  std::string report_bench;
  std::string report_model;
  std::string report_judge;
  auto* report_cmd = app.add_subcommand("report", "Print the reports of the runs in a database");
  report_cmd->add_option("--db", report_db, "SQLite database")->capture_default_str();
  report_cmd->add_option("--format", report_format, "md, json, csv or html")
      ->check(CLI::IsMember({"md", "json", "csv", "html"}))
      ->capture_default_str();
  report_cmd->add_option("--bench", report_bench, "Only this benchmark");
  report_cmd->add_option("--model", report_model, "Only this candidate endpoint");
  report_cmd->add_option("--judge", report_judge, "Only this judge endpoint");
  std::filesystem::path report_out;
  report_cmd->add_option("--out", report_out,
                         "Write report.<format> (index.html) into this folder");

  BuildBenchOptions build;
  auto* build_cmd = app.add_subcommand(
      "build-bench", "Build a Multifaceted-Bench-style file: sampled prompts with generated system "
                     "messages, reference answers and rubrics");
  build_cmd->add_option("--from", build.from, "Comma-separated benchmarks to sample prompts from")
      ->capture_default_str();
  build_cmd->add_option("--generator", build.generator, "Generator endpoint name")->required();
  build_cmd->add_option("--per-source", build.per_source, "Prompts per benchmark")
      ->required()
      ->check(CLI::PositiveNumber);
  build_cmd->add_option("--seed", build.seed, "Seed for sampling prompts and preferences")
      ->capture_default_str();
  build_cmd->add_option("--out", build.out, "Output JSONL file (written atomically)")->required();
  build_cmd->add_option("--db", build.db, "SQLite database (generator replies are cached there)")
      ->capture_default_str();
  build_cmd->add_option("--endpoints", build.endpoints, "Endpoints YAML");
  build_cmd->add_option("--preferences", build.preferences,
                        "Preference dimensions YAML (default: data/preferences.yaml)");
  build_cmd->add_option("--concurrency", build.concurrency, "Requests in flight")
      ->check(CLI::Range(1, 4096));
  build_cmd
      ->add_option("--max-attempts", build.max_attempts,
                   "Times to ask for an instance whose reply does not follow the schema")
      ->check(CLI::Range(1, 20))
      ->capture_default_str();

  ScoreOptions score;
  auto* score_cmd = app.add_subcommand("score", "Score an answers file (JSONL: id, prompt, answer, "
                                                "optional reference and system) against a rubric");
  score_cmd->add_option("--rubric", score.rubric, "Rubric YAML file or name under rubrics/")
      ->required();
  score_cmd->add_option("--input", score.input, "Answers file (JSON Lines)")->required();
  score_cmd->add_option("--judge", score.judge, "Judge endpoint name")->required();
  score_cmd->add_option("--db", score.db, "SQLite database")->capture_default_str();
  score_cmd->add_option("--endpoints", score.endpoints, "Endpoints YAML");
  score_cmd->add_option("--concurrency", score.concurrency, "Requests in flight")
      ->check(CLI::Range(1, 4096));

  ImportOptions import;
  auto* import_cmd = app.add_subcommand("import", "Load published judgments into the database");
  auto* import_ae = import_cmd->add_subcommand("alpaca-eval", "AlpacaEval annotations.json");
  import_ae->add_option("--annotations", import.file, "annotations.json")->required();
  import_ae->add_option("--db", import.db, "SQLite database")->capture_default_str();
  auto* import_fc = import_cmd->add_subcommand("fastchat", "FastChat model_judgment/*.jsonl");
  import_fc->add_option("--judgments", import.file, "A model_judgment JSONL file")->required();
  import_fc->add_option("--db", import.db, "SQLite database")->capture_default_str();
  import_cmd->require_subcommand(1);

  LeaderboardOptions board;
  auto* board_cmd = app.add_subcommand(
      "leaderboard", "Run a benchmark × model × judge matrix (only missing work is sent) and write "
                     "leaderboard.md/.json/.csv and index.html");
  board_cmd->add_option("--config", board.config, "Matrix YAML (e.g. data/nightly.yaml)")
      ->required();
  board_cmd->add_option("--out", board.out, "Output folder")->capture_default_str();
  board_cmd->add_option("--db", board.db, "SQLite database (unless the config names one)")
      ->capture_default_str();
  board_cmd->add_option("--endpoints", board.endpoints, "Endpoints YAML");

  std::string what;
  std::filesystem::path list_endpoints_file;
  auto* list_cmd = app.add_subcommand("list", "List benchmarks or endpoints");
  list_cmd->add_option("what", what, "benchmarks | endpoints")
      ->required()
      ->check(CLI::IsMember({"benchmarks", "endpoints"}));
  list_cmd->add_option("--endpoints", list_endpoints_file, "Endpoints YAML");

  for (auto* sub : {run_cmd, report_cmd, list_cmd, build_cmd, score_cmd, board_cmd}) {
    sub->fallthrough(); // --home may come after the subcommand
  }
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  auto home = home_dir(home_flag);
  if (!std::filesystem::is_directory(home / "benchmarks")) {
    throw Fatal(fmt::format("{}: not an evalrun home (no benchmarks/ folder); set --home or "
                            "EVALRUN_HOME",
                            home.string()));
  }
  if (*run_cmd) {
    if (run.pairs.empty()) {
      if (run.model.empty()) {
        throw Fatal("run: --model is required (or --pairs for every pair of several models)");
      }
      return run_command(run, home);
    }
    // All pairs, FastChat's pairwise-all: model i against model j for i < j.
    auto models = split_commas(run.pairs);
    if (models.size() < 2) {
      throw Fatal("--pairs needs at least two endpoint names");
    }
    int status = 0;
    for (size_t i = 0; i < models.size(); ++i) {
      for (size_t j = i + 1; j < models.size(); ++j) {
        RunOptions pair = run;
        pair.model = models[i];
        pair.baseline = models[j];
        status = std::max(status, run_command(pair, home));
      }
    }
    return status;
  }
  if (*board_cmd) {
    return leaderboard_command(board, home);
  }
  if (*import_cmd) {
    import.format = *import_ae ? "alpaca-eval" : "fastchat";
    return import_command(import);
  }
  if (*score_cmd) {
    return score_command(score, home);
  }
  if (*build_cmd) {
    return build_bench_command(build, home);
  }
  if (*report_cmd) {
    return report_command(report_db, report_format, report_bench, report_model, report_judge,
                          report_out);
  }
  return what == "benchmarks" ? list_benchmarks(home) : list_endpoints(home, list_endpoints_file);
}

} // namespace cli
