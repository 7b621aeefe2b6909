#pragma once

#include <harness/error.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace harness {

// The error for a failed SQLite call on `db`, naming the file; a full disk, a
// read-only file and a lock held too long say so in words. A lock names the
// statement that waited for it (`sql`, when given), for whoever debugs it.
Fatal database_error(sqlite3* db, int rc, const char* sql = nullptr);

// The settings of every connection evalrun opens: lookaside memory for the
// small allocations of statements at work, waiting up to `busy_timeout` for
// another connection's lock, and extended error codes.
void configure_connection(sqlite3* db, std::chrono::milliseconds busy_timeout);
// The settings of a connection that writes (per connection in SQLite):
// synchronous=NORMAL (the log is synced at checkpoints), a page cache of
// `cache_mib` and foreign keys enforced. Throws Fatal.
void configure_for_writes(sqlite3* db, int cache_mib);

// Sets the connection's page cache to `cache_mib`. Throws Fatal.
void set_page_cache(sqlite3* db, int cache_mib);

// `path` as an SQLite file: URI (the characters a URI gives a meaning
// escaped), before its query ("?mode=ro").
std::string file_uri(const std::filesystem::path& path);

// Prepared statements of one connection, each compiled once and reused.
// Not thread-safe (like the connection). Destroy it before closing `db`.
class StatementCache
{
public:
  explicit StatementCache(sqlite3* db) : m_db(db) {}
  ~StatementCache();
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  sqlite3* db() const { return m_db; }
  // The compiled `sql`, marked in use; a statement already in use (a
  // nested use of the same SQL) is compiled afresh. Throws Fatal.
  sqlite3_stmt* acquire(const char* sql);
  // Resets it (bindings cleared) for the next acquire of the same `sql`.
  void release(sqlite3_stmt* stmt, const char* sql);
  // Finalizes every statement not in use (before a database they name is detached).
  void clear();

private:
  struct Entry
  {
    std::string sql;
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  sqlite3* m_db;
  // By SQL text (a view of the entry's own copy): found without a copy.
  std::unordered_map<std::string_view, std::unique_ptr<Entry>> m_entries;
};

// One use of a cached statement: binds by 1-based index, steps, and gives
// it back (reset) when it goes out of scope.
class Statement
{
public:
  Statement(StatementCache& cache, const char* sql)
      : m_cache(cache), m_sql(sql), m_stmt(cache.acquire(sql))
  {}
  ~Statement() { m_cache.release(m_stmt, m_sql); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, std::string_view v); // copied: `v` may go at once
  // Bound without a copy: `v` must stay unchanged until this Statement is
  // destroyed (for the large texts a write binds, held by the caller).
  Statement& bind_unowned(int i, std::string_view v);
  Statement& bind(int i, std::int64_t v);
  Statement& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Statement& bind(int i, double v);
  Statement& bind(int i, std::optional<double> v);
  Statement& bind(int i, std::optional<std::int64_t> v); // NULL when empty
  Statement& bind_blob(int i, std::string_view bytes);

  // Steps once; true while a row is available. Throws Fatal on an error.
  bool step();

  std::string text(int col);
  std::string blob(int col);
  std::int64_t integer(int col);
  double real(int col);
  bool is_null(int col);

private:
  // A bind that fails (a wrong index) is a programming error: fail loudly.
  Statement& check(int rc);

  StatementCache& m_cache;
  const char* m_sql;
  sqlite3_stmt* m_stmt;
};

} // namespace harness
