#include <cli/closest_name.hpp>

#include <doctest/doctest.h>

TEST_SUITE_BEGIN("cli.closest_name");

TEST_CASE("typos within two edits find their command")
{
  const std::vector<std::string> commands = {"run",   "report", "list",       "leaderboard",
                                             "score", "import", "build-bench"};
  CHECK(cli::closest_name("lst", commands) == "list");      // one deletion
  CHECK(cli::closest_name("lsit", commands) == "list");     // one swap
  CHECK(cli::closest_name("reprot", commands) == "report"); // one swap
  CHECK(cli::closest_name("scores", commands) == "score");  // one insertion
  CHECK(cli::closest_name("imprt", commands) == "import");  // one deletion
  CHECK(cli::closest_name("buildbench", commands) == "build-bench");
  CHECK(cli::closest_name("leaderbord", commands) == "leaderboard");
}

TEST_CASE("words far from every command get no suggestion")
{
  const std::vector<std::string> commands = {"run", "report", "list"};
  CHECK_FALSE(cli::closest_name("mtbench", commands));
  CHECK_FALSE(cli::closest_name("xy", commands)); // 2 edits from "run" would be the whole word
  CHECK_FALSE(cli::closest_name("", commands));
}

TEST_SUITE_END();
