#pragma once

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace harness {

// Folds a database's write-ahead log back into the file on a thread of its
// own, through a connection of its own, so that the writer's commits never
// wait for a checkpoint (pages copied, the file synced). SQLite would run one
// inside the commit that takes the log past 1,000 pages.
class WalCheckpointer
{
public:
  // Takes over the checkpoints of `writer` (a connection to `path` in WAL
  // mode; its automatic checkpoints are turned off): after a commit leaves
  // `pages` or more in the log, the thread checkpoints it (PASSIVE: readers
  // and the writer are never blocked). Should the thread fall far behind (a
  // log of 8 × `pages`), the committing connection checkpoints itself, as
  // SQLite would. Throws Fatal when the second connection cannot be opened.
  WalCheckpointer(sqlite3* writer, const std::filesystem::path& path, int pages = 1000);
  // Stops the thread and closes its connection. The log left over is folded
  // in when the writer's connection, the last one, closes.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Takes over the checkpoints of another connection that writes to the same
  // file, until unwatch(); both before it is closed.
  void watch(sqlite3* writer);
  void unwatch(sqlite3* writer);

  // Checkpoints finished by the thread (for tests and benchmarks).
  long checkpoints() const;
  // The last checkpoint's failure (none: empty); the log keeps what a failed
  // checkpoint left, and the next one tries again.
  std::string last_error() const;

private:
  static int on_commit(void* self, sqlite3* db, const char* schema, int pages);
  void work();

  sqlite3* m_writer;
  sqlite3* m_db = nullptr; // the thread's own connection
  int m_pages;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_due = false; // a commit left the log long
  bool m_stop = false;
  long m_checkpoints = 0;
  std::string m_error;
  std::thread m_thread;
};

} // namespace harness
