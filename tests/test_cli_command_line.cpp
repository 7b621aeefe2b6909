#include <cli/cli.hpp>

#include <harness/error.hpp>

#include <doctest/doctest.h>

using Args = std::vector<std::string>;

TEST_SUITE_BEGIN("cli.command_line");

TEST_CASE("`run` is the command when the first word is an option")
{
  CHECK(cli::with_default_command({"--bench", "mtbench", "--model", "demo"}) ==
        Args{"run", "--bench", "mtbench", "--model", "demo"});
  CHECK(cli::with_default_command({"--home", "/x", "--bench", "b"}) ==
        Args{"--home", "/x", "run", "--bench", "b"});
  CHECK(cli::with_default_command({"--home=/x", "--bench", "b"}) ==
        Args{"--home=/x", "run", "--bench", "b"});
}

TEST_CASE("a global option before a command leaves the command alone")
{
  CHECK(cli::with_default_command({"--home", "/x", "list", "benchmarks"}) ==
        Args{"--home", "/x", "list", "benchmarks"});
  CHECK(cli::with_default_command({"list", "benchmarks", "--home", "/x"}) ==
        Args{"list", "benchmarks", "--home", "/x"});
  CHECK(cli::with_default_command({"--help"}) == Args{"--help"});
  CHECK(cli::with_default_command({}) == Args{});
}

TEST_CASE("a mistyped import format is refused with the closest one")
{
  CHECK_THROWS_WITH_AS(cli::with_default_command({"import", "arenahard", "--judgments", "d"}),
                       "import: unknown format 'arenahard'; did you mean 'arena-hard'?",
                       harness::Fatal);
  CHECK(cli::with_default_command({"import", "arena-hard", "--judgments", "d"}).size() == 4);
}

TEST_CASE("a mistyped command is refused with the closest one")
{
  CHECK_THROWS_WITH_AS(cli::with_default_command({"lst", "benchmarks"}),
                       "unknown command 'lst'; did you mean 'list'?", harness::Fatal);
  CHECK_THROWS_WITH_AS(cli::with_default_command({"--home", "/x", "reprot"}),
                       "unknown command 'reprot'; did you mean 'report'?", harness::Fatal);
  CHECK_THROWS_WITH_AS(cli::with_default_command({"mtbench"}),
                       doctest::Contains("unknown command 'mtbench' (commands: run, report"),
                       harness::Fatal);
  try {
    cli::with_default_command({"lst"});
  } catch (const harness::Fatal& e) {
    CHECK(e.exit_code() == 2);
  }
}

TEST_SUITE_END();
