#include <reports/csv_field.hpp>
#include <reports/leaderboard.hpp>
#include <reports/markdown_text.hpp>
#include <reports/run_cost.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

namespace reports {

using nlohmann::json;

std::string
LeaderboardColumn::title() const
{
  std::string t = fmt::format("{} v{} · {} · {}", bench, bench_version, rubric, judge);
  if (!baseline.empty()) {
    t += " · vs " + baseline;
  }
  if (!variant.empty()) {
    t += " · " + variant;
  }
  return t;
}

namespace {

// What sets a run's item set apart, in words, from its stored config.
std::string
describe_variant(const json& config, const json& semantics, long items)
{
  std::vector<std::string> parts;
  if (items > 0) {
    parts.push_back(fmt::format("{} items", items));
  }
  if (config.contains("limit") && config["limit"].is_number()) {
    parts.push_back(fmt::format("limit {}", config["limit"].get<long>()));
  }
  if (semantics.contains("files") && semantics["files"].contains("records")) {
    parts.push_back("file " +
                    semantics["files"]["records"].value("sha256", std::string()).substr(0, 8));
  }
  const json sm = config.value("system_messages", json::object());
  const std::string mode = sm.is_object() ? sm.value("mode", std::string("item")) : "item";
  if (mode == "none") {
    parts.emplace_back("no system messages");
  } else if (mode == "pool") {
    parts.push_back(
        fmt::format("system messages from {} (seed {})",
                    std::filesystem::path(sm.value("pool", std::string())).filename().string(),
                    sm.value("seed", 0)));
  } else if (mode == "generate") {
    parts.push_back(fmt::format("system messages by {} (seed {})",
                                sm.value("generator", std::string()), sm.value("seed", 0)));
  }
  const json settings = semantics.value("judge_settings", json::object());
  if (settings.is_object() && settings.value("show_system", false)) {
    parts.emplace_back("judge sees the system message");
  }
  if (settings.is_object() && settings.value("runs", 1) > 1) {
    parts.push_back(fmt::format("{} judge runs", settings.value("runs", 1)));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

LeaderboardColumn
column_of(const RunReport& r)
{
  LeaderboardColumn c{
      r.run.bench,    r.run.bench_version, r.run.judge, r.run.rubric, r.run.protocol,
      r.run.baseline, r.headline_name(),   "",          "",           {}};
  json config = json::parse(r.run.config_json, nullptr, false);
  if (config.is_object() && config.contains("semantics") && config["semantics"].is_object()) {
    json semantics = config["semantics"];
    // The candidate is the row, not the column.
    for (const char* key : {"candidate_model", "candidate_params", "candidate_template"}) {
      semantics.erase(key);
    }
    c.item_set = semantics.dump();
    c.variant = describe_variant(config, semantics, r.run.items);
  }
  return c;
}

// The cell's value (and interval), with a % sign for percentages.
std::string
value_text(const LeaderboardCell& c, const std::string& metric, bool with_ci)
{
  if (!c.value) {
    return "n/a";
  }
  const char* unit = metric_unit(metric) == "percent" ? "%" : "";
  std::string out = fmt::format("{:.2f}{}", *c.value, unit);
  if (with_ci && c.ci) {
    out += fmt::format(" ({:.2f}–{:.2f}{})", c.ci->low, c.ci->high, unit);
  }
  if (c.status != "complete") {
    out += fmt::format(" ({}, unfinished)", c.status); // never a bare number for a partial run
  }
  return out;
}

} // namespace

std::string
LeaderboardColumn::judge_warning() const
{
  if (judge_versions.size() < 2) {
    return {};
  }
  return fmt::format("the judge answered as {} versions in this column: {}; its numbers may not "
                     "be comparable",
                     judge_versions.size(), fmt::join(judge_versions, ", "));
}

void
add_not_run(Leaderboard& board, NotRun cell)
{
  if (std::find(board.models.begin(), board.models.end(), cell.model) == board.models.end()) {
    board.models.push_back(cell.model);
  }
  board.not_run.push_back(std::move(cell));
}

Leaderboard
build_leaderboard(const std::vector<RunReport>& reports, bool every_run)
{
  Leaderboard board;
  for (const auto& r : reports) {
    auto column = column_of(r);
    auto it = std::find_if(board.columns.begin(), board.columns.end(),
                           [&](const LeaderboardColumn& c) { return c.key() == column.key(); });
    size_t index = static_cast<size_t>(it - board.columns.begin());
    if (it == board.columns.end()) {
      board.columns.push_back(column);
    }
    auto& versions = board.columns[index].judge_versions;
    for (auto& v : served_versions(r.judge_served)) {
      if (std::find(versions.begin(), versions.end(), v) == versions.end()) {
        versions.push_back(std::move(v));
      }
    }
    if (std::find(board.models.begin(), board.models.end(), r.run.model) == board.models.end()) {
      board.models.push_back(r.run.model);
    }
    LeaderboardCell cell;
    cell.value = r.headline();
    if (auto ci = r.intervals.find(r.headline_name()); ci != r.intervals.end()) {
      cell.ci = ci->second;
    }
    const auto counts = r.counts();
    cell.n = counts.rated;
    cell.failures = counts.unreadable + counts.failed;
    cell.answers = r.answer_ends.answers;
    cell.cut_short = r.answer_ends.cut_short;
    cell.judge = describe_judge(r.diagnostics);
    cell.tokens = describe_cost(r.cost);
    cell.status = r.run.status;
    cell.computed_at = r.run.finished_at;
    cell.run_id = r.run.id;
    cell.demo = r.run.demo;
    auto key = std::make_pair(r.run.model, index);
    auto existing = board.cells.find(key);
    if (existing == board.cells.end() || existing->second.computed_at <= cell.computed_at) {
      if (every_run && existing != board.cells.end()) {
        auto older = existing->second;
        auto row = fmt::format("{} (run {})", r.run.model, older.run_id);
        board.models.push_back(row);
        board.cells[{row, index}] = older;
      }
      board.cells[key] = cell;
    } else if (every_run) {
      auto row = fmt::format("{} (run {})", r.run.model, cell.run_id);
      board.models.push_back(row);
      board.cells[{row, index}] = cell;
    }
    board.runs.push_back(&r);
  }
  return board;
}

std::string
leaderboard_markdown(const Leaderboard& board)
{
  std::string out = "# evalrun leaderboard\n\n";
  for (size_t c = 0; c < board.columns.size(); ++c) {
    out += fmt::format("- **[{}]** {} — {}\n", c + 1, markdown_text(board.columns[c].title()),
                       markdown_text(board.columns[c].metric));
    if (auto warning = board.columns[c].judge_warning(); !warning.empty()) {
      out += "  - ⚠ " + markdown_text(warning) + "\n";
    }
  }
  out += "\n| model |";
  for (size_t c = 0; c < board.columns.size(); ++c) {
    out += fmt::format(" [{}] |", c + 1);
  }
  out += "\n|---|";
  for (size_t c = 0; c < board.columns.size(); ++c) {
    out += "---:|";
  }
  out += "\n";
  bool any_demo = false;
  for (const auto& model : board.models) {
    out += "| " + markdown_text(model) + " |";
    for (size_t c = 0; c < board.columns.size(); ++c) {
      auto it = board.cells.find({model, c});
      if (it == board.cells.end()) {
        out += " |";
        continue;
      }
      any_demo = any_demo || it->second.demo;
      out += fmt::format(" {}{} |", value_text(it->second, board.columns[c].metric, true),
                         it->second.failures ? fmt::format(" ⚠{}", it->second.failures) : "");
    }
    out += "\n";
  }
  out += "\nValues with their 95% bootstrap intervals; ⚠N: judgments that did not count "
         "(unparseable or failed).\n\n| model | column | run | status | n | answers cut short | "
         "computed at |\n|---|---:|---:|---|---:|---:|---|\n";
  for (const auto& [key, cell] : board.cells) {
    out += fmt::format("| {} | [{}] | {} | {} | {} | {} of {} | {} |\n", markdown_text(key.first),
                       key.second + 1, cell.run_id, markdown_text(cell.status), cell.n,
                       cell.cut_short, cell.answers, markdown_text(cell.computed_at));
  }
  if (!board.not_run.empty()) {
    out +=
        "\nCells that could not run:\n\n| model | bench | settings | reason |\n|---|---|---|---|\n";
    for (const auto& n : board.not_run) {
      out += fmt::format("| {} | {} | {} | {} |\n", markdown_text(n.model), markdown_text(n.bench),
                         markdown_text(n.settings), markdown_text(n.reason));
    }
  }
  if (any_demo) {
    out += "\nCells from the DEMO BACKEND say nothing about any model.\n";
  }
  return out;
}

std::string
leaderboard_json(const Leaderboard& board, const std::string& evalrun_version)
{
  json columns = json::array();
  for (const auto& c : board.columns) {
    columns.push_back({{"bench", c.bench},
                       {"bench_version", c.bench_version},
                       {"judge", c.judge},
                       {"rubric", c.rubric},
                       {"protocol", c.protocol},
                       {"baseline", c.baseline},
                       {"metric", c.metric},
                       {"unit", metric_unit(c.metric)},
                       {"variant", c.variant},
                       {"judge_versions", c.judge_versions},
                       {"title", c.title()}});
  }
  json rows = json::array();
  for (const auto& model : board.models) {
    json cells = json::array();
    for (size_t c = 0; c < board.columns.size(); ++c) {
      auto it = board.cells.find({model, c});
      if (it == board.cells.end()) {
        cells.push_back(nullptr);
        continue;
      }
      const auto& cell = it->second;
      cells.push_back({{"value", cell.value ? json(*cell.value) : json(nullptr)},
                       {"ci95", cell.ci ? json({cell.ci->low, cell.ci->high}) : json(nullptr)},
                       {"n", cell.n},
                       {"failures", cell.failures},
                       {"answers", cell.answers},
                       {"answers_cut_short", cell.cut_short},
                       {"status", cell.status},
                       {"run_id", cell.run_id},
                       {"computed_at", cell.computed_at},
                       {"demo", cell.demo}});
    }
    rows.push_back({{"model", model}, {"cells", cells}});
  }
  json not_run = json::array();
  for (const auto& n : board.not_run) {
    not_run.push_back(
        {{"model", n.model}, {"bench", n.bench}, {"settings", n.settings}, {"reason", n.reason}});
  }
  return json{{"evalrun_version", evalrun_version},
              {"columns", columns},
              {"rows", rows},
              {"not_run", not_run}}
             .dump(2) +
         "\n";
}

std::string
leaderboard_csv(const Leaderboard& board)
{
  std::string out =
      "model,bench,bench_version,judge,rubric,protocol,baseline,metric,variant,value,ci_low,"
      "ci_high,n,failures,status,run_id,computed_at,reason,answers,answers_cut_short\n";
  for (const auto& model : board.models) {
    for (size_t c = 0; c < board.columns.size(); ++c) {
      auto it = board.cells.find({model, c});
      if (it == board.cells.end()) {
        continue;
      }
      const auto& col = board.columns[c];
      const auto& cell = it->second;
      out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},,{},{}\n",
                         csv_field(model), csv_field(col.bench), csv_field(col.bench_version),
                         csv_field(col.judge), csv_field(col.rubric), csv_field(col.protocol),
                         csv_field(col.baseline), csv_field(col.metric), csv_field(col.variant),
                         cell.value ? fmt::format("{:.6f}", *cell.value) : "",
                         cell.ci ? fmt::format("{:.6f}", cell.ci->low) : "",
                         cell.ci ? fmt::format("{:.6f}", cell.ci->high) : "", cell.n, cell.failures,
                         csv_field(cell.status), cell.run_id, csv_field(cell.computed_at),
                         cell.answers, cell.cut_short);
    }
  }
  for (const auto& n : board.not_run) {
    out += fmt::format("{},{},,,,,,,{},,,,,,not_run,,,{},,\n", csv_field(n.model),
                       csv_field(n.bench), csv_field(n.settings), csv_field(n.reason));
  }
  return out;
}

} // namespace reports
