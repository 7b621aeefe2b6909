#include <harness/commit_thread.hpp>
#include <harness/wal_checkpointer.hpp>

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <filesystem>

using namespace harness;

TEST_SUITE_BEGIN("harness::commit_thread");

namespace {

void
exec(sqlite3* db, const char* sql)
{
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
  INFO(sql << ": " << (error ? error : ""));
  sqlite3_free(error);
  REQUIRE(rc == SQLITE_OK);
}

} // namespace

TEST_CASE("the commit thread's page cache grows from 2 to 4 MiB once the database passes 64 MiB")
{
  const std::filesystem::path path = "commit_cache.db";
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path.string() + suffix);
  }
  sqlite3* writer = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &writer) == SQLITE_OK);
  exec(writer, "PRAGMA journal_mode=WAL");
  exec(writer, "CREATE TABLE blobs (body BLOB)");
  {
    WalCheckpointer checkpointer(writer, path);
    CommitThread thread(path, checkpointer, std::chrono::milliseconds(1000));
    auto insert = [](long long bytes) {
      return [bytes](WriteConnection& c) {
        const std::string sql =
            "INSERT INTO blobs VALUES (zeroblob(" + std::to_string(bytes) + "))";
        REQUIRE(sqlite3_exec(c.db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
      };
    };
    // A small database keeps the small cache.
    thread.commit({insert(1 << 20)});
    thread.wait();
    CHECK(thread.page_cache_mib() == 2);
    // 62 MiB more, 63 in all: not yet over 64 MiB (with the pages' overhead, a little over 63).
    thread.commit({insert(62ll << 20)});
    thread.wait();
    CHECK(thread.page_cache_mib() == 2);
    // Over it: the next batch's commit grows the cache, once.
    thread.commit({insert(2ll << 20)});
    thread.wait();
    CHECK(thread.page_cache_mib() == 4);
    thread.commit({insert(1 << 10)});
    thread.wait();
    CHECK(thread.page_cache_mib() == 4);
  }
  sqlite3_close(writer);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path.string() + suffix);
  }
}

TEST_SUITE_END();
