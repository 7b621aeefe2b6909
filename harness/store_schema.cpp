// The store's schema, and the upgrades of databases written by earlier versions.

#include <harness/request_hash.hpp>
#include <harness/sqlite_statement.hpp>
#include <harness/store.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sqlite3.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace harness {

namespace {

// Times (created_at) are Unix seconds. Hashes are stored as their bytes (32 per SHA-256). A
// request's semantics JSON is the concatenation of its pieces: a JSON list of text ids, id for the
// text as it is, -id for it JSON-escaped. A verdict or judge call names a request by its id in
// `requests` (an integer), or, for a request that has no response stored (it failed), by its hash
// (a blob); NULL for none. Requests are found by the first 8 bytes of their hash (an index of
// those, a quarter the size of one of whole hashes), the whole hash compared in the row: a lookup
// names both, substr(hash, 1, 8) = substr(?, 1, 8) AND hash = ?. Each hash is stored once (the
// store looks before it inserts, under the write lock).
constexpr const char* k_schema = R"sql(
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  bench TEXT NOT NULL,
  bench_version TEXT NOT NULL,
  model TEXT NOT NULL,
  model_id TEXT NOT NULL,
  judge TEXT NOT NULL,
  judge_model_id TEXT NOT NULL,
  baseline TEXT NOT NULL,
  protocol TEXT NOT NULL,
  rubric TEXT NOT NULL,
  config TEXT NOT NULL,
  evalrun_version TEXT NOT NULL,
  status TEXT NOT NULL,
  demo INTEGER NOT NULL,
  items INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_heartbeat INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS texts (
  id INTEGER PRIMARY KEY,
  key INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS texts_by_key ON texts (key);
CREATE TABLE IF NOT EXISTS requests (
  id INTEGER PRIMARY KEY,
  hash BLOB NOT NULL,
  semantics TEXT NOT NULL,
  response INTEGER NOT NULL REFERENCES texts(id),
  finish_reason TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  latency_ms REAL NOT NULL,
  attempts INTEGER NOT NULL,
  top_logprobs TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  served_model INTEGER REFERENCES texts(id),
  fingerprint INTEGER REFERENCES texts(id)
);
CREATE INDEX IF NOT EXISTS requests_by_hash ON requests (substr(hash, 1, 8));
CREATE VIEW IF NOT EXISTS request_log AS
SELECT id, hash, CASE WHEN json_valid(semantics) THEN json_extract(semantics, '$.model') END AS model,
  semantics, text, finish_reason, prompt_tokens, completion_tokens, latency_ms, attempts,
  top_logprobs, created_at, served_model, fingerprint
FROM (SELECT r.id, lower(hex(r.hash)) AS hash,
  (SELECT group_concat(piece, '') FROM (
     SELECT CASE WHEN p.value > 0 THEN t.body
                 ELSE substr(json_quote(t.body), 2, length(json_quote(t.body)) - 2) END AS piece
     FROM json_each(r.semantics) p JOIN texts t ON t.id = abs(p.value) ORDER BY p.key)) AS semantics,
  a.body AS text, r.finish_reason, r.prompt_tokens, r.completion_tokens, r.latency_ms,
  r.attempts, r.top_logprobs, datetime(r.created_at, 'unixepoch') AS created_at,
  (SELECT body FROM texts WHERE id = r.served_model) AS served_model,
  (SELECT body FROM texts WHERE id = r.fingerprint) AS fingerprint
FROM requests r JOIN texts a ON a.id = r.response);
CREATE TABLE IF NOT EXISTS errors (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  role TEXT NOT NULL,
  request_hash BLOB NOT NULL,
  item_id TEXT NOT NULL,
  turn INTEGER NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  endpoint TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS errors_by_request ON errors (substr(request_hash, 1, 8));
CREATE TABLE IF NOT EXISTS judge_setups (
  id INTEGER PRIMARY KEY,
  rubric TEXT NOT NULL,
  prompt_id TEXT NOT NULL,
  judge_model_id TEXT NOT NULL,
  judge_params TEXT NOT NULL,
  position TEXT NOT NULL,
  UNIQUE (rubric, prompt_id, judge_model_id, judge_params, position)
);
CREATE TABLE IF NOT EXISTS verdicts (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  item_id TEXT NOT NULL,
  turn INTEGER NOT NULL,
  category TEXT NOT NULL,
  source TEXT NOT NULL,
  status TEXT NOT NULL,
  score REAL,
  setup INTEGER NOT NULL REFERENCES judge_setups(id),
  meta TEXT NOT NULL,
  winner TEXT NOT NULL,
  criteria TEXT NOT NULL,
  labels TEXT NOT NULL DEFAULT '[]',
  raw_judgment TEXT NOT NULL,
  detail TEXT NOT NULL,
  candidate,
  baseline,
  judge BLOB,
  system_message_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, item_id, turn)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS judge_calls (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  item_id TEXT NOT NULL,
  turn INTEGER NOT NULL,
  call_index INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  position TEXT NOT NULL,
  prompt_id TEXT NOT NULL,
  request,
  status TEXT NOT NULL,
  value REAL,
  label TEXT NOT NULL,
  raw TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, item_id, turn, call_index, attempt)
) WITHOUT ROWID;
CREATE VIEW IF NOT EXISTS verdict_log AS
SELECT v.run_id, v.item_id, v.turn, v.category, v.source, v.status, v.score, s.rubric,
  s.prompt_id, s.judge_model_id, s.judge_params, s.position, v.winner, v.criteria, v.labels,
  v.meta, v.raw_judgment, v.detail, lower(hex(COALESCE(c.hash, v.candidate))) AS candidate_hash,
  lower(hex(COALESCE(b.hash, v.baseline))) AS baseline_hash, v.system_message_id,
  datetime(v.created_at, 'unixepoch') AS created_at
FROM verdicts v JOIN judge_setups s ON s.id = v.setup
  LEFT JOIN requests c ON c.id = v.candidate LEFT JOIN requests b ON b.id = v.baseline;
CREATE TABLE IF NOT EXISTS claims (
  hash BLOB PRIMARY KEY,
  owner TEXT NOT NULL,
  heartbeat INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  endpoint TEXT NOT NULL,
  requests INTEGER NOT NULL,
  input_file TEXT NOT NULL DEFAULT '',
  remote_id TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE TABLE IF NOT EXISTS system_messages (
  id TEXT PRIMARY KEY,
  text TEXT NOT NULL
);
)sql";

// evalrun_hash_bytes(text): hash_bytes() for SQL, for the upgrade to schema 5.
// A value that is no list of hashes named no stored request (`score` wrote
// the placeholder "given" as the candidate's hash): it becomes empty.
void
sql_hash_bytes(sqlite3_context* context, int, sqlite3_value** argv)
{
  const auto* text = sqlite3_value_text(argv[0]);
  const std::string_view hex(text ? reinterpret_cast<const char*>(text) : "",
                             static_cast<size_t>(sqlite3_value_bytes(argv[0])));
  std::string bytes;
  try {
    bytes = hash_bytes(hex);
  } catch (const std::invalid_argument&) {
    bytes.clear();
  }
  sqlite3_result_blob(context, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
}

// A request named by its hash bytes (`column`), as schema 6 names it: the id
// of the stored request, else the hash, else (no hash) NULL.
std::string
request_reference(const std::string& column)
{
  return fmt::format("COALESCE((SELECT id FROM requests WHERE substr(hash, 1, 8) = substr({0}, 1, "
                     "8) AND hash = {0}), NULLIF({0}, X''))",
                     column);
}

} // namespace

int
Store::check_schema()
{
  Statement version(*m_statements, "PRAGMA user_version");
  version.step();
  const int current = static_cast<int>(version.integer(0));
  std::vector<std::string> tables;
  Statement list(*m_statements,
                 "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  while (list.step()) {
    tables.push_back(list.text(0));
  }
  const bool ours = std::find(tables.begin(), tables.end(), "runs") != tables.end() &&
                    std::find(tables.begin(), tables.end(), "verdicts") != tables.end();
  if ((!tables.empty() && !ours) || (current == 0 && !tables.empty())) {
    throw Fatal(fmt::format("{}: not an evalrun database (user_version {}, tables: {}); nothing "
                            "was changed",
                            m_path.string(), current, fmt::join(tables, ", ")));
  }
  if (current > k_schema_version) {
    throw Fatal(fmt::format("{}: database schema {} is newer than this evalrun's ({}); nothing "
                            "was changed",
                            m_path.string(), current, k_schema_version));
  }
  return current;
}

bool
Store::has_table(const char* name)
{
  Statement s(*m_statements, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  return s.bind(1, std::string_view(name)).step();
}

void
Store::migrate()
{
  // One process migrates, under an exclusive lock; the others wait for it
  // (busy timeout) and find the schema current. Rows are copied as they are,
  // a verdict of a run no longer recorded included: foreign keys are checked
  // again afterwards (the pragma is a no-op inside a transaction).
  exec("PRAGMA foreign_keys=OFF");
  struct CheckKeysAgain
  {
    Store& store;
    ~CheckKeysAgain()
    {
      sqlite3_exec(store.m_db, "PRAGMA foreign_keys=ON", nullptr, nullptr, nullptr);
    }
  } check_keys_again{*this};
  exec("BEGIN EXCLUSIVE");
  try {
    const int current = check_schema();
    if (current == 1) {
      exec("ALTER TABLE verdicts ADD COLUMN labels TEXT NOT NULL DEFAULT '[]'");
      exec("ALTER TABLE verdicts ADD COLUMN baseline_hash TEXT NOT NULL DEFAULT ''");
    }
    if (current == 1 || current == 2) {
      exec("ALTER TABLE runs ADD COLUMN lease_owner TEXT NOT NULL DEFAULT ''");
      exec("ALTER TABLE runs ADD COLUMN lease_heartbeat INTEGER NOT NULL DEFAULT 0");
    }
    if (current >= 1 && current <= 6 && has_table("errors")) {
      // Schema 7: the endpoint that refused a request as over its context.
      exec("ALTER TABLE errors ADD COLUMN endpoint TEXT NOT NULL DEFAULT ''");
    }
    if (current == 6 || current == 7) {
      // Schema 8: the model and system_fingerprint each response named.
      exec("ALTER TABLE requests ADD COLUMN served_model INTEGER REFERENCES texts(id)");
      exec("ALTER TABLE requests ADD COLUMN fingerprint INTEGER REFERENCES texts(id)");
      exec("DROP VIEW IF EXISTS request_log"); // made again below, with them
    }
    const bool texts_inline = current >= 1 && current <= 4;
    const bool requests_by_hash = current >= 1 && current <= 5;
    if (texts_inline) {
      exec("ALTER TABLE requests RENAME TO requests_v4");
      exec("ALTER TABLE responses RENAME TO responses_v4");
    }
    if (current == 5) {
      exec("DROP VIEW IF EXISTS request_log");
      exec("ALTER TABLE requests RENAME TO requests_v5");
      // Texts are found by the first 32 bits of their SHA-256 (64 before).
      exec("UPDATE texts SET key = (key >> 32) & 4294967295");
    }
    if (requests_by_hash) {
      exec("ALTER TABLE verdicts RENAME TO verdicts_v5");
      if (has_table("judge_calls")) {
        exec("ALTER TABLE judge_calls RENAME TO judge_calls_v5");
      }
    }
    if (current != k_schema_version) {
      exec(k_schema);
    }
    if (current == 5) {
      exec("INSERT INTO requests (id, hash, semantics, response, finish_reason, prompt_tokens, "
           "completion_tokens, latency_ms, attempts, top_logprobs, created_at) SELECT id, hash, "
           "semantics, response, finish_reason, prompt_tokens, completion_tokens, latency_ms, "
           "attempts, top_logprobs, created_at FROM requests_v5 ORDER BY id");
      exec("DROP TABLE requests_v5");
    }
    if (texts_inline) {
      store_texts_once();
    }
    if (requests_by_hash) {
      name_requests_by_id();
    }
    if (current != k_schema_version) {
      exec(fmt::format("PRAGMA user_version={}", k_schema_version).c_str());
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    m_text_ids.clear();
    throw;
  }
}

void
Store::store_texts_once()
{
  {
    // The first databases of schema 1 had no top_logprobs column.
    Statement column(*m_statements, "SELECT COUNT(*) FROM pragma_table_info('responses_v4') "
                                    "WHERE name = 'top_logprobs'");
    const bool logprobs = column.step() && column.integer(0) > 0;
    Statement old(*m_statements,
                  logprobs ? "SELECT q.hash, q.semantics, r.text, r.finish_reason, "
                             "r.prompt_tokens, r.completion_tokens, r.latency_ms, r.attempts, "
                             "r.top_logprobs, unixepoch(r.created_at) FROM requests_v4 q "
                             "JOIN responses_v4 r ON r.hash = q.hash ORDER BY q.rowid"
                           : "SELECT q.hash, q.semantics, r.text, r.finish_reason, "
                             "r.prompt_tokens, r.completion_tokens, r.latency_ms, r.attempts, "
                             "'[]', unixepoch(r.created_at) FROM requests_v4 q "
                             "JOIN responses_v4 r ON r.hash = q.hash ORDER BY q.rowid");
    while (old.step()) {
      Response response;
      response.text = old.text(2);
      response.finish_reason = old.text(3);
      response.usage.prompt_tokens = static_cast<int>(old.integer(4));
      response.usage.completion_tokens = static_cast<int>(old.integer(5));
      response.latency_ms = old.real(6);
      response.attempts = static_cast<int>(old.integer(7));
      const std::string semantics = old.text(1);
      auto connection = own_connection();
      insert_request(connection, old.text(0), semantics, {{0, semantics.size(), false}}, response,
                     old.text(8), old.integer(9));
    }
  }
  exec("DROP TABLE responses_v4");
  exec("DROP TABLE requests_v4");
  if (sqlite3_create_function_v2(m_db, "evalrun_hash_bytes", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                 nullptr, sql_hash_bytes, nullptr, nullptr, nullptr) != SQLITE_OK) {
    throw database_error(m_db, sqlite3_errcode(m_db));
  }
  exec("UPDATE verdicts_v5 SET candidate_hash = evalrun_hash_bytes(candidate_hash), "
       "baseline_hash = evalrun_hash_bytes(baseline_hash), "
       "judge_hash = evalrun_hash_bytes(judge_hash)");
  if (has_table("judge_calls_v5")) {
    exec("UPDATE judge_calls_v5 SET request_hash = evalrun_hash_bytes(request_hash)");
  }
  exec("UPDATE errors SET request_hash = evalrun_hash_bytes(request_hash)");
  exec("UPDATE claims SET hash = evalrun_hash_bytes(hash)");
  sqlite3_create_function_v2(m_db, "evalrun_hash_bytes", 1, SQLITE_UTF8, nullptr, nullptr, nullptr,
                             nullptr, nullptr);
}

void
Store::name_requests_by_id()
{
  const bool calls = has_table("judge_calls_v5");
  exec("INSERT OR IGNORE INTO judge_setups (rubric, prompt_id, judge_model_id, judge_params, "
       "position) SELECT rubric, prompt_id, judge_model_id, judge_params, position FROM "
       "verdicts_v5");
  // The judge's requests are read from the verdict's judge calls; a verdict
  // without any (recorded before judge calls were) keeps their hashes.
  const std::string judge =
      calls ? "CASE WHEN length(o.judge_hash) = 0 OR EXISTS (SELECT 1 FROM judge_calls_v5 c WHERE "
              "c.run_id = o.run_id AND c.item_id = o.item_id AND c.turn = o.turn) THEN NULL "
              "ELSE o.judge_hash END"
            : "NULLIF(o.judge_hash, X'')";
  exec(fmt::format("INSERT INTO verdicts (run_id, item_id, turn, category, source, status, score, "
                   "setup, meta, winner, criteria, labels, raw_judgment, detail, candidate, "
                   "baseline, judge, system_message_id, created_at) SELECT o.run_id, o.item_id, "
                   "o.turn, o.category, o.source, o.status, o.score, (SELECT s.id FROM "
                   "judge_setups s WHERE s.rubric = o.rubric AND s.prompt_id = o.prompt_id AND "
                   "s.judge_model_id = o.judge_model_id AND s.judge_params = o.judge_params AND "
                   "s.position = o.position), o.meta, o.winner, o.criteria, o.labels, "
                   "o.raw_judgment, o.detail, {}, {}, {}, o.system_message_id, "
                   "CASE typeof(o.created_at) WHEN 'integer' THEN o.created_at ELSE "
                   "COALESCE(unixepoch(o.created_at), 0) END FROM verdicts_v5 o",
                   request_reference("o.candidate_hash"), request_reference("o.baseline_hash"),
                   judge)
           .c_str());
  exec("DROP TABLE verdicts_v5");
  if (calls) {
    exec(fmt::format("INSERT INTO judge_calls (run_id, item_id, turn, call_index, attempt, "
                     "position, prompt_id, request, status, value, label, raw, created_at) SELECT "
                     "run_id, item_id, turn, call_index, attempt, position, prompt_id, {}, status, "
                     "value, label, raw, CASE typeof(created_at) WHEN 'integer' THEN created_at "
                     "ELSE COALESCE(unixepoch(created_at), 0) END FROM judge_calls_v5",
                     request_reference("request_hash"))
             .c_str());
    exec("DROP TABLE judge_calls_v5");
  }
}

} // namespace harness
