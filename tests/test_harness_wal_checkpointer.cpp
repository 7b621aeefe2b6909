#include <harness/store.hpp>
#include <harness/wal_checkpointer.hpp>

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

using harness::WalCheckpointer;

TEST_SUITE_BEGIN("harness::wal_checkpointer");

namespace {

// A database in WAL mode with one table, written a page at a time.
struct LoggedDatabase
{
  std::string path;
  sqlite3* db = nullptr;
  explicit LoggedDatabase(std::string file) : path(std::move(file))
  {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path + suffix);
    }
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE t (v BLOB);", nullptr, nullptr,
                         nullptr) == SQLITE_OK);
  }
  ~LoggedDatabase() { sqlite3_close(db); }
  // Inserts `n` rows of a page each, each its own commit (unless in a
  // transaction the caller began).
  void commit_rows(int n)
  {
    for (int i = 0; i < n; ++i) {
      REQUIRE(sqlite3_exec(db, "INSERT INTO t VALUES (zeroblob(3000))", nullptr, nullptr,
                           nullptr) == SQLITE_OK);
    }
  }
  // Frames in the log, and how many of them are in the file already.
  std::pair<int, int> log_state()
  {
    int frames = -1;
    int folded = -1;
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames, &folded);
    return {frames, folded};
  }
};

// Waits (at most 30 s: a stalled thread fails the test, a slow one does not)
// until the thread has finished `n` checkpoints.
bool
wait_for_checkpoints(const WalCheckpointer& checkpointer, long n)
{
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (checkpointer.checkpoints() < n) {
    if (std::chrono::steady_clock::now() > give_up) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

} // namespace

TEST_CASE("the writer's commits leave the log alone below the limit")
{
  LoggedDatabase d("wal_checkpointer_below.db");
  WalCheckpointer checkpointer(d.db, d.path, 1000);
  d.commit_rows(20);
  // SQLite's own automatic checkpoint is off: nothing of the log was folded
  // in by a commit (each row is a frame, and the table's first page another).
  CHECK(checkpointer.checkpoints() == 0);
  auto [frames, folded] = d.log_state(); // this checkpoint is the test's own
  CHECK(frames >= 20);
  CHECK(folded == frames);
}

TEST_CASE("a commit that takes the log to the limit has the thread fold it in")
{
  LoggedDatabase d("wal_checkpointer_due.db");
  WalCheckpointer checkpointer(d.db, d.path, 8);
  // One commit of 10 pages and more, then nothing: the thread's checkpoint
  // finds the whole log.
  REQUIRE(sqlite3_exec(d.db, "BEGIN", nullptr, nullptr, nullptr) == SQLITE_OK);
  d.commit_rows(10);
  REQUIRE(sqlite3_exec(d.db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
  REQUIRE(wait_for_checkpoints(checkpointer, 1));
  CHECK(checkpointer.last_error().empty());
  // Folded in: the next write starts the log again from its beginning.
  d.commit_rows(1);
  auto [frames, folded] = d.log_state();
  CHECK(frames < 8);
  CHECK(folded == frames);
}

TEST_CASE("the log stays short over many commits, and the store leaves no log behind")
{
  LoggedDatabase d("wal_checkpointer_many.db");
  {
    WalCheckpointer checkpointer(d.db, d.path, 8);
    d.commit_rows(200); // 200 commits, two frames and more each
    CHECK(checkpointer.checkpoints() >= 1);
  }
  // A log started again is written over, not grown: the file is as long as
  // the longest log. Without checkpoints it would hold every frame (about
  // 600); with them it is started again whenever a checkpoint has caught up.
  // How long it gets in between depends on how the threads are scheduled
  // (a checkpoint the thread is in the middle of holds the writer's back), so
  // the bound is loose.
  const auto frame = 4096 + 24; // a page and its header
  CHECK(std::filesystem::file_size(d.path + "-wal") <= 32 + 300 * frame);
  // A store's connection, closed last, folds the rest in and deletes the log.
  {
    harness::Store store("wal_checkpointer_store.db");
    store.flush();
  }
  CHECK_FALSE(std::filesystem::exists("wal_checkpointer_store.db-wal"));
}

TEST_SUITE_END();
