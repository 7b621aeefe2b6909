#include <harness/database_sharing.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using harness::DatabaseSharing;
using State = harness::DatabaseSharing::State;

// Two DatabaseSharing objects open the file twice: their locks are those of
// two processes.
TEST_SUITE_BEGIN("harness::database_sharing");

TEST_CASE("the first process is alone, one arriving waits until it shares, then both share")
{
  std::ofstream("sharing.db") << "x";
  DatabaseSharing first("sharing.db");
  CHECK(first.state() == State::alone);
  CHECK_FALSE(first.someone_arriving());
  {
    DatabaseSharing second("sharing.db");
    CHECK(second.state() == State::arriving);
    CHECK_FALSE(second.try_arrive()); // the first has not let it in
    CHECK(first.someone_arriving());
    first.share();
    CHECK(first.state() == State::shared);
    CHECK(second.try_arrive());
    CHECK(second.state() == State::shared);
    CHECK_FALSE(first.try_alone()); // the second is present
    {
      DatabaseSharing third("sharing.db");
      CHECK(third.state() == State::shared); // no one alone: in at once
    }
  }
  CHECK(first.try_alone()); // the others have gone
  CHECK(first.state() == State::alone);
  DatabaseSharing again("sharing.db");
  CHECK(again.state() == State::arriving);
}

TEST_CASE("a process shared does not become alone while another is arriving")
{
  std::ofstream("arriving.db") << "x";
  DatabaseSharing first("arriving.db");
  DatabaseSharing second("arriving.db"); // arriving
  first.share();
  // The second has not taken its read lock yet: the first sees it arriving.
  CHECK_FALSE(first.try_alone());
  CHECK(second.try_arrive());
}

TEST_CASE("an in-memory database is alone, a file without locks is shared")
{
  CHECK(DatabaseSharing(":memory:").state() == State::alone);
  CHECK(DatabaseSharing("no/such/folder/x.db").state() == State::shared);
}

TEST_SUITE_END();
