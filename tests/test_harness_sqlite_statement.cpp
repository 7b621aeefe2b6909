#include <harness/error.hpp>
#include <harness/sqlite_statement.hpp>

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <memory>
#include <string>

using harness::Statement;
using harness::StatementCache;

TEST_SUITE_BEGIN("harness::sqlite_statement");

namespace {

struct Database
{
  sqlite3* db = nullptr;
  Database()
  {
    REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(
                db, "CREATE TABLE t (k INTEGER, v TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b');",
                nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  ~Database() { sqlite3_close(db); }
};

} // namespace

TEST_CASE("a statement is compiled once, and a nested use of the same SQL gets one of its own")
{
  Database d;
  auto cache = std::make_unique<StatementCache>(d.db);
  const std::string sql = "SELECT v FROM t WHERE k = ?";
  sqlite3_stmt* first = nullptr;
  {
    Statement outer(*cache, sql.c_str());
    outer.bind(1, 1);
    REQUIRE(outer.step());
    {
      // The same text from another buffer: found by its text, not its address.
      const std::string again = sql;
      Statement inner(*cache, again.c_str());
      inner.bind(1, 2);
      REQUIRE(inner.step());
      CHECK(inner.text(0) == "b");
    }
    CHECK(outer.text(0) == "a"); // the nested use left the outer one where it was
    first = sqlite3_next_stmt(d.db, nullptr);
  }
  {
    Statement reused(*cache, sql.c_str());
    CHECK(sqlite3_next_stmt(d.db, nullptr) == first); // still the only one compiled
    CHECK(sqlite3_next_stmt(d.db, first) == nullptr);
    CHECK_FALSE(reused.step()); // reset, its binding cleared: k = NULL matches nothing
  }
  CHECK_THROWS_AS(Statement(*cache, "SELECT nothing FROM nowhere"), harness::Fatal);
  CHECK_THROWS_AS(Statement(*cache, "SELECT nothing FROM nowhere"), harness::Fatal);
  cache.reset();
  CHECK(sqlite3_next_stmt(d.db, nullptr) == nullptr); // every statement finalised
}

TEST_SUITE_END();
