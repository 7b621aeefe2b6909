#include <harness/client/openai_wire.hpp>
#include <harness/json_string.hpp>
#include <harness/request_hash.hpp>
#include <harness/sqlite_statement.hpp>
#include <harness/store.hpp>
#include <harness/wal_checkpointer.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <iterator>
#include <map>
#include <thread>
#include <utility>

namespace harness {

namespace {

// How long a statement waits for another process's lock before failing.
constexpr std::chrono::milliseconds k_busy_timeout{10'000};

// Under group commit, how many batches' worth of writes gather while the
// commit thread is still at the last batch, before this thread waits for it:
// what a process killed may lose, and what waits in memory (8 took the peak
// RSS of 100k items at 2,048 in flight from 103 to 130 MB).
constexpr size_t k_batches_gathered = 4;

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

Store::Store(const std::filesystem::path& path, Access access) : m_path(path)
{
  // A file: URI (so that merge_from can attach another database read-only).
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI;
  std::string name = path == ":memory:" ? path.string() : file_uri(path);
  if (access != Access::read_write) {
    // Read-only means no file is created either: without a write-ahead log
    // (no writer at work, the usual case) the file is opened immutable, so
    // that no -wal or -shm file (owned by the reader, in a folder it may not
    // write to) appears beside it.
    flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
    const bool logging = std::filesystem::exists(path.string() + "-wal");
    // Reading through a write-ahead log takes its index (-shm), which SQLite
    // creates beside the file: in a folder this process cannot write to, it
    // cannot read the database at all. (read_live, there, reads the file as
    // it is: no one can add to it from here either.)
    const auto folder = path.has_parent_path() ? path.parent_path() : ".";
    const bool writable_folder = ::access(folder.c_str(), W_OK) == 0;
    const bool live = logging || (access == Access::read_live && writable_folder);
    name = file_uri(path) + (live ? "?mode=ro" : "?mode=ro&immutable=1");
    if (logging && !std::filesystem::exists(path.string() + "-shm") && !writable_folder) {
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
  configure_connection(m_db, k_busy_timeout);
  m_statements = std::make_unique<StatementCache>(m_db);
  try {
    // Look before touching anything: a file that is not an evalrun database
    // (or a newer one) is refused as it is.
    const int version = check_schema();
    if (access != Access::read_write) {
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
    configure_for_writes(m_db, 2); // (a run's batches are written by a CommitThread)
    migrate();
    m_checkpointer = std::make_unique<WalCheckpointer>(m_db, path);
  } catch (...) {
    m_checkpointer.reset();
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

} // namespace

Store::~Store()
{
  try {
    flush(); // a run that ends by an exception keeps what it received
  } catch (...) {
    // The store refuses (a full disk): what was flushed before is kept.
  }
  m_committer.reset();
  m_checkpointer.reset(); // this connection, closed last, folds in the rest of the log
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
    auto& pending = m_store.m_pending_responses;
    for (size_t i = m_responses_mark; i < order.size(); ++i) {
      // (One that replaced a response of the batch being committed takes it
      // with it: that one is read from the database once committed.)
      if (auto queued = pending.find(order[i]);
          queued != pending.end() && queued->second.batch == m_store.m_batch) {
        pending.erase(queued);
      }
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
  if (max_writes == 0) {
    m_committer.reset();
  } else if (!m_committer && m_checkpointer && m_path != ":memory:") {
    m_committer = std::make_unique<CommitThread>(m_path, *m_checkpointer, k_busy_timeout);
  }
}

WriteConnection
Store::own_connection()
{
  return {m_db, m_statements.get(), &m_text_ids};
}

void
Store::write(BatchedWrite writer)
{
  if (m_max_writes == 0) {
    Transaction unit(*this);
    auto connection = own_connection();
    writer(connection);
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
  if (m_depth != 0 || m_pending.empty() ||
      (m_pending.size() < m_max_writes &&
       std::chrono::steady_clock::now() - m_oldest < m_max_age)) {
    return;
  }
  if (!m_committer) {
    commit_here();
  } else if (!m_committer->busy() || m_pending.size() >= k_batches_gathered * m_max_writes) {
    hand_over(); // (waiting for the thread only when it is far behind)
  }
}

void
Store::flush()
{
  if (!m_committer) {
    commit_here();
    return;
  }
  if (!m_pending.empty()) {
    hand_over();
  }
  settle();
}

void
Store::hand_over()
{
  settle();
  m_committing_responses = std::move(m_pending_response_order);
  m_pending_response_order.clear();
  ++m_batch;
  auto writers = std::move(m_pending);
  m_pending.clear();
  m_committer->commit(std::move(writers));
}

void
Store::settle()
{
  std::exception_ptr failure;
  try {
    m_committer->wait();
  } catch (...) {
    failure = std::current_exception();
  }
  // In the database now, or lost with the batch.
  for (const auto& hash : m_committing_responses) {
    if (auto queued = m_pending_responses.find(hash);
        queued != m_pending_responses.end() && queued->second.batch < m_batch) {
      m_pending_responses.erase(queued);
    }
  }
  m_committing_responses.clear();
  if (failure) {
    std::rethrow_exception(failure);
  }
}

void
Store::commit_here()
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
    auto connection = own_connection();
    for (auto& writer : writers) {
      writer(connection);
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
                     "finished_at = NULL, items = MAX(items, ?) WHERE id = ?");
    // A run resumed has at least the items it had (a run reading its items
    // counts them later); a merge of some of its shards had fewer.
    update.bind(1, run.config_json).bind(2, run.evalrun_version).bind(3, run.items).bind(4, id);
    update.step();
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
  m_text_ids.release();
  if (m_committer) {
    flush();
    m_committer->drop_caches();
  }
}

void
Store::delete_run(std::int64_t run_id)
{
  flush();
  DirectTransaction unit(*this);
  for (const char* sql :
       {"DELETE FROM judge_calls WHERE run_id = ?", "DELETE FROM verdicts WHERE run_id = ?",
        "DELETE FROM errors WHERE run_id = ?", "DELETE FROM batches WHERE run_id = ?",
        "DELETE FROM runs WHERE id = ?"}) {
    Statement s(*m_statements, sql);
    s.bind(1, run_id).step();
  }
  unit.commit();
}

std::int64_t
Store::add_batch(const BatchRecord& batch)
{
  DirectTransaction unit(*this);
  Statement s(*m_statements,
              "INSERT INTO batches (run_id, endpoint, requests, input_file, remote_id, status, "
              "detail, created_at) VALUES (?,?,?,?,?,?,?,?)");
  s.bind(1, batch.run_id)
      .bind(2, batch.endpoint)
      .bind(3, static_cast<std::int64_t>(batch.requests));
  s.bind(4, batch.input_file).bind(5, batch.remote_id).bind(6, batch.status).bind(7, batch.detail);
  s.bind(8, unix_now()).step();
  const auto id = sqlite3_last_insert_rowid(m_db);
  unit.commit();
  return id;
}

void
Store::update_batch(const BatchRecord& batch)
{
  DirectTransaction unit(*this);
  Statement s(*m_statements,
              "UPDATE batches SET input_file = ?, remote_id = ?, status = ?, detail = ?, "
              "finished_at = CASE WHEN ? IN ('ingested', 'failed', 'expired', 'cancelled') THEN ? "
              "END WHERE id = ?");
  s.bind(1, batch.input_file).bind(2, batch.remote_id).bind(3, batch.status);
  s.bind(4, batch.detail).bind(5, batch.status).bind(6, unix_now()).bind(7, batch.id).step();
  unit.commit();
}

std::vector<BatchRecord>
Store::open_batches(std::int64_t run_id, const std::string& endpoint)
{
  flush();
  Statement s(*m_statements,
              "SELECT id, requests, input_file, remote_id, status, detail FROM batches WHERE "
              "run_id = ? AND endpoint = ? AND status NOT IN ('ingested', 'failed', 'expired', "
              "'cancelled') ORDER BY id");
  s.bind(1, run_id).bind(2, endpoint);
  std::vector<BatchRecord> out;
  while (s.step()) {
    BatchRecord b;
    b.id = s.integer(0);
    b.run_id = run_id;
    b.endpoint = endpoint;
    b.requests = static_cast<long>(s.integer(1));
    b.input_file = s.text(2);
    b.remote_id = s.text(3);
    b.status = s.text(4);
    b.detail = s.text(5);
    out.push_back(std::move(b));
  }
  return out;
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
    Response r = *queued->second.response;
    r.from_cache = true;
    return r;
  }
  Statement s(*m_statements,
              "SELECT t.body, finish_reason, prompt_tokens, completion_tokens, latency_ms, "
              "attempts, top_logprobs FROM requests r JOIN texts t ON t.id = r.response "
              "WHERE substr(r.hash, 1, 8) = substr(?1, 1, 8) AND r.hash = ?1");
  s.bind_blob(1, hash_bytes(request_hash));
  if (!s.step()) {
    return std::nullopt;
  }
  Response r = response_columns(s, 0);
  // Empty when the response had none; a JSON list of [token, logprob] pairs.
  const std::string stored_logprobs = s.text(6);
  auto logprobs = stored_logprobs.empty() ? nlohmann::json()
                                          : nlohmann::json::parse(stored_logprobs, nullptr, false);
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
  std::string semantics = client::openai_wire::semantics_json(request);
  auto pieces = split_shared_texts(semantics, shared_texts);
  put_response(request_hash, std::move(semantics), std::move(pieces), response);
}

void
Store::put_response(const std::string& request_hash, std::string semantics,
                    std::vector<TextPiece> pieces, const Response& response)
{
  auto shared = std::make_shared<const Response>(response);
  if (m_max_writes > 0) {
    m_pending_responses[request_hash] = {shared, m_batch};
    m_pending_response_order.push_back(request_hash);
  }
  write([this, hash = request_hash, semantics = std::move(semantics), pieces = std::move(pieces),
         response = std::move(shared)](WriteConnection& c) {
    std::string logprobs;
    if (!response->top_logprobs.empty()) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& [token, lp] : response->top_logprobs) {
        list.push_back({token, lp});
      }
      logprobs = list.dump();
    }
    insert_request(c, hash, semantics, pieces, *response, logprobs, unix_now());
    Statement unclaim(*c.statements, "DELETE FROM claims WHERE hash = ?");
    unclaim.bind_blob(1, hash_bytes(hash)).step();
  });
}

void
Store::insert_request(WriteConnection& c, const std::string& hash, const std::string& semantics,
                      const std::vector<TextPiece>& pieces, const Response& response,
                      const std::string& top_logprobs_json, std::int64_t created_at)
{
  std::string parts = "[";
  for (const auto& piece : pieces) {
    const std::string_view bytes = std::string_view(semantics).substr(piece.offset, piece.length);
    const std::int64_t id = piece.escaped ? -text_id(c, json_unescaped(bytes)) : text_id(c, bytes);
    fmt::format_to(std::back_inserter(parts), "{}{}", parts.size() > 1 ? "," : "", id);
  }
  parts += "]";
  // Inserted, or (a request stored before) its response replaced: a plain
  // insert or an update, not an upsert, which would keep a statement journal
  // (page copies written to a temporary file) for every row of the batch.
  const std::string bytes = hash_bytes(hash);
  const std::int64_t response_id = text_id(c, response.text);
  // Who answered, as the response said: texts too (a handful of distinct ones).
  auto named = [&](const std::string& name) {
    return name.empty() ? std::nullopt : std::optional<std::int64_t>(text_id(c, name));
  };
  const auto served_model = named(response.model);
  const auto fingerprint = named(response.system_fingerprint);
  // Whole milliseconds: a whole number in a REAL column takes 1 to 3 bytes, not 8.
  const double latency_ms = std::round(response.latency_ms);
  Statement find(*c.statements, "SELECT id FROM requests WHERE substr(hash, 1, 8) = "
                                "substr(?1, 1, 8) AND hash = ?1");
  if (!find.bind_blob(1, bytes).step()) {
    Statement insert(*c.statements,
                     "INSERT INTO requests (hash, semantics, response, finish_reason, "
                     "prompt_tokens, completion_tokens, latency_ms, attempts, top_logprobs, "
                     "created_at, served_model, fingerprint) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
    insert.bind_blob(1, bytes).bind_unowned(2, parts).bind(3, response_id);
    insert.bind(4, response.finish_reason).bind(5, response.usage.prompt_tokens);
    insert.bind(6, response.usage.completion_tokens).bind(7, latency_ms);
    insert.bind(8, response.attempts).bind_unowned(9, top_logprobs_json).bind(10, created_at);
    insert.bind(11, served_model).bind(12, fingerprint);
    insert.step();
    return;
  }
  Statement update(*c.statements,
                   "UPDATE requests SET response = ?, finish_reason = ?, prompt_tokens = ?, "
                   "completion_tokens = ?, latency_ms = ?, attempts = ?, top_logprobs = ?, "
                   "created_at = ?, served_model = ?, fingerprint = ? WHERE id = ?");
  update.bind(1, response_id).bind(2, response.finish_reason);
  update.bind(3, response.usage.prompt_tokens).bind(4, response.usage.completion_tokens);
  update.bind(5, latency_ms).bind(6, response.attempts).bind(7, top_logprobs_json);
  update.bind(8, created_at).bind(9, served_model).bind(10, fingerprint);
  update.bind(11, find.integer(0));
  update.step();
}

void
Store::stored_or_fail(WriteConnection& c, const char* what)
{
  if (sqlite3_changes(c.db) == 0) {
    throw Fatal(fmt::format("{}: a {} could not be stored (neither inserted nor updated)",
                            m_path.string(), what));
  }
}

std::int64_t
Store::text_id(WriteConnection& c, std::string_view body)
{
  const TextIds::Digest digest = TextIds::digest(body);
  if (auto cached = c.text_ids->find(digest)) {
    return *cached;
  }
  const auto key = static_cast<std::int64_t>(
      first_64_bits({reinterpret_cast<const char*>(digest.data()), digest.size()}) >> 32);
  std::int64_t id = 0;
  Statement find(*c.statements, "SELECT id FROM texts WHERE key = ? AND body = ?");
  find.bind(1, key).bind_unowned(2, body);
  if (find.step()) {
    id = find.integer(0);
  } else {
    Statement insert(*c.statements, "INSERT INTO texts (key, body) VALUES (?, ?)");
    insert.bind(1, key).bind_unowned(2, body).step();
    id = sqlite3_last_insert_rowid(c.db);
  }
  c.text_ids->remember(digest, id);
  return id;
}

std::optional<std::string>
Store::request_semantics(const std::string& request_hash)
{
  flush();
  Statement s(
      *m_statements,
      "SELECT semantics FROM requests WHERE substr(hash, 1, 8) = substr(?1, 1, 8) AND hash = ?1");
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
    Statement stored(
        *m_statements,
        "SELECT 1 FROM requests WHERE substr(hash, 1, 8) = substr(?1, 1, 8) AND hash = ?1");
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
  write([hash = request_hash](WriteConnection& c) {
    Statement s(*c.statements, "DELETE FROM claims WHERE hash = ?");
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
  write([e](WriteConnection& c) {
    Statement s(*c.statements,
                "INSERT INTO errors (run_id, role, request_hash, item_id, turn, kind, message, "
                "http_status, attempts, created_at, endpoint) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    s.bind(1, e.run_id).bind(2, e.role).bind_blob(3, hash_bytes(e.request_hash));
    s.bind(4, e.item_id).bind(5, e.turn);
    s.bind(6, std::string(to_string(e.error.kind))).bind(7, e.error.message);
    s.bind(8, e.error.http_status).bind(9, e.error.attempts).bind(10, unix_now());
    s.bind(11, e.endpoint);
    s.step();
  });
}

bool
Store::any_context_exceeded()
{
  flush();
  Statement s(*m_statements, "SELECT 1 FROM errors WHERE kind = 'context_exceeded' LIMIT 1");
  return s.step();
}

std::optional<Error>
Store::context_exceeded(const std::string& request_hash, const std::string& endpoint)
{
  const std::string hash = hash_bytes(request_hash);
  Statement s(*m_statements,
              "SELECT message, http_status FROM errors WHERE substr(request_hash, 1, 8) = "
              "substr(?1, 1, 8) AND request_hash = ?1 AND kind = 'context_exceeded' AND "
              "endpoint = ?2 ORDER BY id DESC LIMIT 1");
  s.bind_blob(1, hash).bind(2, endpoint);
  if (!s.step()) {
    return std::nullopt;
  }
  Error e(Error::Kind::context_exceeded, s.text(0), static_cast<int>(s.integer(1)));
  e.attempts = 0; // not sent: refused before, by the same endpoint
  return e;
}

namespace {

// The 18 parameters of a verdict's insert or update.
void
bind_verdict(Statement& s, const VerdictRecord& v, std::int64_t setup)
{
  s.bind(1, v.run_id).bind(2, v.item_id).bind(3, v.turn).bind(4, v.category).bind(5, v.source);
  s.bind(6, v.status).bind(7, v.score).bind(8, setup);
  s.bind(9, v.meta_json.empty() ? std::string("{}") : v.meta_json).bind(10, v.winner);
  s.bind(11, v.criteria_json.empty() ? std::string("{}") : v.criteria_json);
  s.bind(12, v.labels_json.empty() ? std::string("[]") : v.labels_json);
  s.bind_unowned(13, v.raw_judgment).bind_unowned(14, v.detail);
  s.bind_blob(15, hash_bytes(v.candidate_hash)).bind_blob(16, hash_bytes(v.baseline_hash));
  s.bind(17, v.system_message_id).bind(18, unix_now());
}

// The 13 parameters of a judge call's insert or update.
void
bind_judge_call(Statement& s, const JudgeCallRecord& c)
{
  s.bind(1, c.run_id).bind(2, c.item_id).bind(3, c.turn).bind(4, c.call_index).bind(5, c.attempt);
  s.bind(6, c.position).bind(7, c.prompt_id).bind_blob(8, hash_bytes(c.request_hash));
  s.bind(9, c.status).bind(10, c.value).bind(11, c.label).bind_unowned(12, c.raw);
  s.bind(13, unix_now());
}

} // namespace

void
Store::put_verdict(const VerdictRecord& v)
{
  write([this, v](WriteConnection& c) {
    const std::int64_t setup = judge_setup_id(c, v);
    // The answers judged are named by their requests' ids (their hashes when
    // not stored); the judge's by the judge calls put with the verdict.
    // Inserted, or updated when the turn has a verdict already (a run resumed):
    // not INSERT OR REPLACE, which keeps a statement journal for the batch.
    Statement s(*c.statements,
                "INSERT OR IGNORE INTO verdicts (run_id, item_id, turn, category, source, "
                "status, score, setup, meta, winner, criteria, labels, raw_judgment, detail, "
                "candidate, baseline, system_message_id, created_at) VALUES (?1,?2,?3,?4,?5,?6,?7,"
                "?8,?9,?10,?11,?12,?13,?14,"
                "COALESCE((SELECT id FROM requests WHERE substr(hash, 1, 8) = substr(?15, 1, 8) "
                "AND hash = ?15), NULLIF(?15, X'')),"
                "COALESCE((SELECT id FROM requests WHERE substr(hash, 1, 8) = substr(?16, 1, 8) "
                "AND hash = ?16), NULLIF(?16, X'')),?17,?18)");
    bind_verdict(s, v, setup);
    s.step();
    if (sqlite3_changes(c.db) > 0) {
      return;
    }
    Statement update(*c.statements,
                     "UPDATE verdicts SET category = ?4, source = ?5, status = ?6, score = ?7, "
                     "setup = ?8, meta = ?9, winner = ?10, criteria = ?11, labels = ?12, "
                     "raw_judgment = ?13, detail = ?14, "
                     "candidate = COALESCE((SELECT id FROM requests WHERE substr(hash, 1, 8) = "
                     "substr(?15, 1, 8) AND hash = ?15), "
                     "NULLIF(?15, X'')), "
                     "baseline = COALESCE((SELECT id FROM requests WHERE substr(hash, 1, 8) = "
                     "substr(?16, 1, 8) AND hash = ?16), "
                     "NULLIF(?16, X'')), system_message_id = ?17, created_at = ?18 "
                     "WHERE run_id = ?1 AND item_id = ?2 AND turn = ?3");
    bind_verdict(update, v, setup);
    update.step();
    stored_or_fail(c, "verdict");
  });
}

std::int64_t
Store::judge_setup_id(WriteConnection& c, const VerdictRecord& v)
{
  for (int pass = 0;; ++pass) {
    Statement find(*c.statements,
                   "SELECT id FROM judge_setups WHERE rubric = ? AND prompt_id = ? AND "
                   "judge_model_id = ? AND judge_params = ? AND position = ?");
    find.bind(1, v.rubric).bind(2, v.prompt_id).bind(3, v.judge_model_id);
    find.bind(4, v.judge_params).bind(5, v.position);
    if (find.step()) {
      return find.integer(0);
    }
    if (pass > 0) {
      throw Fatal(fmt::format("{}: a judge setup just stored cannot be found", m_path.string()));
    }
    Statement insert(*c.statements,
                     "INSERT INTO judge_setups (rubric, prompt_id, judge_model_id, judge_params, "
                     "position) VALUES (?,?,?,?,?)");
    insert.bind(1, v.rubric).bind(2, v.prompt_id).bind(3, v.judge_model_id);
    insert.bind(4, v.judge_params).bind(5, v.position).step();
  }
}

void
Store::put_judge_call(const JudgeCallRecord& call)
{
  write([this, call](WriteConnection& c) {
    Statement s(*c.statements,
                "INSERT OR IGNORE INTO judge_calls (run_id, item_id, turn, call_index, attempt, "
                "position, prompt_id, request, status, value, label, raw, created_at) "
                "VALUES (?1,?2,?3,?4,?5,?6,?7,"
                "COALESCE((SELECT id FROM requests WHERE substr(hash, 1, 8) = substr(?8, 1, 8) AND "
                "hash = ?8), NULLIF(?8, X'')),"
                "?9,?10,?11,?12,?13)");
    bind_judge_call(s, call);
    s.step();
    if (sqlite3_changes(c.db) > 0) {
      return;
    }
    Statement update(*c.statements,
                     "UPDATE judge_calls SET position = ?6, prompt_id = ?7, "
                     "request = COALESCE((SELECT id FROM requests WHERE substr(hash, 1, 8) = "
                     "substr(?8, 1, 8) AND hash = ?8), "
                     "NULLIF(?8, X'')), status = ?9, value = ?10, label = ?11, raw = ?12, "
                     "created_at = ?13 WHERE run_id = ?1 AND item_id = ?2 AND turn = ?3 AND "
                     "call_index = ?4 AND attempt = ?5");
    bind_judge_call(update, call);
    update.step();
    stored_or_fail(c, "judge call");
  });
}

std::vector<JudgeCallRecord>
Store::judge_calls(std::int64_t run_id)
{
  flush();
  Statement s(*m_statements, "SELECT item_id, turn, call_index, attempt, position, prompt_id, "
                             "COALESCE(r.hash, c.request), status, value, label, "
                             "COALESCE(NULLIF(raw, ''), t.body, '') "
                             "FROM judge_calls c LEFT JOIN requests r ON r.id = c.request "
                             "LEFT JOIN texts t ON t.id = r.response "
                             "WHERE run_id = ? ORDER BY item_id, turn, call_index, attempt");
  s.bind(1, run_id);
  std::vector<JudgeCallRecord> out;
  while (s.step()) {
    out.push_back(read_judge_call(s, run_id));
  }
  return out;
}

VerdictRecord
Store::read_verdict(Statement& s, std::int64_t run_id)
{
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
  v.system_message_id = s.text(13);
  v.source = s.text(14);
  v.winner = s.text(15);
  v.criteria_json = s.text(16);
  v.rubric = s.text(17);
  v.meta_json = s.text(18);
  v.labels_json = s.text(19);
  v.baseline_hash = hash_hex(s.blob(20));
  v.candidate_chars = s.is_null(21) ? -1 : static_cast<long>(s.integer(21));
  v.baseline_chars = s.is_null(22) ? -1 : static_cast<long>(s.integer(22));
  return v;
}

JudgeCallRecord
Store::read_judge_call(Statement& s, std::int64_t run_id)
{
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
  return c;
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

namespace {

// Per item and turn, the requests of a run's judge calls (the last attempt of
// each call, in call order), comma-separated hex: the verdicts' judge_hash.
std::map<std::pair<std::string, int>, std::string>
judge_requests(StatementCache& statements, std::int64_t run_id)
{
  Statement s(statements, "SELECT item_id, turn, call_index, COALESCE(r.hash, c.request) "
                          "FROM judge_calls c LEFT JOIN requests r ON r.id = c.request "
                          "WHERE run_id = ? ORDER BY item_id, turn, call_index, attempt");
  s.bind(1, run_id);
  std::map<std::pair<std::string, int>, std::vector<std::string>> calls;
  while (s.step()) {
    auto& hashes = calls[{s.text(0), static_cast<int>(s.integer(1))}];
    hashes.resize(std::max(hashes.size(), static_cast<size_t>(s.integer(2)) + 1));
    hashes[static_cast<size_t>(s.integer(2))] = hash_hex(s.blob(3)); // a later attempt replaces
  }
  std::map<std::pair<std::string, int>, std::string> out;
  for (auto& [turn, hashes] : calls) {
    out.emplace(turn, fmt::format("{}", fmt::join(hashes, ",")));
  }
  return out;
}

} // namespace

std::vector<VerdictRecord>
Store::verdicts(std::int64_t run_id, VerdictColumns columns)
{
  flush();
  Statement s(*m_statements,
              columns == VerdictColumns::all
                  ? "SELECT item_id, turn, category, status, score, j.prompt_id, "
                    "j.judge_model_id, j.judge_params, j.position, raw_judgment, detail, "
                    "COALESCE(c.hash, v.candidate), judge, system_message_id, source, winner, "
                    "criteria, j.rubric, meta, labels, COALESCE(b.hash, v.baseline), "
                    "length(ct.body), length(bt.body) "
                    "FROM verdicts v JOIN judge_setups j ON j.id = v.setup "
                    "LEFT JOIN requests c ON c.id = v.candidate "
                    "LEFT JOIN requests b ON b.id = v.baseline "
                    "LEFT JOIN texts ct ON ct.id = c.response "
                    "LEFT JOIN texts bt ON bt.id = b.response "
                    "WHERE run_id = ? ORDER BY item_id, turn"
                  : "SELECT item_id, turn, category, status, score, '', '', '', j.position, '', "
                    "'', COALESCE(c.hash, v.candidate), NULL, '', source, winner, criteria, '', "
                    "meta, labels, COALESCE(b.hash, v.baseline), length(ct.body), "
                    "length(bt.body) FROM verdicts v JOIN judge_setups j ON j.id = v.setup "
                    "LEFT JOIN requests c ON c.id = v.candidate "
                    "LEFT JOIN requests b ON b.id = v.baseline "
                    "LEFT JOIN texts ct ON ct.id = c.response "
                    "LEFT JOIN texts bt ON bt.id = b.response "
                    "WHERE run_id = ? ORDER BY item_id, turn");
  s.bind(1, run_id);
  std::vector<VerdictRecord> out;
  {
    Statement count(*m_statements, "SELECT COUNT(*) FROM verdicts WHERE run_id = ?");
    count.bind(1, run_id).step();
    out.reserve(static_cast<size_t>(count.integer(0)));
  }
  std::map<std::pair<std::string, int>, std::string> judged;
  if (columns == VerdictColumns::all) {
    judged = judge_requests(*m_statements, run_id);
  }
  while (s.step()) {
    VerdictRecord v = read_verdict(s, run_id);
    if (columns == VerdictColumns::all) {
      // Named by the verdict's judge calls; a verdict recorded before judge
      // calls were keeps its judge hashes itself.
      if (!s.is_null(12)) {
        v.judge_hash = hash_hex(s.blob(12));
      } else if (auto calls = judged.find({v.item_id, v.turn}); calls != judged.end()) {
        v.judge_hash = calls->second;
      }
    }
    if (columns == VerdictColumns::all && v.raw_judgment.empty() && !v.judge_hash.empty()) {
      // Stored once, as the judge's responses: one reply, or the list of them.
      if (v.judge_hash.find(',') == std::string::npos) {
        v.raw_judgment = response_text(v.judge_hash).value_or("");
      } else {
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
  write([messages](WriteConnection& c) {
    for (const auto& m : messages) {
      Statement s(*c.statements, "INSERT OR IGNORE INTO system_messages (id, text) VALUES (?, ?)");
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
    return queued->second.response->text;
  }
  Statement s(*m_statements, "SELECT t.body FROM requests r JOIN texts t ON t.id = r.response "
                             "WHERE substr(r.hash, 1, 8) = substr(?1, 1, 8) AND r.hash = ?1");
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

Store::RunTokens
Store::tokens(std::int64_t run_id)
{
  flush();
  auto sum = [&](const char* sql) {
    Statement s(*m_statements, sql);
    s.bind(1, run_id).step();
    return RoleTokens{static_cast<long>(s.integer(0)), static_cast<long>(s.integer(1)),
                      static_cast<long>(s.integer(2))};
  };
  // (A failed request is named by its hash, a blob, not a row id.)
  RunTokens out;
  out.candidate =
      sum("SELECT COUNT(*), COALESCE(SUM(prompt_tokens), 0), "
          "COALESCE(SUM(completion_tokens), 0) FROM requests WHERE id IN (SELECT "
          "candidate FROM verdicts WHERE run_id = ? AND typeof(candidate) = 'integer')");
  out.baseline = sum("SELECT COUNT(*), COALESCE(SUM(prompt_tokens), 0), "
                     "COALESCE(SUM(completion_tokens), 0) FROM requests WHERE id IN (SELECT "
                     "baseline FROM verdicts WHERE run_id = ? AND typeof(baseline) = 'integer')");
  out.judge = sum("SELECT COUNT(*), COALESCE(SUM(prompt_tokens), 0), "
                  "COALESCE(SUM(completion_tokens), 0) FROM requests WHERE id IN (SELECT request "
                  "FROM judge_calls WHERE run_id = ? AND typeof(request) = 'integer')");
  return out;
}

std::vector<Store::ServedBy>
Store::served_by(std::int64_t run_id, Role role)
{
  flush();
  Statement s(*m_statements,
              role == Role::candidate
                  ? "SELECT COALESCE(m.body, ''), COALESCE(f.body, ''), COUNT(*) FROM requests r "
                    "LEFT JOIN texts m ON m.id = r.served_model LEFT JOIN texts f ON f.id = "
                    "r.fingerprint WHERE r.id IN (SELECT candidate FROM verdicts WHERE run_id = ? "
                    "AND typeof(candidate) = 'integer') GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2"
              : role == Role::baseline
                  ? "SELECT COALESCE(m.body, ''), COALESCE(f.body, ''), COUNT(*) FROM requests r "
                    "LEFT JOIN texts m ON m.id = r.served_model LEFT JOIN texts f ON f.id = "
                    "r.fingerprint WHERE r.id IN (SELECT baseline FROM verdicts WHERE run_id = ? "
                    "AND typeof(baseline) = 'integer') GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2"
                  : "SELECT COALESCE(m.body, ''), COALESCE(f.body, ''), COUNT(*) FROM requests r "
                    "LEFT JOIN texts m ON m.id = r.served_model LEFT JOIN texts f ON f.id = "
                    "r.fingerprint WHERE r.id IN (SELECT request FROM judge_calls WHERE run_id = ? "
                    "AND typeof(request) = 'integer') GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2");
  s.bind(1, run_id);
  std::vector<ServedBy> out;
  while (s.step()) {
    out.push_back({s.text(0), s.text(1), static_cast<long>(s.integer(2))});
  }
  return out;
}

Store::AnswerEnds
Store::answer_ends(std::int64_t run_id)
{
  flush();
  Statement s(*m_statements,
              "SELECT COUNT(*), COALESCE(SUM(c.finish_reason = 'length'), 0) FROM verdicts v "
              "JOIN requests c ON c.id = v.candidate WHERE v.run_id = ?");
  s.bind(1, run_id);
  s.step();
  return {static_cast<long>(s.integer(0)), static_cast<long>(s.integer(1))};
}

} // namespace harness
