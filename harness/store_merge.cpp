// Store::merge_from: what another evalrun database holds, copied into this one
// (the shards of a run into one database).

#include <harness/sqlite_statement.hpp>
#include <harness/store.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <string>
#include <unordered_map>
#include <vector>

namespace harness {

namespace {

// `semantics` (a JSON list of text ids, negative for a text JSON-escaped) with
// each id replaced by the one `texts` maps it to.
std::string
remap_text_ids(const std::string& semantics,
               const std::unordered_map<std::int64_t, std::int64_t>& texts,
               const std::filesystem::path& source)
{
  std::string out = "[";
  for (const auto& part : nlohmann::json::parse(semantics)) {
    const auto id = part.get<std::int64_t>();
    const auto mapped = texts.find(id < 0 ? -id : id);
    if (mapped == texts.end()) {
      throw Fatal(fmt::format("{}: a request refers to text {}, which is missing", source.string(),
                              id < 0 ? -id : id));
    }
    fmt::format_to(std::back_inserter(out), "{}{}", out.size() > 1 ? "," : "",
                   id < 0 ? -mapped->second : mapped->second);
  }
  return out + "]";
}

// A request named by `column` of a source row: the id here of the request it
// names by id there (merge_requests maps them), or its hash as it is.
std::string
request_named(const char* column)
{
  return fmt::format("CASE WHEN typeof({0}) = 'integer' THEN (SELECT dst FROM temp.merge_requests "
                     "WHERE src = {0}) ELSE {0} END",
                     column);
}

} // namespace

void
Store::merge_from(const std::filesystem::path& source,
                  const std::map<std::int64_t, std::int64_t>& runs)
{
  flush();
  {
    Statement attach(*m_statements, "ATTACH DATABASE ? AS src");
    // Immutable unless a write-ahead log is beside it: no -wal or -shm file
    // is left next to the source (which may be on a read-only mount).
    const bool logging = std::filesystem::exists(source.string() + "-wal");
    attach.bind(1, file_uri(source) + (logging ? "?mode=ro" : "?mode=ro&immutable=1")).step();
  }
  struct Detach
  {
    Store& store;
    ~Detach()
    {
      sqlite3_exec(store.m_db, "DROP TABLE IF EXISTS temp.merge_requests", nullptr, nullptr,
                   nullptr);
      sqlite3_exec(store.m_db, "DROP TABLE IF EXISTS temp.merge_runs", nullptr, nullptr, nullptr);
      sqlite3_exec(store.m_db, "DROP TABLE IF EXISTS temp.merge_setups", nullptr, nullptr, nullptr);
      store.m_statements->clear(); // statements naming src go with it
      sqlite3_exec(store.m_db, "DETACH DATABASE src", nullptr, nullptr, nullptr);
    }
  } detach{*this};
  Transaction unit(*this);
  exec("CREATE TEMP TABLE merge_requests (src INTEGER PRIMARY KEY, dst INTEGER NOT NULL)");
  exec("CREATE TEMP TABLE merge_runs (src INTEGER PRIMARY KEY, dst INTEGER NOT NULL)");
  exec("CREATE TEMP TABLE merge_setups (src INTEGER PRIMARY KEY, dst INTEGER NOT NULL)");

  // Texts, each once: the id here of every text there.
  std::unordered_map<std::int64_t, std::int64_t> texts;
  {
    auto connection = own_connection();
    Statement s(*m_statements, "SELECT id, body FROM src.texts");
    while (s.step()) {
      texts.emplace(s.integer(0), text_id(connection, s.text(1)));
    }
  }
  auto text_here = [&](Statement& row, int column) -> std::optional<std::int64_t> {
    if (row.is_null(column)) {
      return std::nullopt;
    }
    const auto mapped = texts.find(row.integer(column));
    if (mapped == texts.end()) {
      throw Fatal(fmt::format("{}: a request refers to text {}, which is missing", source.string(),
                              row.integer(column)));
    }
    return mapped->second;
  };
  // Requests: one stored here already keeps its response.
  {
    Statement s(*m_statements,
                "SELECT id, hash, semantics, response, finish_reason, prompt_tokens, "
                "completion_tokens, latency_ms, attempts, top_logprobs, created_at, "
                "served_model, fingerprint FROM src.requests ORDER BY id");
    while (s.step()) {
      const std::string hash = s.blob(1);
      Statement find(*m_statements, "SELECT id FROM requests WHERE substr(hash, 1, 8) = "
                                    "substr(?1, 1, 8) AND hash = ?1");
      std::int64_t here = 0;
      if (find.bind_blob(1, hash).step()) {
        here = find.integer(0);
      } else {
        Statement insert(*m_statements,
                         "INSERT INTO requests (hash, semantics, response, finish_reason, "
                         "prompt_tokens, completion_tokens, latency_ms, attempts, top_logprobs, "
                         "created_at, served_model, fingerprint) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
        insert.bind_blob(1, hash).bind(2, remap_text_ids(s.text(2), texts, source));
        insert.bind(3, text_here(s, 3)).bind(4, s.text(4)).bind(5, s.integer(5));
        insert.bind(6, s.integer(6)).bind(7, s.real(7)).bind(8, s.integer(8));
        insert.bind(9, s.text(9)).bind(10, s.integer(10));
        insert.bind(11, text_here(s, 11)).bind(12, text_here(s, 12));
        insert.step();
        here = sqlite3_last_insert_rowid(m_db);
      }
      Statement map(*m_statements, "INSERT INTO temp.merge_requests (src, dst) VALUES (?, ?)");
      map.bind(1, s.integer(0)).bind(2, here).step();
    }
  }
  for (const auto& [there, here] : runs) {
    Statement map(*m_statements, "INSERT INTO temp.merge_runs (src, dst) VALUES (?, ?)");
    map.bind(1, there).bind(2, here).step();
  }
  exec("INSERT OR IGNORE INTO main.judge_setups (rubric, prompt_id, judge_model_id, judge_params, "
       "position) SELECT rubric, prompt_id, judge_model_id, judge_params, position FROM "
       "src.judge_setups ORDER BY id");
  exec("INSERT INTO temp.merge_setups (src, dst) SELECT s.id, m.id FROM src.judge_setups s JOIN "
       "main.judge_setups m USING (rubric, prompt_id, judge_model_id, judge_params, position)");
  exec("INSERT OR IGNORE INTO main.system_messages (id, text) SELECT id, text FROM "
       "src.system_messages ORDER BY id");

  // A turn judged in two shards: the shards overlap.
  {
    Statement overlap(*m_statements,
                      "SELECT v.item_id, v.turn FROM src.verdicts v JOIN temp.merge_runs r ON "
                      "r.src = v.run_id WHERE EXISTS (SELECT 1 FROM main.verdicts m WHERE "
                      "m.run_id = r.dst AND m.item_id = v.item_id AND m.turn = v.turn) LIMIT 6");
    std::vector<std::string> both;
    while (overlap.step()) {
      both.push_back(fmt::format("{} turn {}", overlap.text(0), overlap.integer(1)));
    }
    if (!both.empty()) {
      throw Fatal(fmt::format(
          "{}: holds verdicts of items the databases before it hold too ({}{}): "
          "the databases overlap, and were not merged",
          source.string(),
          fmt::join(both.begin(), both.begin() + std::min<size_t>(both.size(), 5), ", "),
          both.size() > 5 ? ", ..." : ""));
    }
  }
  exec(fmt::format("INSERT INTO main.verdicts (run_id, item_id, turn, category, source, status, "
                   "score, setup, meta, winner, criteria, labels, raw_judgment, detail, candidate, "
                   "baseline, judge, system_message_id, created_at) SELECT r.dst, v.item_id, "
                   "v.turn, v.category, v.source, v.status, v.score, s.dst, v.meta, v.winner, "
                   "v.criteria, v.labels, v.raw_judgment, v.detail, {}, {}, v.judge, "
                   "v.system_message_id, v.created_at FROM src.verdicts v JOIN temp.merge_runs r "
                   "ON r.src = v.run_id JOIN temp.merge_setups s ON s.src = v.setup",
                   request_named("v.candidate"), request_named("v.baseline"))
           .c_str());
  exec(fmt::format("INSERT INTO main.judge_calls (run_id, item_id, turn, call_index, attempt, "
                   "position, prompt_id, request, status, value, label, raw, created_at) SELECT "
                   "r.dst, c.item_id, c.turn, c.call_index, c.attempt, c.position, c.prompt_id, "
                   "{}, c.status, c.value, c.label, c.raw, c.created_at FROM src.judge_calls c "
                   "JOIN temp.merge_runs r ON r.src = c.run_id",
                   request_named("c.request"))
           .c_str());
  exec("INSERT INTO main.errors (run_id, role, request_hash, item_id, turn, kind, message, "
       "http_status, attempts, created_at, endpoint) SELECT r.dst, e.role, e.request_hash, "
       "e.item_id, e.turn, e.kind, e.message, e.http_status, e.attempts, e.created_at, e.endpoint "
       "FROM src.errors e JOIN temp.merge_runs r ON r.src = e.run_id ORDER BY e.id");
  unit.commit();
}

} // namespace harness
