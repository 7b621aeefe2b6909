#include <harness/client/openai_wire.hpp>
#include <harness/request_hash.hpp>
#include <harness/sqlite_statement.hpp>
#include <harness/store.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <thread>
#include <utility>

namespace harness {

namespace {

// 2: verdicts.labels and baseline_hash; 3: runs.lease_owner and lease_heartbeat;
// 4: claims; 5: texts stored once (requests and responses in one table, a
// request's semantics as pieces), hashes as bytes.
constexpr int k_schema_version = 5;

// How long a statement waits for another process's lock before failing.
constexpr std::chrono::milliseconds k_busy_timeout{10'000};

// Times (created_at) are Unix seconds. Hashes are stored as their bytes (32 per SHA-256; judge_hash
// may list several). A request's semantics JSON is the concatenation of its pieces: a JSON list of
// text ids, id for the text as it is, -id for it JSON-escaped.
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
  hash BLOB NOT NULL UNIQUE,
  model TEXT NOT NULL,
  semantics TEXT NOT NULL,
  response INTEGER NOT NULL REFERENCES texts(id),
  finish_reason TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  latency_ms REAL NOT NULL,
  attempts INTEGER NOT NULL,
  top_logprobs TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE VIEW IF NOT EXISTS request_log AS
SELECT lower(hex(r.hash)) AS hash, r.model,
  (SELECT group_concat(piece, '') FROM (
     SELECT CASE WHEN p.value > 0 THEN t.body
                 ELSE substr(json_quote(t.body), 2, length(json_quote(t.body)) - 2) END AS piece
     FROM json_each(r.semantics) p JOIN texts t ON t.id = abs(p.value) ORDER BY p.key)) AS semantics,
  a.body AS text, r.finish_reason, r.prompt_tokens, r.completion_tokens, r.latency_ms,
  r.attempts, r.top_logprobs, datetime(r.created_at, 'unixepoch') AS created_at
FROM requests r JOIN texts a ON a.id = r.response;
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
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS verdicts (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  item_id TEXT NOT NULL,
  turn INTEGER NOT NULL,
  category TEXT NOT NULL,
  source TEXT NOT NULL,
  status TEXT NOT NULL,
  score REAL,
  rubric TEXT NOT NULL,
  meta TEXT NOT NULL,
  prompt_id TEXT NOT NULL,
  judge_model_id TEXT NOT NULL,
  judge_params TEXT NOT NULL,
  position TEXT NOT NULL,
  winner TEXT NOT NULL,
  criteria TEXT NOT NULL,
  labels TEXT NOT NULL DEFAULT '[]',
  raw_judgment TEXT NOT NULL,
  detail TEXT NOT NULL,
  candidate_hash BLOB NOT NULL,
  baseline_hash BLOB NOT NULL,
  judge_hash BLOB NOT NULL,
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
  request_hash BLOB NOT NULL,
  status TEXT NOT NULL,
  value REAL,
  label TEXT NOT NULL,
  raw TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, item_id, turn, call_index, attempt)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS claims (
  hash BLOB PRIMARY KEY,
  owner TEXT NOT NULL,
  heartbeat INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS system_messages (
  id TEXT PRIMARY KEY,
  text TEXT NOT NULL
);
)sql";

std::int64_t
unix_now()
{
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string
now_utc()
{
  auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

} // namespace

namespace {

// `path` for a file: URI, with the characters a URI gives a meaning escaped.
std::string
uri_path(const std::filesystem::path& path)
{
  std::string out;
  for (char c : path.string()) {
    if (c == '%' || c == '?' || c == '#') {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out;
}

} // namespace

Store::Store(const std::filesystem::path& path, Access access) : m_path(path)
{
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  std::string name = path.string();
  if (access == Access::read_only) {
    // Read-only means no file is created either: without a write-ahead log
    // (no writer at work, the usual case) the file is opened immutable, so
    // that no -wal or -shm file (owned by the reader, in a folder it may not
    // write to) appears beside it.
    flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
    const bool logging = std::filesystem::exists(path.string() + "-wal");
    name = "file:" + uri_path(path) + (logging ? "?mode=ro" : "?mode=ro&immutable=1");
    // Reading through a write-ahead log takes its index (-shm), which SQLite
    // creates beside the file: in a folder this process cannot write to, it
    // cannot read the database at all.
    const auto folder = path.has_parent_path() ? path.parent_path() : ".";
    if (logging && !std::filesystem::exists(path.string() + "-shm") &&
        ::access(folder.c_str(), W_OK) != 0) {
      throw Fatal(fmt::format("{}: cannot be read here: its write-ahead log ({}-wal) is not folded "
                              "back into it yet, and reading it needs a -shm file in a folder "
                              "this user cannot write to (run any evalrun command that writes "
                              "to it once, e.g. evalrun run, or copy the files somewhere "
                              "writable); nothing was changed",
                              path.string(), path.filename().string()));
    }
  }
  if (sqlite3_open_v2(name.c_str(), &m_db, flags, nullptr) != SQLITE_OK) {
    std::string why = m_db ? sqlite3_errmsg(m_db) : "out of memory";
    sqlite3_close(m_db);
    m_db = nullptr;
    throw Fatal(fmt::format("{}: cannot open database: {}", path.string(), why));
  }
  sqlite3_busy_timeout(m_db, static_cast<int>(k_busy_timeout.count()));
  sqlite3_extended_result_codes(m_db, 1); // errors name their precise cause
  m_statements = std::make_unique<StatementCache>(m_db);
  try {
    // Look before touching anything: a file that is not an evalrun database
    // (or a newer one) is refused as it is.
    const int version = check_schema();
    if (access == Access::read_only) {
      if (version == 0) {
        throw Fatal(fmt::format("{}: holds no evalrun data (an empty database): run an "
                                "evaluation into it first; nothing was changed",
                                path.string()),
                    2);
      }
      if (version < k_schema_version) {
        throw Fatal(fmt::format("{}: database schema {} is older than this evalrun's ({}); a "
                                "command that writes to it (e.g. evalrun run) upgrades it",
                                path.string(), version, k_schema_version));
      }
      return;
    }
    // 16 KiB pages for a new database (an existing one keeps its own): texts
    // of a few KB leave less of each page unused than in 4 KiB ones.
    exec("PRAGMA page_size=16384");
    use_write_ahead_log();
    exec("PRAGMA synchronous=NORMAL");
    exec("PRAGMA foreign_keys=ON");
    migrate();
  } catch (...) {
    m_statements.reset();
    sqlite3_close(m_db);
    m_db = nullptr;
    throw;
  }
}

void
Store::use_write_ahead_log()
{
  // Switching a file to WAL takes an exclusive lock, and SQLite answers BUSY
  // at once, without waiting, when another process holds a lock on it (several
  // processes opening a new database together): ask again, for as long as the
  // busy timeout.
  const auto give_up = std::chrono::steady_clock::now() + k_busy_timeout;
  for (;;) {
    const int rc = sqlite3_exec(m_db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) {
      return;
    }
    if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= give_up) {
      throw database_error(m_db, rc, "PRAGMA journal_mode=WAL");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void
Store::migrate()
{
  // One process migrates, under an exclusive lock; the others wait for it
  // (busy timeout) and find the schema current.
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
    const bool texts_inline = current >= 1 && current <= 4;
    if (texts_inline) {
      exec("ALTER TABLE requests RENAME TO requests_v4");
      exec("ALTER TABLE responses RENAME TO responses_v4");
    }
    if (current != k_schema_version) {
      exec(k_schema);
    }
    if (texts_inline) {
      store_texts_once();
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

namespace {

// A response's text, finish reason, prompt and completion tokens, latency and
// attempts: six columns of `row` from `first` on.
Response
response_columns(Statement& row, int first)
{
  Response r;
  r.text = row.text(first);
  r.finish_reason = row.text(first + 1);
  r.usage.prompt_tokens = static_cast<int>(row.integer(first + 2));
  r.usage.completion_tokens = static_cast<int>(row.integer(first + 3));
  r.latency_ms = row.real(first + 4);
  r.attempts = static_cast<int>(row.integer(first + 5));
  return r;
}

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

} // namespace

void
Store::store_texts_once()
{
  {
    // The first databases of schema 1 had no top_logprobs column.
    Statement column(*m_statements, "SELECT COUNT(*) FROM pragma_table_info('responses_v4') "
                                    "WHERE name = 'top_logprobs'");
    const bool logprobs = column.step() && column.integer(0) > 0;
    Statement old(*m_statements,
                  logprobs ? "SELECT q.hash, q.model, q.semantics, r.text, r.finish_reason, "
                             "r.prompt_tokens, r.completion_tokens, r.latency_ms, r.attempts, "
                             "r.top_logprobs, unixepoch(r.created_at) FROM requests_v4 q "
                             "JOIN responses_v4 r ON r.hash = q.hash ORDER BY q.rowid"
                           : "SELECT q.hash, q.model, q.semantics, r.text, r.finish_reason, "
                             "r.prompt_tokens, r.completion_tokens, r.latency_ms, r.attempts, "
                             "'[]', unixepoch(r.created_at) FROM requests_v4 q "
                             "JOIN responses_v4 r ON r.hash = q.hash ORDER BY q.rowid");
    while (old.step()) {
      const Response response = response_columns(old, 3);
      const std::string semantics = old.text(2);
      insert_request(old.text(0), old.text(1), semantics, {{0, semantics.size(), false}}, response,
                     old.text(9), old.integer(10));
    }
  }
  exec("DROP TABLE responses_v4");
  exec("DROP TABLE requests_v4");
  if (sqlite3_create_function_v2(m_db, "evalrun_hash_bytes", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                 nullptr, sql_hash_bytes, nullptr, nullptr, nullptr) != SQLITE_OK) {
    throw database_error(m_db, sqlite3_errcode(m_db));
  }
  exec("UPDATE verdicts SET candidate_hash = evalrun_hash_bytes(candidate_hash), "
       "baseline_hash = evalrun_hash_bytes(baseline_hash), "
       "judge_hash = evalrun_hash_bytes(judge_hash)");
  exec("UPDATE judge_calls SET request_hash = evalrun_hash_bytes(request_hash)");
  exec("UPDATE errors SET request_hash = evalrun_hash_bytes(request_hash)");
  exec("UPDATE claims SET hash = evalrun_hash_bytes(hash)");
  sqlite3_create_function_v2(m_db, "evalrun_hash_bytes", 1, SQLITE_UTF8, nullptr, nullptr, nullptr,
                             nullptr, nullptr);
}

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

Store::~Store()
{
  try {
    flush(); // a run that ends by an exception keeps what it received
  } catch (...) {
    // The store refuses (a full disk): what was flushed before is kept.
  }
  m_statements.reset();
  sqlite3_close(m_db);
}

void
Store::exec(const char* sql)
{
  if (int rc = sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr); rc != SQLITE_OK) {
    throw database_error(m_db, rc, sql);
  }
}

Store::Transaction::Transaction(Store& store) : m_store(store)
{
  if (m_store.m_max_writes > 0) {
    // Group commit: the unit's writes are queued and flushed together (a
    // flush waits for the outermost Transaction), or dropped together.
    m_pending_mark = m_store.m_pending.size();
    m_responses_mark = m_store.m_pending_response_order.size();
  } else {
    // The outermost takes the write lock at once (waiting up to the busy
    // timeout), so it never fails half-way for want of it; inner ones nest.
    m_store.exec(m_store.m_depth == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT unit");
  }
  ++m_store.m_depth;
}

Store::Transaction::~Transaction()
{
  if (!m_open) {
    return;
  }
  --m_store.m_depth;
  if (m_store.m_max_writes > 0) {
    m_store.m_pending.resize(m_pending_mark);
    auto& order = m_store.m_pending_response_order;
    for (size_t i = m_responses_mark; i < order.size(); ++i) {
      m_store.m_pending_responses.erase(order[i]);
    }
    order.resize(m_responses_mark);
    return;
  }
  // Best effort: a failure here must not replace the error being thrown.
  // After some errors (a full disk) SQLite has already rolled back.
  m_store.m_text_ids.clear(); // texts stored in the unit are gone with it
  if (!sqlite3_get_autocommit(m_store.m_db)) {
    sqlite3_exec(m_store.m_db, m_store.m_depth == 0 ? "ROLLBACK" : "ROLLBACK TO unit; RELEASE unit",
                 nullptr, nullptr, nullptr);
  }
}

void
Store::Transaction::commit()
{
  if (m_store.m_max_writes == 0) {
    m_store.exec(m_store.m_depth == 1 ? "COMMIT" : "RELEASE unit");
  }
  --m_store.m_depth;
  m_open = false;
  m_store.flush_if_due();
}

Store::DirectTransaction::DirectTransaction(Store& store) : m_store(store)
{
  m_store.flush();
  m_grouped = std::exchange(m_store.m_max_writes, 0);
  m_unit.emplace(m_store);
}

Store::DirectTransaction::~DirectTransaction()
{
  m_unit.reset(); // rolled back unless committed, while group commit is still off
  m_store.m_max_writes = m_grouped;
}

void
Store::DirectTransaction::commit()
{
  m_unit->commit();
}

void
Store::group_commit(size_t max_writes, std::chrono::milliseconds max_age)
{
  flush();
  m_max_writes = max_writes;
  m_max_age = max_age;
}

void
Store::write(std::function<void()> writer)
{
  if (m_max_writes == 0) {
    Transaction unit(*this);
    writer();
    unit.commit();
    return;
  }
  if (m_pending.empty()) {
    m_oldest = std::chrono::steady_clock::now();
  }
  m_pending.push_back(std::move(writer));
  flush_if_due();
}

void
Store::flush_if_due()
{
  if (m_depth == 0 && !m_pending.empty() &&
      (m_pending.size() >= m_max_writes ||
       std::chrono::steady_clock::now() - m_oldest >= m_max_age)) {
    flush();
  }
}

void
Store::flush()
{
  if (m_pending.empty()) {
    return;
  }
  auto writers = std::move(m_pending);
  m_pending.clear();
  struct Forget // the responses queued are in the database now, or lost with the batch
  {
    Store& store;
    ~Forget()
    {
      store.m_pending_responses.clear();
      store.m_pending_response_order.clear();
    }
  } forget{*this};
  exec("BEGIN IMMEDIATE");
  try {
    for (auto& writer : writers) {
      writer();
    }
    exec("COMMIT");
  } catch (...) {
    m_text_ids.clear(); // texts stored in the batch are gone with it
    if (!sqlite3_get_autocommit(m_db)) {
      sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    throw;
  }
}

void
Store::copy_from(const std::filesystem::path& path)
{
  flush();
  sqlite3* source = nullptr;
  if (sqlite3_open_v2(path.c_str(), &source, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string why = source ? sqlite3_errmsg(source) : "cannot open";
    sqlite3_close(source);
    throw Fatal(fmt::format("{}: {}", path.string(), why));
  }
  sqlite3_backup* backup = sqlite3_backup_init(m_db, "main", source, "main");
  int rc = backup ? sqlite3_backup_step(backup, -1) : SQLITE_ERROR;
  std::string why = backup ? "" : sqlite3_errmsg(m_db);
  sqlite3_backup_finish(backup);
  sqlite3_close(source);
  if (rc != SQLITE_DONE) {
    throw Fatal(fmt::format("{}: cannot read the database: {}", path.string(),
                            why.empty() ? sqlite3_errstr(rc) : why));
  }
  m_text_ids.clear(); // of the contents replaced
  migrate();          // the copy of an older database is upgraded; the file is not
}

std::int64_t
Store::begin_run(const RunRecord& run)
{
  Statement find(*m_statements, "SELECT id FROM runs WHERE key = ?");
  find.bind(1, run.key);
  if (find.step()) {
    auto id = find.integer(0);
    Statement update(*m_statements,
                     "UPDATE runs SET status = 'running', config = ?, evalrun_version = ?, "
                     "finished_at = NULL WHERE id = ?");
    update.bind(1, run.config_json).bind(2, run.evalrun_version).bind(3, id).step();
    return id;
  }
  Statement insert(*m_statements,
                   "INSERT INTO runs (key, bench, bench_version, model, model_id, judge, "
                   "judge_model_id, protocol, rubric, config, evalrun_version, status, demo, "
                   "items, started_at, baseline) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?,?,'running',?,?,?,?)");
  insert.bind(1, run.key).bind(2, run.bench).bind(3, run.bench_version).bind(4, run.model);
  insert.bind(5, run.model_id).bind(6, run.judge).bind(7, run.judge_model_id).bind(8, run.protocol);
  insert.bind(9, run.rubric).bind(10, run.config_json).bind(11, run.evalrun_version);
  insert.bind(12, run.demo ? 1 : 0).bind(13, run.items).bind(14, now_utc()).bind(15, run.baseline);
  insert.step();
  return sqlite3_last_insert_rowid(m_db);
}

void
Store::finish_run(std::int64_t run_id, const std::string& status)
{
  flush();
  Statement s(*m_statements, "UPDATE runs SET status = ?, finished_at = ?, lease_owner = '', "
                             "lease_heartbeat = 0 WHERE id = ?");
  s.bind(1, status).bind(2, now_utc()).bind(3, run_id).step();
}

void
Store::set_run_items(std::int64_t run_id, long items)
{
  flush();
  Statement s(*m_statements, "UPDATE runs SET items = ? WHERE id = ?");
  s.bind(1, static_cast<std::int64_t>(items)).bind(2, run_id).step();
}

void
Store::drop_caches()
{
  std::unordered_map<std::string, std::int64_t>().swap(m_text_ids);
}

void
Store::delete_run(std::int64_t run_id)
{
  flush();
  DirectTransaction unit(*this);
  for (const char* sql :
       {"DELETE FROM judge_calls WHERE run_id = ?", "DELETE FROM verdicts WHERE run_id = ?",
        "DELETE FROM errors WHERE run_id = ?", "DELETE FROM runs WHERE id = ?"}) {
    Statement s(*m_statements, sql);
    s.bind(1, run_id).step();
  }
  unit.commit();
}

Store::Claim
Store::claim_run(const RunRecord& run, const std::string& owner,
                 const std::function<bool(const std::string&, std::int64_t)>& holder_alive)
{
  DirectTransaction unit(*this);
  Claim claim;
  Statement find(*m_statements, "SELECT id, lease_owner, lease_heartbeat FROM runs WHERE key = ?");
  find.bind(1, run.key);
  if (find.step()) {
    claim.run_id = find.integer(0);
    const std::string holder = find.text(1);
    const std::int64_t heartbeat = find.integer(2);
    if (!holder.empty() && holder != owner && holder_alive(holder, heartbeat)) {
      claim.held_by = holder;
      return claim; // rolled back: nothing changed
    }
  }
  claim.run_id = begin_run(run);
  Statement lease(*m_statements,
                  "UPDATE runs SET lease_owner = ?, lease_heartbeat = ? WHERE id = ?");
  lease.bind(1, owner).bind(2, unix_now()).bind(3, claim.run_id).step();
  unit.commit();
  return claim;
}

void
Store::renew_lease(std::int64_t run_id, const std::string& owner)
{
  flush();
  Statement s(*m_statements,
              "UPDATE runs SET lease_heartbeat = ? WHERE id = ? AND lease_owner = ?");
  s.bind(1, unix_now()).bind(2, run_id).bind(3, owner).step();
}

std::optional<Response>
Store::find_response(const std::string& request_hash)
{
  if (auto queued = m_pending_responses.find(request_hash); queued != m_pending_responses.end()) {
    Response r = queued->second;
    r.from_cache = true;
    return r;
  }
  Statement s(*m_statements,
              "SELECT t.body, finish_reason, prompt_tokens, completion_tokens, latency_ms, "
              "attempts, top_logprobs FROM requests r JOIN texts t ON t.id = r.response "
              "WHERE r.hash = ?");
  s.bind_blob(1, hash_bytes(request_hash));
  if (!s.step()) {
    return std::nullopt;
  }
  Response r = response_columns(s, 0);
  auto logprobs = nlohmann::json::parse(s.text(6), nullptr, false);
  if (logprobs.is_array()) {
    for (const auto& alt : logprobs) {
      r.top_logprobs.emplace_back(alt.at(0).get<std::string>(), alt.at(1).get<double>());
    }
  }
  r.from_cache = true;
  return r;
}

void
Store::put_response(const std::string& request_hash, const ChatRequest& request,
                    const Response& response, const std::vector<std::string_view>& shared_texts)
{
  const std::string semantics = client::openai_wire::semantics_json(request);
  put_response(request_hash, request.model, semantics, split_shared_texts(semantics, shared_texts),
               response);
}

void
Store::put_response(const std::string& request_hash, const std::string& model,
                    const std::string& semantics, const std::vector<TextPiece>& pieces,
                    const Response& response)
{
  if (m_max_writes > 0) {
    m_pending_responses[request_hash] = response;
    m_pending_response_order.push_back(request_hash);
  }
  write([this, hash = request_hash, model, semantics, pieces, response] {
    nlohmann::json logprobs = nlohmann::json::array();
    for (const auto& [token, lp] : response.top_logprobs) {
      logprobs.push_back({token, lp});
    }
    insert_request(hash, model, semantics, pieces, response, logprobs.dump(), unix_now());
    Statement unclaim(*m_statements, "DELETE FROM claims WHERE hash = ?");
    unclaim.bind_blob(1, hash_bytes(hash)).step();
  });
}

void
Store::insert_request(const std::string& hash, const std::string& model,
                      const std::string& semantics, const std::vector<TextPiece>& pieces,
                      const Response& response, const std::string& top_logprobs_json,
                      std::int64_t created_at)
{
  std::string parts = "[";
  for (const auto& piece : pieces) {
    const std::string_view bytes = std::string_view(semantics).substr(piece.offset, piece.length);
    const std::int64_t id = piece.escaped ? -text_id(json_unescaped(bytes)) : text_id(bytes);
    parts += fmt::format("{}{}", parts.size() > 1 ? "," : "", id);
  }
  parts += "]";
  Statement s(*m_statements,
              "INSERT INTO requests (hash, model, semantics, response, finish_reason, "
              "prompt_tokens, completion_tokens, latency_ms, attempts, top_logprobs, created_at) "
              "VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (hash) DO UPDATE SET "
              "response = excluded.response, finish_reason = excluded.finish_reason, "
              "prompt_tokens = excluded.prompt_tokens, "
              "completion_tokens = excluded.completion_tokens, latency_ms = excluded.latency_ms, "
              "attempts = excluded.attempts, top_logprobs = excluded.top_logprobs, "
              "created_at = excluded.created_at");
  s.bind_blob(1, hash_bytes(hash)).bind(2, model).bind(3, parts).bind(4, text_id(response.text));
  s.bind(5, response.finish_reason).bind(6, response.usage.prompt_tokens);
  s.bind(7, response.usage.completion_tokens).bind(8, response.latency_ms);
  s.bind(9, response.attempts).bind(10, top_logprobs_json).bind(11, created_at);
  s.step();
}

std::int64_t
Store::text_id(std::string_view body)
{
  std::string cache_key = sha256_bytes(body);
  if (auto cached = m_text_ids.find(cache_key); cached != m_text_ids.end()) {
    return cached->second;
  }
  const auto key = static_cast<std::int64_t>(first_64_bits(cache_key));
  std::int64_t id = 0;
  Statement find(*m_statements, "SELECT id FROM texts WHERE key = ? AND body = ?");
  find.bind(1, key).bind(2, body);
  if (find.step()) {
    id = find.integer(0);
  } else {
    Statement insert(*m_statements, "INSERT INTO texts (key, body) VALUES (?, ?)");
    insert.bind(1, key).bind(2, body).step();
    id = sqlite3_last_insert_rowid(m_db);
  }
  if (m_text_ids.size() >= k_text_ids_cached) {
    m_text_ids.clear();
  }
  m_text_ids.emplace(std::move(cache_key), id);
  return id;
}

std::optional<std::string>
Store::request_semantics(const std::string& request_hash)
{
  flush();
  Statement s(*m_statements, "SELECT semantics FROM requests WHERE hash = ?");
  s.bind_blob(1, hash_bytes(request_hash));
  if (!s.step()) {
    return std::nullopt;
  }
  std::string out;
  for (const auto& part : nlohmann::json::parse(s.text(0))) {
    const auto id = part.get<std::int64_t>();
    Statement text(*m_statements, "SELECT body FROM texts WHERE id = ?");
    if (!text.bind(1, id < 0 ? -id : id).step()) {
      throw Fatal(fmt::format("{}: request {} refers to text {}, which is missing", m_path.string(),
                              request_hash, id < 0 ? -id : id));
    }
    out += id < 0 ? json_escaped(text.text(0)) : text.text(0);
  }
  return out;
}

std::vector<Store::ClaimState>
Store::claim_requests(const std::vector<std::string>& hashes, const std::string& owner,
                      const std::function<bool(const std::string&, std::int64_t)>& holder_alive)
{
  std::vector<ClaimState> out;
  out.reserve(hashes.size());
  DirectTransaction unit(*this);
  const auto now = unix_now();
  for (const auto& hash : hashes) {
    const std::string bytes = hash_bytes(hash);
    Statement stored(*m_statements, "SELECT 1 FROM requests WHERE hash = ?");
    if (stored.bind_blob(1, bytes).step()) {
      out.push_back(ClaimState::stored);
      continue;
    }
    Statement claim(*m_statements,
                    "INSERT OR IGNORE INTO claims (hash, owner, heartbeat) VALUES (?,?,?)");
    claim.bind_blob(1, bytes).bind(2, owner).bind(3, now).step();
    if (sqlite3_changes(m_db) > 0) {
      out.push_back(ClaimState::mine);
      continue;
    }
    Statement holder(*m_statements, "SELECT owner, heartbeat FROM claims WHERE hash = ?");
    holder.bind_blob(1, bytes).step();
    const std::string by = holder.text(0);
    if (by == owner || !holder_alive(by, holder.integer(1))) {
      Statement take(*m_statements, "UPDATE claims SET owner = ?, heartbeat = ? WHERE hash = ?");
      take.bind(1, owner).bind(2, now).bind_blob(3, bytes).step();
      out.push_back(ClaimState::mine);
    } else {
      out.push_back(ClaimState::held);
    }
  }
  unit.commit();
  return out;
}

void
Store::release_claim(const std::string& request_hash)
{
  write([this, hash = request_hash] {
    Statement s(*m_statements, "DELETE FROM claims WHERE hash = ?");
    s.bind_blob(1, hash_bytes(hash)).step();
  });
}

void
Store::renew_claims(const std::string& owner)
{
  flush();
  Statement s(*m_statements, "UPDATE claims SET heartbeat = ? WHERE owner = ?");
  s.bind(1, unix_now()).bind(2, owner).step();
}

void
Store::put_error(const ErrorRecord& e)
{
  write([this, e] {
    Statement s(*m_statements,
                "INSERT INTO errors (run_id, role, request_hash, item_id, turn, kind, message, "
                "http_status, attempts, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)");
    s.bind(1, e.run_id).bind(2, e.role).bind_blob(3, hash_bytes(e.request_hash));
    s.bind(4, e.item_id).bind(5, e.turn);
    s.bind(6, std::string(to_string(e.error.kind))).bind(7, e.error.message);
    s.bind(8, e.error.http_status).bind(9, e.error.attempts).bind(10, unix_now());
    s.step();
  });
}

void
Store::put_verdict(const VerdictRecord& v)
{
  write([this, v] {
    Statement s(*m_statements,
                "INSERT OR REPLACE INTO verdicts (run_id, item_id, turn, category, source, "
                "status, score, prompt_id, judge_model_id, judge_params, position, winner, "
                "criteria, raw_judgment, detail, candidate_hash, judge_hash, system_message_id, "
                "created_at, rubric, meta, labels, baseline_hash) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    s.bind(1, v.run_id).bind(2, v.item_id).bind(3, v.turn).bind(4, v.category).bind(5, v.source);
    s.bind(6, v.status).bind(7, v.score).bind(8, v.prompt_id).bind(9, v.judge_model_id);
    s.bind(10, v.judge_params).bind(11, v.position).bind(12, v.winner);
    s.bind(13, v.criteria_json.empty() ? std::string("{}") : v.criteria_json);
    s.bind(14, v.raw_judgment).bind(15, v.detail).bind_blob(16, hash_bytes(v.candidate_hash));
    s.bind_blob(17, hash_bytes(v.judge_hash));
    s.bind(18, v.system_message_id).bind(19, unix_now()).bind(20, v.rubric);
    s.bind(21, v.meta_json.empty() ? std::string("{}") : v.meta_json);
    s.bind(22, v.labels_json.empty() ? std::string("[]") : v.labels_json);
    s.bind_blob(23, hash_bytes(v.baseline_hash));
    s.step();
  });
}

void
Store::put_judge_call(const JudgeCallRecord& c)
{
  write([this, c] {
    Statement s(*m_statements,
                "INSERT OR REPLACE INTO judge_calls (run_id, item_id, turn, call_index, attempt, "
                "position, prompt_id, request_hash, status, value, label, raw, created_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
    s.bind(1, c.run_id).bind(2, c.item_id).bind(3, c.turn).bind(4, c.call_index).bind(5, c.attempt);
    s.bind(6, c.position).bind(7, c.prompt_id).bind_blob(8, hash_bytes(c.request_hash));
    s.bind(9, c.status);
    s.bind(10, c.value).bind(11, c.label).bind(12, c.raw).bind(13, unix_now());
    s.step();
  });
}

std::vector<JudgeCallRecord>
Store::judge_calls(std::int64_t run_id)
{
  flush();
  Statement s(*m_statements,
              "SELECT item_id, turn, call_index, attempt, position, prompt_id, request_hash, "
              "status, value, label, COALESCE(NULLIF(raw, ''), t.body, '') "
              "FROM judge_calls c LEFT JOIN requests r ON r.hash = c.request_hash "
              "LEFT JOIN texts t ON t.id = r.response "
              "WHERE run_id = ? ORDER BY item_id, turn, call_index, attempt");
  s.bind(1, run_id);
  std::vector<JudgeCallRecord> out;
  while (s.step()) {
    JudgeCallRecord c;
    c.run_id = run_id;
    c.item_id = s.text(0);
    c.turn = static_cast<int>(s.integer(1));
    c.call_index = static_cast<int>(s.integer(2));
    c.attempt = static_cast<int>(s.integer(3));
    c.position = s.text(4);
    c.prompt_id = s.text(5);
    c.request_hash = hash_hex(s.blob(6));
    c.status = s.text(7);
    if (!s.is_null(8)) {
      c.value = s.real(8);
    }
    c.label = s.text(9);
    c.raw = s.text(10);
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<RunRecord>
Store::runs()
{
  flush();
  Statement s(*m_statements,
              "SELECT id, key, bench, bench_version, model, model_id, judge, judge_model_id, "
              "protocol, rubric, config, evalrun_version, status, demo, items, started_at, "
              "COALESCE(finished_at, ''), baseline FROM runs ORDER BY id");
  std::vector<RunRecord> out;
  while (s.step()) {
    RunRecord r;
    r.id = s.integer(0);
    r.key = s.text(1);
    r.bench = s.text(2);
    r.bench_version = s.text(3);
    r.model = s.text(4);
    r.model_id = s.text(5);
    r.judge = s.text(6);
    r.judge_model_id = s.text(7);
    r.protocol = s.text(8);
    r.rubric = s.text(9);
    r.config_json = s.text(10);
    r.evalrun_version = s.text(11);
    r.status = s.text(12);
    r.demo = s.integer(13) != 0;
    r.items = static_cast<int>(s.integer(14));
    r.started_at = s.text(15);
    r.finished_at = s.text(16);
    r.baseline = s.text(17);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<VerdictRecord>
Store::verdicts(std::int64_t run_id, VerdictColumns columns)
{
  flush();
  Statement s(*m_statements,
              columns == VerdictColumns::all
                  ? "SELECT item_id, turn, category, status, score, prompt_id, judge_model_id, "
                    "judge_params, position, raw_judgment, detail, candidate_hash, judge_hash, "
                    "system_message_id, source, winner, criteria, rubric, meta, labels, "
                    "baseline_hash, t.body "
                    "FROM verdicts v LEFT JOIN requests r ON r.hash = v.judge_hash "
                    "LEFT JOIN texts t ON t.id = r.response "
                    "WHERE run_id = ? ORDER BY item_id, turn"
                  : "SELECT item_id, turn, category, status, score, '', '', '', '', '', '', "
                    "candidate_hash, X'', '', source, winner, criteria, '', meta, labels, "
                    "baseline_hash, NULL FROM verdicts WHERE run_id = ? ORDER BY item_id, turn");
  s.bind(1, run_id);
  std::vector<VerdictRecord> out;
  {
    Statement count(*m_statements, "SELECT COUNT(*) FROM verdicts WHERE run_id = ?");
    count.bind(1, run_id).step();
    out.reserve(static_cast<size_t>(count.integer(0)));
  }
  while (s.step()) {
    VerdictRecord v;
    v.run_id = run_id;
    v.item_id = s.text(0);
    v.turn = static_cast<int>(s.integer(1));
    v.category = s.text(2);
    v.status = s.text(3);
    if (!s.is_null(4)) {
      v.score = s.real(4);
    }
    v.prompt_id = s.text(5);
    v.judge_model_id = s.text(6);
    v.judge_params = s.text(7);
    v.position = s.text(8);
    v.raw_judgment = s.text(9);
    v.detail = s.text(10);
    v.candidate_hash = hash_hex(s.blob(11));
    v.judge_hash = hash_hex(s.blob(12));
    v.system_message_id = s.text(13);
    v.source = s.text(14);
    v.winner = s.text(15);
    v.criteria_json = s.text(16);
    v.rubric = s.text(17);
    v.meta_json = s.text(18);
    v.labels_json = s.text(19);
    v.baseline_hash = hash_hex(s.blob(20));
    if (columns == VerdictColumns::all && v.raw_judgment.empty() && !v.judge_hash.empty()) {
      // Stored once, as the judge's responses: one reply, or the list of them.
      if (!s.is_null(21)) {
        v.raw_judgment = s.text(21);
      } else if (v.judge_hash.find(',') != std::string::npos) {
        nlohmann::json texts = nlohmann::json::array();
        for (size_t at = 0; at <= v.judge_hash.size();) {
          const size_t comma = std::min(v.judge_hash.find(',', at), v.judge_hash.size());
          texts.push_back(response_text(v.judge_hash.substr(at, comma - at)).value_or(""));
          at = comma + 1;
        }
        v.raw_judgment = texts.dump();
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

void
Store::put_system_messages(const std::vector<SystemMessage>& messages)
{
  write([this, messages] {
    for (const auto& m : messages) {
      Statement s(*m_statements, "INSERT OR IGNORE INTO system_messages (id, text) VALUES (?, ?)");
      s.bind(1, m.id).bind(2, m.text);
      s.step();
    }
  });
}

std::optional<std::string>
Store::system_message_text(const std::string& id)
{
  flush();
  Statement s(*m_statements, "SELECT text FROM system_messages WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) {
    return std::nullopt;
  }
  return s.text(0);
}

std::optional<std::string>
Store::response_text(const std::string& request_hash)
{
  if (auto queued = m_pending_responses.find(request_hash); queued != m_pending_responses.end()) {
    return queued->second.text;
  }
  Statement s(*m_statements,
              "SELECT t.body FROM requests r JOIN texts t ON t.id = r.response WHERE r.hash = ?");
  s.bind_blob(1, hash_bytes(request_hash));
  if (!s.step()) {
    return std::nullopt;
  }
  return s.text(0);
}

long
Store::count_errors(std::int64_t run_id)
{
  flush();
  Statement s(*m_statements, "SELECT COUNT(*) FROM errors WHERE run_id = ?");
  s.bind(1, run_id).step();
  return static_cast<long>(s.integer(0));
}

long
Store::count_responses()
{
  flush();
  Statement s(*m_statements, "SELECT COUNT(*) FROM requests");
  s.step();
  return static_cast<long>(s.integer(0));
}

} // namespace harness
