#pragma once

#include <harness/text_ids.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct sqlite3;

namespace harness {

class StatementCache;
class WalCheckpointer;

// The connection a batched write runs on, with what it keeps: its compiled
// statements and the ids of texts stored through it lately (by SHA-256).
struct WriteConnection
{
  sqlite3* db = nullptr;
  StatementCache* statements = nullptr;
  TextIds* text_ids = nullptr;
};

// One write of a batch, run on the connection that commits the batch.
using BatchedWrite = std::function<void(WriteConnection&)>;

// Commits batches of writes on a thread of its own, through a connection of
// its own to the same database file, so that the thread sending requests
// never waits for a commit. One batch at a time: the caller holds on to the
// next while busy(), and so the batches grow when commits are slow. The
// thread runs at a lower priority (nice 10), giving way to the one sending
// requests: on a busy core the batches grow rather than the replies wait.
// Another connection sees a batch once it is committed.
class CommitThread
{
public:
  // Opens the connection (`busy_timeout`, synchronous=NORMAL, foreign keys;
  // its checkpoints left to `checkpointer`) and starts the thread. Throws
  // Fatal naming the file.
  CommitThread(const std::filesystem::path& path, WalCheckpointer& checkpointer,
               std::chrono::milliseconds busy_timeout);
  // Lets the batch in hand finish, stops the thread and closes the connection.
  ~CommitThread();
  CommitThread(const CommitThread&) = delete;
  CommitThread& operator=(const CommitThread&) = delete;

  // Starts committing `batch`: its writes in order, in one transaction, all
  // or none. Precondition: !busy().
  void commit(std::vector<BatchedWrite> batch);
  // Whether a batch is being committed.
  bool busy() const;
  // Waits until no batch is being committed. Rethrows, once, the error that
  // made the last batch fail (rolled back: none of it was stored).
  void wait();
  // Lets go of the ids of texts kept (call after wait()).
  void drop_caches();
  // The connection's page cache, in MiB (once the batch in hand, if any, is
  // committed): 2 until a batch leaves the database over 64 MiB, then 4.
  int page_cache_mib();

private:
  void work();
  // Gives the connection the larger page cache once the database is large.
  void grow_cache();

  WalCheckpointer& m_checkpointer;
  sqlite3* m_db = nullptr;
  std::unique_ptr<StatementCache> m_statements;
  TextIds m_text_ids;
  bool m_cache_grown = false;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake; // a batch came, or stop
  std::condition_variable m_done; // the batch is committed (or failed)
  std::vector<BatchedWrite> m_batch;
  bool m_busy = false;
  bool m_stop = false;
  std::exception_ptr m_failure;
  std::thread m_thread;
};

} // namespace harness
