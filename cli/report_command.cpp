#include <cli/commands.hpp>
#include <cli/length_controlled_files.hpp>
#include <reports/leaderboard.hpp>
#include <reports/render.hpp>

#include <harness/error.hpp>
#include <harness/store.hpp>
#include <harness/text_file.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <string>
#include <vector>

namespace cli {

using harness::Fatal;

int
report_command(const ReportOptions& options)
{
  const auto& db = options.db;
  const auto& format = options.format;
  const auto& out = options.out;
  if (!std::filesystem::exists(db)) {
    throw Fatal(
        fmt::format("{}: no such database (run an evaluation first, or pass --db)", db.string()));
  }
  harness::Store store(db, harness::Store::Access::read_only); // reads: changes nothing
  reports::CollectOptions filter;
  filter.bench = options.bench;
  filter.model = options.model;
  filter.judge = options.judge;
  auto lc_inputs = read_length_controlled_inputs(options.alpaca_eval_lc, options.alpaca_eval_lc_c);
  filter.alpaca_eval_lc = lc_inputs ? &*lc_inputs : nullptr;
  auto reports = reports::collect(store, filter);
  if (reports.empty() && !(filter.bench.empty() && filter.model.empty() && filter.judge.empty())) {
    // Filters that match nothing are a mistake to say, not an empty report.
    std::vector<std::string> held;
    for (const auto& r : store.runs()) {
      held.push_back(fmt::format("{} {}/{}", r.bench, r.model, r.judge));
    }
    std::sort(held.begin(), held.end());
    held.erase(std::unique(held.begin(), held.end()), held.end());
    throw Fatal(fmt::format("{}: no run matches{}{}{} (--model and --judge name endpoints; the "
                            "database holds {})",
                            db.string(), filter.bench.empty() ? "" : " --bench " + filter.bench,
                            filter.model.empty() ? "" : " --model " + filter.model,
                            filter.judge.empty() ? "" : " --judge " + filter.judge,
                            held.empty() ? "no run" : fmt::format("{}", fmt::join(held, ", "))),
                2);
  }
  std::string text;
  if (format == "json") {
    text = reports::render_json(reports, EVALRUN_VERSION);
  } else if (format == "csv") {
    text = reports::render_csv(reports);
  } else if (format == "html") {
    text = reports::leaderboard_html(reports::build_leaderboard(reports, /*every_run=*/true),
                                     EVALRUN_VERSION);
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
  auto weights = length_controlled_weights_files(out, reports); // may refuse: before writing
  auto written = harness::write_file_atomic(path, text);
  if (!written) {
    throw harness::write_failure(written.error());
  }
  fmt::print(stderr, "evalrun: wrote {}\n", path.string());
  write_files(weights);
  for (const auto& [file, content] : weights) {
    fmt::print(stderr, "evalrun: wrote {}\n", file.string());
  }
  return 0;
}

} // namespace cli
