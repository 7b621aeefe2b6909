#include <harness/sqlite_statement.hpp>

#include <fmt/format.h>
#include <sqlite3.h>

namespace harness {

Fatal
database_error(sqlite3* db, int rc, const char* sql)
{
  const char* name = sqlite3_db_filename(db, "main");
  const std::string path = name && *name ? name : ":memory:";
  switch (rc & 0xff) {
  case SQLITE_FULL:
    return Fatal(fmt::format("disk full: {}: the database cannot grow; what was committed is kept "
                             "(free some space and run the same command again to resume)",
                             path),
                 3);
  case SQLITE_NOTADB:
    return Fatal(fmt::format("{}: not an SQLite database ({}); nothing was changed", path,
                             sqlite3_errstr(rc)));
  case SQLITE_READONLY:
    return Fatal(fmt::format("{}: the database is read-only here ({})", path, sqlite3_errstr(rc)));
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    return Fatal(fmt::format("{}: the database stayed locked by another process for longer than "
                             "the busy timeout ({}, SQLite code {}{}{})",
                             path, sqlite3_errmsg(db), rc, sql ? ", in: " : "",
                             sql ? std::string_view(sql).substr(0, 80) : ""),
                 3);
  default: return Fatal(fmt::format("{}: database error: {}", path, sqlite3_errmsg(db)), 3);
  }
}

void
configure_connection(sqlite3* db, std::chrono::milliseconds busy_timeout)
{
  // Room for SQLite's small allocations of a statement at work (lookaside
  // slots, 512 KiB) so that they are not the C library's: a run steps several
  // statements per request.
  sqlite3_db_config(db, SQLITE_DBCONFIG_LOOKASIDE, nullptr, 256, 2048);
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
  sqlite3_extended_result_codes(db, 1); // errors name their precise cause
}

void
configure_for_writes(sqlite3* db, int cache_mib)
{
  for (const char* pragma : {"PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON"}) {
    if (int rc = sqlite3_exec(db, pragma, nullptr, nullptr, nullptr); rc != SQLITE_OK) {
      throw database_error(db, rc, pragma);
    }
  }
  set_page_cache(db, cache_mib);
}

void
set_page_cache(sqlite3* db, int cache_mib)
{
  const std::string pragma = fmt::format("PRAGMA cache_size=-{}", cache_mib * 1024);
  if (int rc = sqlite3_exec(db, pragma.c_str(), nullptr, nullptr, nullptr); rc != SQLITE_OK) {
    throw database_error(db, rc, pragma.c_str());
  }
}

StatementCache::~StatementCache()
{
  for (auto& [sql, entry] : m_entries) {
    sqlite3_finalize(entry->stmt);
  }
}

std::string
file_uri(const std::filesystem::path& path)
{
  std::string out = "file:";
  for (char c : path.string()) {
    if (c == '%' || c == '?' || c == '#') {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out;
}

void
StatementCache::clear()
{
  std::erase_if(m_entries, [](const auto& entry) {
    if (entry.second->in_use) {
      return false;
    }
    sqlite3_finalize(entry.second->stmt);
    return true;
  });
}

sqlite3_stmt*
StatementCache::acquire(const char* sql)
{
  auto it = m_entries.find(std::string_view(sql));
  if (it != m_entries.end() && !it->second->in_use) {
    it->second->in_use = true;
    return it->second->stmt;
  }
  sqlite3_stmt* stmt = nullptr;
  if (int rc = sqlite3_prepare_v3(m_db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      rc != SQLITE_OK) {
    throw database_error(m_db, rc, sql);
  }
  if (it == m_entries.end()) {
    auto entry = std::make_unique<Entry>(Entry{sql, stmt, true});
    const std::string_view key = entry->sql;
    m_entries.emplace(key, std::move(entry));
  }
  return stmt;
}

void
StatementCache::release(sqlite3_stmt* stmt, const char* sql)
{
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  auto it = m_entries.find(std::string_view(sql));
  if (it != m_entries.end() && it->second->stmt == stmt) {
    it->second->in_use = false;
    return;
  }
  sqlite3_finalize(stmt); // a second, nested use of the same SQL
}

Statement&
Statement::bind(int i, std::string_view v)
{
  return check(
      sqlite3_bind_text(m_stmt, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
}

Statement&
Statement::bind_unowned(int i, std::string_view v)
{
  return check(sqlite3_bind_text(m_stmt, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC));
}

Statement&
Statement::bind(int i, std::int64_t v)
{
  return check(sqlite3_bind_int64(m_stmt, i, v));
}

Statement&
Statement::bind(int i, double v)
{
  return check(sqlite3_bind_double(m_stmt, i, v));
}

Statement&
Statement::bind(int i, std::optional<double> v)
{
  return v ? bind(i, *v) : check(sqlite3_bind_null(m_stmt, i));
}

Statement&
Statement::bind(int i, std::optional<std::int64_t> v)
{
  return v ? bind(i, *v) : check(sqlite3_bind_null(m_stmt, i));
}

Statement&
Statement::bind_blob(int i, std::string_view bytes)
{
  // A zero-length blob, not NULL, for empty bytes (SQLite binds NULL for a null pointer).
  static const char k_empty = 0;
  return check(sqlite3_bind_blob(m_stmt, i, bytes.empty() ? &k_empty : bytes.data(),
                                 static_cast<int>(bytes.size()), SQLITE_TRANSIENT));
}

bool
Statement::step()
{
  int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc != SQLITE_DONE) {
    throw database_error(m_cache.db(), rc, sqlite3_sql(m_stmt));
  }
  return false;
}

std::string
Statement::text(int col)
{
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, col));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(m_stmt, col))) : std::string();
}

std::string
Statement::blob(int col)
{
  auto* p = static_cast<const char*>(sqlite3_column_blob(m_stmt, col));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(m_stmt, col))) : std::string();
}

std::int64_t
Statement::integer(int col)
{
  return sqlite3_column_int64(m_stmt, col);
}

double
Statement::real(int col)
{
  return sqlite3_column_double(m_stmt, col);
}

bool
Statement::is_null(int col)
{
  return sqlite3_column_type(m_stmt, col) == SQLITE_NULL;
}

Statement&
Statement::check(int rc)
{
  if (rc != SQLITE_OK) {
    throw Fatal(fmt::format("database: cannot bind a statement parameter: {}", sqlite3_errstr(rc)));
  }
  return *this;
}

} // namespace harness
