#include <cli/view_api.hpp>
#include <reports/judge_diagnostics.hpp>
#include <reports/render.hpp>

#include <harness/error.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

namespace cli {

using nlohmann::json;

namespace {

// `text` with %XX and '+' (in a query) decoded; nullopt when an escape is malformed.
std::optional<std::string>
percent_decoded(std::string_view text, bool plus_is_space)
{
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      unsigned value = 0;
      if (i + 2 >= text.size()) {
        return std::nullopt;
      }
      auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
      if (ec != std::errc() || end != text.data() + i + 3) {
        return std::nullopt;
      }
      out += static_cast<char>(value);
      i += 2;
    } else {
      out += plus_is_space && text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

std::vector<std::string_view>
split(std::string_view text, char separator)
{
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == separator) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

struct BadRequest
{
  std::string why;
};

long
number(const std::string& text, const char* what, long least = 0,
       long most = std::numeric_limits<int>::max())
{
  long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < least || value > most) {
    throw BadRequest{
        fmt::format("{} must be a whole number from {} to {}: \"{}\"", what, least, most, text)};
  }
  return value;
}

// The status filters a page of verdicts takes, besides the statuses themselves.
constexpr std::array<const char*, 9> k_status_filters = {
    "ok",         "parse_failed", "out_of_range", "judge_error", "candidate_error",
    "unreadable", "errors",       "inconsistent", "flipped"};

ViewReply
reply(int status, json body)
{
  return {status, "application/json", body.dump(-1, ' ', false, json::error_handler_t::replace)};
}

ViewReply
not_found(const std::string& what)
{
  return reply(404, {{"error", what}});
}

json
run_summary(const harness::RunRecord& r)
{
  return {{"id", r.id},         {"bench", r.bench},           {"model", r.model},
          {"judge", r.judge},   {"baseline", r.baseline},     {"protocol", r.protocol},
          {"rubric", r.rubric}, {"status", r.status},         {"items", r.items},
          {"demo", r.demo},     {"started_at", r.started_at}, {"finished_at", r.finished_at}};
}

// A run's headline number (as the leaderboard shows it), its interval and counts.
json
headline(const reports::RunReport& report)
{
  const auto counts = report.counts();
  json h = {{"name", report.headline_name()},
            {"unit", report.headline_unit()},
            {"rated", counts.rated},
            {"unreadable", counts.unreadable},
            {"failed", counts.failed}};
  const auto value = report.headline();
  h["value"] = value ? json(*value) : json(nullptr);
  if (auto it = report.intervals.find(report.headline_name()); it != report.intervals.end()) {
    h["interval"] = {it->second.low, it->second.high};
  }
  return h;
}

json
verdict_json(const harness::VerdictRecord& v)
{
  json out = {{"item_id", v.item_id},
              {"turn", v.turn},
              {"category", v.category},
              {"source", v.source},
              {"status", v.status},
              {"winner", v.winner},
              {"detail", v.detail},
              {"rubric", v.rubric},
              {"prompt_id", v.prompt_id},
              {"position", v.position},
              {"judge_model_id", v.judge_model_id},
              {"candidate_chars", v.candidate_chars},
              {"baseline_chars", v.baseline_chars}};
  out["score"] = v.score ? json(*v.score) : json(nullptr);
  out["labels"] = json::parse(v.labels_json, nullptr, false);
  out["criteria"] = json::parse(v.criteria_json, nullptr, false);
  return out;
}

// The messages of a stored request ([] when it is not stored).
json
request_messages(harness::Store& store, const std::string& hash)
{
  if (hash.empty()) {
    return json::array();
  }
  auto semantics = store.request_semantics(hash);
  if (!semantics) {
    return json::array();
  }
  json parsed = json::parse(*semantics, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("messages")) {
    return json::array();
  }
  json out = json::array();
  for (const auto& m : parsed["messages"]) {
    out.push_back({{"role", m.value("role", "")},
                   {"content", m.contains("content") && m["content"].is_string()
                                   ? m["content"].get<std::string>()
                                   : m.value("content", json()).dump()}});
  }
  return out;
}

json
answer(harness::Store& store, const std::string& hash)
{
  if (hash.empty()) {
    return nullptr;
  }
  auto text = store.response_text(hash);
  return text ? json(*text) : json(nullptr);
}

ViewReply
runs_reply(const std::vector<reports::RunReport>& reports)
{
  json runs = json::array();
  for (const auto& report : reports) {
    json row = run_summary(report.run);
    row["headline"] = headline(report);
    runs.push_back(std::move(row));
  }
  return reply(200, {{"runs", runs}});
}

json
counts_json(const std::vector<std::pair<std::string, long>>& counts)
{
  json out = json::array();
  for (const auto& [value, n] : counts) {
    out.push_back({{"value", value}, {"count", n}});
  }
  return out;
}

ViewReply
run_reply(harness::Store& store, const reports::RunReport& report)
{
  using Column = harness::Store::VerdictColumn;
  const auto& run = report.run;
  json out = run_summary(run);
  out["config"] = json::parse(run.config_json, nullptr, false);
  out["headline"] = headline(report);
  out["report"] = reports::render_markdown({report});
  out["statuses"] = counts_json(store.verdict_counts(run.id, Column::status));
  out["categories"] = counts_json(store.verdict_counts(run.id, Column::category));
  out["sources"] = counts_json(store.verdict_counts(run.id, Column::source));
  out["diagnostics"] = {{"summary", reports::describe_judge(report.diagnostics)}};
  // Everything evalrun report --format json says of the run (diagnostics, tokens, intervals).
  const json rendered = json::parse(reports::render_json({report}, EVALRUN_VERSION));
  out["report_json"] = rendered.at("results").at(0);
  // The scores read, as [value, verdicts] pairs in value order (a histogram's
  // data, as small as the scale, however many verdicts).
  std::map<double, long> scores;
  for (const auto& v : store.verdicts(run.id, harness::Store::VerdictColumns::for_reports)) {
    if (v.status == "ok" && v.score) {
      ++scores[*v.score];
    }
  }
  json score_counts = json::array();
  for (const auto& [value, n] : scores) {
    score_counts.push_back({value, n});
  }
  out["score_counts"] = std::move(score_counts);
  return reply(200, out);
}

ViewReply
verdicts_reply(harness::Store& store, std::int64_t run_id, const std::string& protocol,
               const std::map<std::string, std::string>& query)
{
  harness::Store::VerdictFilter filter;
  auto get = [&](const char* key) {
    auto it = query.find(key);
    return it == query.end() ? std::string() : it->second;
  };
  filter.status = get("status");
  if (!filter.status.empty() && std::find(k_status_filters.begin(), k_status_filters.end(),
                                          filter.status) == k_status_filters.end()) {
    throw BadRequest{fmt::format("no status \"{}\" (one of: {})", filter.status,
                                 fmt::join(k_status_filters, ", "))};
  }
  filter.category = get("category");
  filter.source = get("source");
  filter.text = get("q");
  if (auto offset = get("offset"); !offset.empty()) {
    filter.offset = number(offset, "offset");
  }
  if (auto limit = get("limit"); !limit.empty()) {
    filter.limit = number(limit, "limit", 1, 200);
  }
  harness::Store::VerdictPage page;
  if (filter.status == "inconsistent" || filter.status == "flipped") {
    // Pairs whose games disagree (as the diagnostics count them: inconsistent
    // includes flipped): read, the other filters applied, and compared here.
    const bool flipped_only = filter.status == "flipped";
    auto wanted = [&](reports::SwapOutcome s) {
      return s == reports::SwapOutcome::flipped ||
             (!flipped_only && s == reports::SwapOutcome::inconsistent);
    };
    auto every = filter;
    every.status.clear();
    every.offset = 0;
    every.limit = -1; // (SQLite: no limit)
    for (auto& v : store.verdict_page(run_id, every).rows) {
      if (wanted(reports::swap_outcome(protocol, v)) && page.total++ >= filter.offset &&
          static_cast<long>(page.rows.size()) < filter.limit) {
        page.rows.push_back(std::move(v));
      }
    }
  } else {
    page = store.verdict_page(run_id, filter);
  }
  json rows = json::array();
  for (const auto& v : page.rows) {
    rows.push_back(verdict_json(v));
  }
  return reply(
      200,
      {{"total", page.total}, {"offset", filter.offset}, {"limit", filter.limit}, {"rows", rows}});
}

ViewReply
item_reply(harness::Store& store, std::int64_t run_id, const std::string& item_id, int turn)
{
  harness::Store::VerdictFilter filter;
  filter.item_id = item_id;
  filter.turn = turn;
  filter.limit = 1;
  auto page = store.verdict_page(run_id, filter);
  if (page.rows.empty()) {
    return not_found(
        fmt::format("run {} has no verdict for item {} turn {}", run_id, item_id, turn));
  }
  const auto& v = page.rows.front();
  json calls = json::array();
  for (const auto& c : store.judge_calls(run_id, item_id, turn)) {
    json call = {{"call_index", c.call_index},
                 {"attempt", c.attempt},
                 {"position", c.position},
                 {"prompt_id", c.prompt_id},
                 {"status", c.status},
                 {"label", c.label},
                 {"reply", c.raw}};
    call["value"] = c.value ? json(*c.value) : json(nullptr);
    call["prompt"] = request_messages(store, c.request_hash);
    calls.push_back(std::move(call));
  }
  json out = {{"run_id", run_id}, {"verdict", verdict_json(v)}};
  out["conversation"] = request_messages(store, v.candidate_hash);
  out["candidate_answer"] = answer(store, v.candidate_hash);
  out["baseline_answer"] = answer(store, v.baseline_hash);
  out["system_message_id"] = v.system_message_id;
  out["judge_calls"] = std::move(calls);
  return reply(200, out);
}

} // namespace

const std::vector<reports::RunReport>&
ViewApi::run_reports()
{
  std::string state;
  for (const auto& run : m_store.runs()) {
    long verdicts = 0;
    for (const auto& [status, n] :
         m_store.verdict_counts(run.id, harness::Store::VerdictColumn::status)) {
      verdicts += n;
    }
    state += fmt::format("{}:{}:{}:{};", run.id, run.status, run.finished_at, verdicts);
  }
  if (state != m_reports_state || m_reports.empty()) {
    m_reports = reports::collect(m_store);
    m_reports_state = std::move(state);
  }
  return m_reports;
}

ViewReply
ViewApi::get(const std::string& target)
{
  const auto question = target.find('?');
  const std::string_view path = std::string_view(target).substr(0, question);
  std::map<std::string, std::string> query;
  if (question != std::string::npos) {
    for (auto pair : split(std::string_view(target).substr(question + 1), '&')) {
      const auto eq = pair.find('=');
      auto key = percent_decoded(pair.substr(0, eq), true);
      auto value = percent_decoded(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
      if (!key || !value) {
        return reply(400, {{"error", "a malformed %-escape in the query"}});
      }
      query[*key] = *value;
    }
  }
  std::vector<std::string> parts;
  for (auto part : split(path, '/')) {
    auto decoded = percent_decoded(part, false);
    if (!decoded) {
      return reply(400, {{"error", "a malformed %-escape in the path"}});
    }
    parts.push_back(*decoded);
  }
  // parts[0] is "" (the path starts with '/').
  try {
    if (parts.size() < 3 || parts[1] != "api" || parts[2] != "runs") {
      return not_found(fmt::format("no such page: {}", path));
    }
    const auto& reports = run_reports();
    if (parts.size() == 3) {
      return runs_reply(reports);
    }
    const std::int64_t id = number(parts[3], "the run");
    const auto report = std::find_if(reports.begin(), reports.end(),
                                     [id](const auto& r) { return r.run.id == id; });
    if (report == reports.end()) {
      return not_found(fmt::format("no run {}", parts[3]));
    }
    if (parts.size() == 4) {
      return run_reply(m_store, *report);
    }
    if (parts.size() == 5 && parts[4] == "verdicts") {
      return verdicts_reply(m_store, id, report->run.protocol, query);
    }
    if (parts.size() == 7 && parts[4] == "items") {
      return item_reply(m_store, id, parts[5], static_cast<int>(number(parts[6], "the turn", 1)));
    }
    return not_found(fmt::format("no such page: {}", path));
  } catch (const BadRequest& e) {
    return reply(400, {{"error", e.why}});
  }
}

} // namespace cli
