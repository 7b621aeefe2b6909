#include <cli/cli.hpp>
#include <cli/closest_name.hpp>
#include <cli/commands.hpp>
#include <cli/home.hpp>
#include <cli/options.hpp>

#include <harness/error.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>

namespace cli {

using harness::Fatal;

const std::vector<std::string>&
command_names()
{
  static const std::vector<std::string> k_names = {"run",   "report", "list",        "leaderboard",
                                                   "score", "import", "build-bench", "merge",
                                                   "batch", "export", "view"};
  return k_names;
}

std::vector<std::string>
with_default_command(std::vector<std::string> args)
{
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--home") {
      ++i; // its value
      continue;
    }
    if (arg.rfind("--home=", 0) == 0) {
      continue;
    }
    if (arg == "-h" || arg == "--help" || arg == "-V" || arg == "--version") {
      return args;
    }
    if (arg.rfind('-', 0) == 0) {
      // The first option that is not global belongs to `run`.
      args.insert(args.begin() + static_cast<std::ptrdiff_t>(i), "run");
      return args;
    }
    if (std::find(command_names().begin(), command_names().end(), arg) != command_names().end()) {
      // `import` takes a format next: a mistyped one is named, with the closest.
      static const std::vector<std::string> k_formats = {"alpaca-eval", "fastchat", "arena-hard"};
      if (arg == "import" && i + 1 < args.size() && args[i + 1].rfind('-', 0) != 0 &&
          std::find(k_formats.begin(), k_formats.end(), args[i + 1]) == k_formats.end()) {
        auto near = closest_name(args[i + 1], k_formats);
        throw Fatal(near ? fmt::format("import: unknown format '{}'; did you mean '{}'?",
                                       args[i + 1], *near)
                         : fmt::format("import: unknown format '{}' ({})", args[i + 1],
                                       fmt::join(k_formats, ", ")));
      }
      return args;
    }
    if (auto near = closest_name(arg, command_names())) {
      throw Fatal(fmt::format("unknown command '{}'; did you mean '{}'?", arg, *near));
    }
    throw Fatal(
        fmt::format("unknown command '{}' (commands: {})", arg, fmt::join(command_names(), ", ")));
  }
  return args;
}

namespace {

// --alpaca-eval-lc DIR and --alpaca-eval-lc-c C, the same on run, report and leaderboard.
void
add_length_controlled_options(CLI::App* command, std::filesystem::path& folder,
                              std::optional<double>& c, const std::string& folder_default = "")
{
  command->add_option("--alpaca-eval-lc", folder,
                      "Folder with AlpacaEval's df_gamed.csv and instruction_difficulty.csv, for "
                      "the length-controlled win rate" +
                          folder_default);
  command
      ->add_option("--alpaca-eval-lc-c", c,
                   "Fit the length-controlled win rate with this C (no cross-validation)")
      ->check(CLI::PositiveNumber);
}

// The options of a run, on `cmd` (run, batch export, batch ingest).
void
add_run_options(CLI::App* cmd, RunOptions& run)
{
  // Checked after parsing, so that a mistyped option is what gets reported.
  cmd->add_option("--bench", run.bench, "Benchmark name, required (see `evalrun list benchmarks`)");
  cmd->add_option("--model", run.model, "Candidate endpoint name (see `evalrun list endpoints`)");
  cmd->add_option("--pairs", run.pairs,
                  "Pairwise protocols: judge every unordered pair of these endpoints "
                  "(comma-separated), each pair a run; instead of --model and --baseline");
  cmd->add_option("--judge", run.judge,
                  "Judge endpoint name (default: the benchmark's; demo "
                  "when --model is demo)");
  cmd->add_option("--db", run.db, "SQLite database (created if missing)")->capture_default_str();
  cmd->add_option("--bench-file", run.bench_file,
                  "Benchmark data file for benchmarks that read one (multifaceted)");
  cmd->add_option("--rubric", run.rubric,
                  "Judge rubric: a name under rubrics/ or a .yaml file (its protocol decides how "
                  "to judge; default: the benchmark's)");
  cmd->add_option("--baseline", run.baseline,
                  "Pairwise protocols: the baseline endpoint, or 'references' for the items' "
                  "reference answers (default: the benchmark's)");
  cmd->add_option("--judge-runs", run.judge_runs, "Independent judge runs averaged (absolute)")
      ->check(CLI::Range(1, 20));
  cmd->add_flag("--show-system", run.show_system,
                "Show the judge the item's system message (pairwise, absolute)");
  cmd->add_option("--endpoints", run.endpoints,
                  "Endpoints YAML (default: <home>/data/endpoints.yaml)");
  cmd->add_option("--limit", run.limit, "Only the first N items (N >= 1)");
  cmd->add_option_function<std::string>(
         "--shard",
         [&run](const std::string& text) {
           auto shard = harness::parse_shard(text);
           if (!shard) {
             throw Fatal(fmt::format("--shard: {}", shard.error().message));
           }
           run.shard = *shard;
         },
         "Only the items of slice i of n (0 <= i < n), chosen by item id, after --limit: "
         "each shard into its own database, then 'evalrun merge'")
      ->type_name("i/n");
  cmd->add_option("--concurrency", run.concurrency,
                  "Requests in flight per endpoint (every endpoint of the run)")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--system-messages", run.system_messages,
                  "none | item (the benchmark's own, if any) | pool:FILE (assigned by seed and "
                  "item id) | generate:ENDPOINT (written by a generator model from a preference "
                  "profile drawn by seed and item id)")
      ->capture_default_str();
  cmd->add_option("--seed", run.seed, "Seed for system-message assignment")->capture_default_str();
  cmd->add_option("--seen", run.seen,
                  "System messages used in training (one per line, or JSONL with \"system\"): "
                  "report exact and near matches");
  cmd->add_option("--seen-ngram", run.seen_ngram, "Word n-gram size of the near-match check")
      ->check(CLI::Range(1, 50))
      ->capture_default_str();
  cmd->add_option("--seen-threshold", run.seen_threshold,
                  "Share of a message's n-grams in one seen message that makes a near match")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_flag("--require-unseen", run.require_unseen,
                "Refuse to run if any system message matches a seen one");
  cmd->add_flag("--dry-run", run.dry_run,
                "Print the plan and, per role, the requests it would send and those already "
                "cached; send and write nothing");
  cmd->add_option("--format", run.format, "Report format printed at the end")
      ->check(CLI::IsMember({"md", "json"}))
      ->capture_default_str();
  cmd->add_flag("--batch", run.batch,
                "Send the judge's requests as batch jobs (OpenAI's Batch API: half the price, "
                "answers within 24 h), waiting for each; stopped, the same command takes the "
                "job up again");
  cmd->add_option("--batch-poll", run.batch_poll_s, "Seconds between two looks at a batch job")
      ->check(CLI::Range(0.01, 3600.0))
      ->capture_default_str();
  cmd->add_flag("--demo", run.demo,
                "Answer every endpoint with the built-in demo backend (no server, no key)");
  add_length_controlled_options(cmd, run.alpaca_eval_lc, run.alpaca_eval_lc_c);
}

} // namespace

int
main(int argc, char** argv)
{
  if (argc < 2) {
    throw Fatal(
        "no command given (try 'evalrun --bench mtbench --model demo', or 'evalrun --help')");
  }
  auto args = with_default_command({argv + 1, argv + argc});
  std::vector<char*> argv_run = {argv[0]}; // with `run` inserted where it was left out
  for (auto& arg : args) {
    argv_run.push_back(arg.data());
  }

  CLI::App app{"evalrun: LLM-as-judge evaluation harness and benchmark runner", "evalrun"};
  app.set_version_flag("--version,-V", EVALRUN_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  std::string home_flag;
  app.add_option("--home", home_flag,
                 "Directory with benchmarks/, rubrics/ and data/ (default: $EVALRUN_HOME, "
                 "else the ones installed with evalrun)");

  RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "Run a benchmark (the default command)");
  add_run_options(run_cmd, run);

  // A run whose offline endpoints' requests are written to a file, or whose
  // replies are read from one (vLLM's run-batch, OpenAI's batch files).
  auto* batch_cmd = app.add_subcommand(
      "batch", "Requests of offline endpoints as batch files: export them, ingest the replies");
  batch_cmd->require_subcommand(1);
  RunOptions batch_export;
  auto* export_cmd = batch_cmd->add_subcommand(
      "export", "Run, writing the requests that wait for an offline endpoint to a batch input "
                "file (OpenAI's format, which vllm run-batch reads)");
  add_run_options(export_cmd, batch_export);
  export_cmd->add_option("--out", batch_export.export_requests, "The batch input file to write")
      ->required();
  RunOptions batch_ingest;
  auto* ingest_cmd = batch_cmd->add_subcommand(
      "ingest", "Store the replies of a batch output file (vllm run-batch's, OpenAI's) as the "
                "responses of the run's offline requests, and run on");
  add_run_options(ingest_cmd, batch_ingest);
  ingest_cmd->add_option("replies", batch_ingest.ingest_replies, "The batch output file")
      ->required();

  ReportOptions report;
  auto* report_cmd = app.add_subcommand("report", "Print the reports of the runs in a database");
  report_cmd->add_option("--db", report.db, "SQLite database")->capture_default_str();
  report_cmd->add_option("--format", report.format, "md, json, csv or html")
      ->check(CLI::IsMember({"md", "json", "csv", "html"}))
      ->capture_default_str();
  report_cmd->add_option("--bench", report.bench, "Only this benchmark");
  report_cmd->add_option("--model", report.model, "Only this candidate endpoint");
  report_cmd->add_option("--judge", report.judge, "Only this judge endpoint");
  report_cmd->add_option("--out", report.out,
                         "Write report.<format> (index.html) into this folder");
  add_length_controlled_options(report_cmd, report.alpaca_eval_lc, report.alpaca_eval_lc_c);

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
  build_cmd->add_flag("--dry-run", build.dry_run,
                      "Print the generator requests it would send; send and write nothing");

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
  auto* import_ah =
      import_cmd->add_subcommand("arena-hard", "Arena-Hard-Auto model_judgment/<judge>/*.jsonl");
  import_ah->add_option("--judgments", import.file, "The model_judgment/<judge>/ folder")
      ->required();
  import_ah->add_option("--answers", import.answers,
                        "The model_answer/ folder (token counts for average #tokens)");
  import_ah->add_option("--baseline", import.baseline, "The model every game is played against")
      ->capture_default_str();
  import_ah->add_option("--db", import.db, "SQLite database")->capture_default_str();

  ExportOptions exporting;
  auto* export_format_cmd = app.add_subcommand(
      "export", "Write runs' answers and judgments in a reference tool's file layout (FastChat, "
                "Arena-Hard-Auto, AlpacaEval), as `evalrun import` reads them");
  export_format_cmd->add_option("--format", exporting.format, "fastchat, arena-hard or alpaca-eval")
      ->required()
      ->check(CLI::IsMember({"fastchat", "arena-hard", "alpaca-eval"}));
  export_format_cmd->add_option("--out", exporting.out, "Output folder")->required();
  export_format_cmd->add_option("--db", exporting.db, "SQLite database")->capture_default_str();
  export_format_cmd->add_option("--bench", exporting.bench, "Only this benchmark");
  export_format_cmd->add_option("--model", exporting.model, "Only this candidate endpoint");
  export_format_cmd->add_option("--judge", exporting.judge, "Only this judge endpoint");

  ViewOptions viewing;
  auto* view_cmd = app.add_subcommand(
      "view", "Browse a database's runs, verdicts and judge calls in a local web app "
              "(127.0.0.1, read-only)");
  view_cmd->add_option("--db", viewing.db, "SQLite database")->capture_default_str();
  view_cmd->add_option("--port", viewing.port, "Port on 127.0.0.1 (0: any free one)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();

  MergeOptions merge;
  auto* merge_cmd = app.add_subcommand(
      "merge", "Combine the databases of a run's shards (run --shard i/n) into a new database "
               "whose reports equal the run's in one process");
  merge_cmd->add_option("out", merge.out, "The new database")->required();
  merge_cmd->add_option("inputs", merge.inputs, "The shards' databases")->required();

  LeaderboardOptions board;
  auto* board_cmd = app.add_subcommand(
      "leaderboard", "Run a benchmark × model × judge matrix (only missing work is sent) and write "
                     "leaderboard.md/.json/.csv and index.html");
  board_cmd->add_option("--config", board.config, "Matrix YAML (e.g. data/nightly.yaml)")
      ->required();
  board_cmd->add_option("--out", board.out, "Output folder")->capture_default_str();
  board_cmd->add_option("--db", board.db,
                        "SQLite database (default: the config's `db`, else evalrun.db)");
  board_cmd->add_option("--endpoints", board.endpoints, "Endpoints YAML");
  add_length_controlled_options(board_cmd, board.alpaca_eval_lc, board.alpaca_eval_lc_c,
                                " (default: the config's alpaca_eval_lc)");
  board_cmd->add_flag("--demo", board.demo,
                      "Answer every endpoint with the built-in demo backend; the database is "
                      "the config's with .demo before its extension");
  board_cmd->add_flag("--no-run", board.no_run,
                      "Send nothing: write the leaderboard from the runs the database holds "
                      "(opened read-only)");

  ListOptions list;
  auto* list_cmd = app.add_subcommand("list", "List benchmarks or endpoints");
  list_cmd->add_option("what", list.what, "benchmarks | endpoints");
  list_cmd->add_option("--endpoints", list.endpoints, "Endpoints YAML");

  for (auto* sub :
       {run_cmd, report_cmd, list_cmd, build_cmd, score_cmd, board_cmd, import_cmd, import_ae,
        import_fc, import_ah, merge_cmd, batch_cmd, export_cmd, ingest_cmd, export_format_cmd}) {
    sub->fallthrough(); // --home may come after the subcommand
  }
  try {
    app.parse(static_cast<int>(argv_run.size()), argv_run.data());
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, exit 2, for every usage error (CLI11's own codes vary).
    std::string command;
    for (const auto* sub : app.get_subcommands()) {
      command = " " + sub->get_name();
    }
    throw Fatal(fmt::format("{} (see 'evalrun{} --help')", e.what(), command));
  }
  if (*report_cmd) {
    return report_command(report); // reads only the database
  }
  if (*view_cmd) {
    return view_command(viewing); // reads only the database
  }
  if (*export_format_cmd) {
    return export_command(exporting);
  }
  if (*import_cmd) {
    if (!*import_ae && !*import_fc && !*import_ah) {
      throw Fatal("import: say what to import: 'alpaca-eval', 'fastchat' or 'arena-hard' (see "
                  "'evalrun import --help')");
    }
    import.format = *import_ae ? "alpaca-eval" : *import_fc ? "fastchat" : "arena-hard";
    return import_command(import);
  }
  static const std::vector<std::string> k_lists = {"benchmarks", "endpoints"};
  if (*list_cmd && std::find(k_lists.begin(), k_lists.end(), list.what) == k_lists.end()) {
    auto near = closest_name(list.what, k_lists);
    throw Fatal(list.what.empty()
                    ? std::string("list: say what to list: 'benchmarks' or 'endpoints'")
                : near ? fmt::format("list: unknown '{}'; did you mean '{}'?", list.what, *near)
                       : fmt::format("list: unknown '{}' (benchmarks or endpoints)", list.what));
  }
  auto home = find_home(home_flag);
  auto start_run = [&home](const RunOptions& options, const char* command) {
    if (options.limit && *options.limit < 1) {
      throw Fatal(fmt::format("--limit: {} is not a number of items (1 or more)", *options.limit));
    }
    if (options.bench.empty()) {
      throw Fatal(fmt::format("{}: --bench is required (see 'evalrun list benchmarks')", command));
    }
    if (!options.pairs.empty()) {
      return run_pairs_command(options, home);
    }
    if (options.model.empty()) {
      throw Fatal(fmt::format(
          "{}: --model is required (or --pairs for every pair of several models)", command));
    }
    return run_command(options, home);
  };
  if (*run_cmd) {
    return start_run(run, "run");
  }
  if (*export_cmd) {
    return start_run(batch_export, "batch export");
  }
  if (*ingest_cmd) {
    return start_run(batch_ingest, "batch ingest");
  }
  if (*board_cmd) {
    return leaderboard_command(board, home);
  }
  if (*score_cmd) {
    return score_command(score, home);
  }
  if (*merge_cmd) {
    return merge_command(merge);
  }
  if (*build_cmd) {
    return build_bench_command(build, home);
  }
  return list_command(list, home);
}

} // namespace cli
