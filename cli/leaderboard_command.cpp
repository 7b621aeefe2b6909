#include <cli/catalog.hpp>
#include <cli/commands.hpp>
#include <cli/length_controlled_files.hpp>
#include <reports/janus_tables.hpp>
#include <reports/leaderboard.hpp>

#include <harness/config.hpp>
#include <harness/error.hpp>
#include <harness/store.hpp>
#include <harness/text_file.hpp>

#include <fmt/format.h>

#include <optional>
#include <set>
#include <string_view>

namespace cli {

using harness::Fatal;

namespace {

// What a matrix entry sets beyond its benchmark, in words, so that a cell
// that could not run is told apart from its neighbours.
std::string
entry_settings(const harness::MatrixEntry& entry)
{
  std::vector<std::string> parts;
  if (!entry.rubric.empty()) {
    parts.push_back("rubric " + entry.rubric);
  }
  if (!entry.baseline.empty()) {
    parts.push_back("baseline " + entry.baseline);
  }
  if (!entry.bench_file.empty()) {
    parts.push_back("file " + entry.bench_file);
  }
  if (entry.limit) {
    parts.push_back(fmt::format("limit {}", *entry.limit));
  }
  if (entry.judge_runs) {
    parts.push_back(fmt::format("{} judge runs", *entry.judge_runs));
  }
  if (entry.show_system) {
    parts.push_back("system message shown to the judge");
  }
  if (!entry.system_messages.empty()) {
    parts.push_back(fmt::format("system messages {} (seed {})", entry.system_messages, entry.seed));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

// The run command of one cell: `model` on the matrix entry's benchmark.
RunOptions
cell_run(const harness::MatrixEntry& entry, const std::string& model,
         const LeaderboardOptions& options, const std::filesystem::path& db)
{
  RunOptions run;
  run.bench = entry.bench;
  run.model = model;
  run.judge = entry.judge;
  run.rubric = entry.rubric;
  run.baseline = entry.baseline;
  run.system_messages = entry.system_messages.empty() ? "item" : entry.system_messages;
  run.seed = entry.seed;
  run.limit = entry.limit;
  run.bench_file = entry.bench_file;
  run.judge_runs = entry.judge_runs;
  run.show_system = entry.show_system;
  run.demo = options.demo;
  run.db = db;
  run.endpoints = options.endpoints;
  run.quiet = true;
  return run;
}

} // namespace

int
leaderboard_command(const LeaderboardOptions& options, const std::filesystem::path& home)
{
  auto file = harness::read_text_file(shipped_file(options.config, home));
  if (!file) {
    throw Fatal(file.error().message);
  }
  auto config = harness::parse_leaderboard_config(*file);
  if (!config) {
    throw Fatal(config.error().message);
  }
  // The command line wins over the config, which wins over the default.
  std::filesystem::path db = !options.db.empty()   ? options.db
                             : !config->db.empty() ? std::filesystem::path(config->db)
                                                   : std::filesystem::path("evalrun.db");
  if (options.demo && options.db.empty()) {
    // Demo answers never share a database with real ones: janus.db -> janus.demo.db.
    db.replace_filename(db.stem().string() + ".demo" + db.extension().string());
  }
  const std::filesystem::path lc_folder = !options.alpaca_eval_lc.empty()
                                              ? options.alpaca_eval_lc
                                              : std::filesystem::path(config->alpaca_eval_lc);
  // The side files are read first: a bad one stops the command before any request.
  auto lc_inputs = read_length_controlled_inputs(lc_folder, options.alpaca_eval_lc_c);
  int status = 0;
  std::set<std::int64_t> run_ids;
  std::vector<std::string> failures;
  std::vector<reports::NotRun> not_run;
  // --no-run reads the database as it is; otherwise it is opened once the runs are done.
  if (options.no_run && !std::filesystem::exists(db)) {
    throw Fatal(fmt::format("{}: no such database (--no-run writes the leaderboard from what a "
                            "database holds)",
                            db.string()));
  }
  std::optional<harness::Store> stored;
  if (options.no_run) {
    stored.emplace(db, harness::Store::Access::read_only);
  }
  for (const auto& entry : config->matrix) {
    for (const auto& model : entry.models) {
      const RunOptions run = cell_run(entry, model, options, db);
      std::int64_t id = 0;
      try {
        if (options.no_run) {
          auto found = find_stored_run(run, home, *stored);
          if (!found) {
            throw Fatal("not in the database yet (run the leaderboard without --no-run)");
          }
          id = *found;
        } else {
          int rc = run_command(run, home, &id);
          if (rc > 128) {
            // A signal stopped the cell: the rest of the matrix is not started.
            fmt::print(stderr, "evalrun: leaderboard stopped; run the same command again to "
                               "resume\n");
            return rc;
          }
          status = std::max(status, rc);
          if (rc != 0) {
            failures.push_back(
                fmt::format("{} × {}: some requests failed (run {})", entry.bench, model, id));
          }
        }
      } catch (const Fatal& e) {
        if (std::string_view(e.what()).starts_with("disk full: ")) {
          throw; // the next cells would fail the same way
        }
        // One cell that cannot run must not stop the rest of the nightly matrix.
        status = 3;
        failures.push_back(fmt::format("{} × {}: {}", entry.bench, model, e.what()));
        not_run.push_back({model, entry.bench, e.what(), entry_settings(entry)});
      }
      if (id) {
        run_ids.insert(id);
      }
    }
  }
  if (run_ids.empty()) {
    throw Fatal(fmt::format("no run of the matrix {}:\n  {}",
                            options.no_run ? "is in " + db.string() : "could start",
                            fmt::join(failures, "\n  ")));
  }
  if (!stored) {
    stored.emplace(db);
  }
  harness::Store& store = *stored;
  reports::CollectOptions collect_options;
  collect_options.alpaca_eval_lc = lc_inputs ? &*lc_inputs : nullptr;
  auto reports = reports::collect(store, collect_options);
  std::erase_if(reports, [&](const reports::RunReport& r) { return !run_ids.count(r.run.id); });
  auto board = reports::build_leaderboard(reports);
  for (auto& cell : not_run) {
    reports::add_not_run(board, std::move(cell));
  }
  auto weights = length_controlled_weights_files(options.out, reports);
  std::error_code ec;
  std::filesystem::create_directories(options.out, ec);
  if (ec) {
    throw Fatal(fmt::format("{}: cannot create: {}", options.out.string(), ec.message()));
  }
  std::vector<std::pair<std::string, std::string>> files = {
      {"leaderboard.md", reports::leaderboard_markdown(board)},
      {"leaderboard.json", reports::leaderboard_json(board, EVALRUN_VERSION)},
      {"leaderboard.csv", reports::leaderboard_csv(board)},
      {"index.html", reports::leaderboard_html(board, EVALRUN_VERSION)}};
  if (config->layout == "janus") {
    files.emplace_back("janus.md", reports::janus_tables_markdown(reports));
  }
  for (const auto& [name, content] : files) {
    auto written = harness::write_file_atomic(options.out / name, content);
    if (!written) {
      throw harness::write_failure(written.error());
    }
  }
  write_files(weights);
  fmt::print(stderr, "evalrun: leaderboard of {} runs ({} models × {} columns) written to {}{}\n",
             reports.size(), board.models.size(), board.columns.size(), options.out.string(),
             config->layout == "janus" ? " (the Janus tables in janus.md)" : "");
  for (const auto& f : failures) {
    fmt::print(stderr, "  failed: {}\n", f);
  }
  return status;
}

} // namespace cli
