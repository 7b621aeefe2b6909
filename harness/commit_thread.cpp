#include <harness/commit_thread.hpp>
#include <harness/error.hpp>
#include <harness/sqlite_statement.hpp>
#include <harness/wal_checkpointer.hpp>

#include <fmt/format.h>
#include <sqlite3.h>

#include <unistd.h>

#include <sys/resource.h>
#include <sys/syscall.h>

namespace harness {

namespace {

// The page cache grows with the database: 2 MiB while it is small, 4 MiB once
// it passes 64 MiB. The indexes a run inserts into at random (request hashes,
// text keys) outgrow 2 MiB on the way to 100k items (2 took 2.5% more CPU per
// request there); 8 was no faster at 100k. A run of 10k items (25 MB) keeps 2
// (4 held 2 MB more at 10k items, C=1,024).
constexpr int k_small_cache_mib = 2;
constexpr int k_large_cache_mib = 4;
constexpr std::int64_t k_large_database_bytes = std::int64_t{64} << 20;

} // namespace

CommitThread::CommitThread(const std::filesystem::path& path, WalCheckpointer& checkpointer,
                           std::chrono::milliseconds busy_timeout)
    : m_checkpointer(checkpointer)
{
  if (sqlite3_open_v2(file_uri(path).c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI,
                      nullptr) != SQLITE_OK) {
    std::string why = m_db ? sqlite3_errmsg(m_db) : "out of memory";
    sqlite3_close(m_db);
    throw Fatal(fmt::format("{}: cannot open database: {}", path.string(), why));
  }
  try {
    configure_connection(m_db, busy_timeout);
    configure_for_writes(m_db, k_small_cache_mib);
  } catch (...) {
    sqlite3_close(m_db);
    throw;
  }
  m_statements = std::make_unique<StatementCache>(m_db);
  m_checkpointer.watch(m_db);
  m_thread = std::thread([this] { work(); });
}

CommitThread::~CommitThread()
{
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_one();
  m_thread.join();
  m_checkpointer.unwatch(m_db);
  m_statements.reset();
  sqlite3_close(m_db);
}

void
CommitThread::commit(std::vector<BatchedWrite> batch)
{
  {
    std::lock_guard lock(m_mutex);
    m_batch = std::move(batch);
    m_busy = true;
  }
  m_wake.notify_one();
}

bool
CommitThread::busy() const
{
  std::lock_guard lock(m_mutex);
  return m_busy;
}

void
CommitThread::wait()
{
  std::unique_lock lock(m_mutex);
  m_done.wait(lock, [this] { return !m_busy; });
  if (auto failure = std::exchange(m_failure, nullptr)) {
    std::rethrow_exception(failure);
  }
}

void
CommitThread::drop_caches()
{
  std::lock_guard lock(m_mutex);
  m_text_ids.release();
}

int
CommitThread::page_cache_mib()
{
  std::unique_lock lock(m_mutex);
  m_done.wait(lock, [this] { return !m_busy; }); // the connection is the thread's meanwhile
  Statement cache(*m_statements, "PRAGMA cache_size");
  return cache.step() ? static_cast<int>(-cache.integer(0) / 1024) : 0;
}

void
CommitThread::grow_cache()
{
  if (m_cache_grown) {
    return;
  }
  // Only the speed depends on it: a failure (to read the size, or to set
  // the cache) leaves the cache as it is, and the batch stays committed.
  try {
    Statement size(*m_statements, "SELECT page_count * page_size FROM pragma_page_count(), "
                                  "pragma_page_size()");
    if (size.step() && size.integer(0) > k_large_database_bytes) {
      set_page_cache(m_db, k_large_cache_mib);
      m_cache_grown = true;
    }
  } catch (const std::exception&) {
  }
}

void
CommitThread::work()
{
  // The thread gives way to the one sending requests: while that one is
  // busy, the batches wait and grow (a row costs less in a larger batch).
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_wake.wait(lock, [this] { return m_busy || m_stop; });
    if (!m_busy) {
      return; // stopped with nothing in hand
    }
    auto batch = std::move(m_batch);
    m_batch.clear();
    lock.unlock();
    std::exception_ptr failure;
    WriteConnection connection{m_db, m_statements.get(), &m_text_ids};
    try {
      if (int rc = sqlite3_exec(m_db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
          rc != SQLITE_OK) {
        throw database_error(m_db, rc, "BEGIN IMMEDIATE");
      }
      for (auto& write : batch) {
        write(connection);
      }
      if (int rc = sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr); rc != SQLITE_OK) {
        throw database_error(m_db, rc, "COMMIT");
      }
    } catch (...) {
      failure = std::current_exception();
      m_text_ids.clear(); // texts stored in the batch are gone with it
      if (!sqlite3_get_autocommit(m_db)) {
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
      }
    }
    if (!failure) {
      grow_cache();
    }
    batch.clear(); // what the writes held goes here, not under the lock
    lock.lock();
    m_failure = failure;
    m_busy = false;
    m_done.notify_all();
  }
}

} // namespace harness
