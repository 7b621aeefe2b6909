#include <harness/error.hpp>
#include <harness/wal_checkpointer.hpp>

#include <fmt/format.h>
#include <sqlite3.h>

#include <unistd.h>

#include <sys/resource.h>
#include <sys/syscall.h>

namespace harness {

WalCheckpointer::WalCheckpointer(sqlite3* writer, const std::filesystem::path& path, int pages)
    : m_writer(writer), m_pages(pages)
{
  if (sqlite3_open_v2(path.c_str(), &m_db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    std::string why = m_db ? sqlite3_errmsg(m_db) : "out of memory";
    sqlite3_close(m_db);
    throw Fatal(fmt::format("{}: cannot open database: {}", path.string(), why));
  }
  // A connection learns that the file keeps a log when it first reads it;
  // until then its checkpoints do nothing.
  if (int rc = sqlite3_exec(m_db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
      rc != SQLITE_OK) {
    std::string why = sqlite3_errmsg(m_db);
    sqlite3_close(m_db);
    throw Fatal(fmt::format("{}: cannot read database: {}", path.string(), why));
  }
  // The hook replaces SQLite's own automatic checkpoints (which use it).
  watch(m_writer);
  m_thread = std::thread([this] { work(); });
}

WalCheckpointer::~WalCheckpointer()
{
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_one();
  m_thread.join();
  unwatch(m_writer);
  sqlite3_close(m_db);
}

void
WalCheckpointer::watch(sqlite3* writer)
{
  sqlite3_wal_hook(writer, &WalCheckpointer::on_commit, this);
}

void
WalCheckpointer::unwatch(sqlite3* writer)
{
  sqlite3_wal_hook(writer, nullptr, nullptr);
}

long
WalCheckpointer::checkpoints() const
{
  std::lock_guard lock(m_mutex);
  return m_checkpoints;
}

std::string
WalCheckpointer::last_error() const
{
  std::lock_guard lock(m_mutex);
  return m_error;
}

int
WalCheckpointer::on_commit(void* self, sqlite3* db, const char* schema, int pages)
{
  auto& me = *static_cast<WalCheckpointer*>(self);
  if (pages >= 8 * me.m_pages) {
    // Readers kept the thread from finishing for long: fold the log in here,
    // as SQLite's own automatic checkpoint would (busy: the thread is at it).
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return SQLITE_OK;
  }
  if (pages >= me.m_pages) {
    {
      std::lock_guard lock(me.m_mutex);
      me.m_due = true;
    }
    me.m_wake.notify_one();
  }
  return SQLITE_OK;
}

void
WalCheckpointer::work()
{
  // The thread gives way to the one sending requests: a checkpoint can wait.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_wake.wait(lock, [this] { return m_due || m_stop; });
    if (m_stop) {
      return;
    }
    m_due = false;
    lock.unlock();
    const int rc =
        sqlite3_wal_checkpoint_v2(m_db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    std::string error;
    if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY) {
      error = fmt::format("checkpoint: {}", sqlite3_errmsg(m_db));
    }
    lock.lock();
    ++m_checkpoints;
    m_error = std::move(error);
  }
}

} // namespace harness
