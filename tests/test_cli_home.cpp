#include <cli/home.hpp>

#include <harness/error.hpp>

#include <doctest/doctest.h>

#include <filesystem>

namespace fs = std::filesystem;

TEST_SUITE_BEGIN("cli.home");

namespace {

// <root>/prefix/bin/evalrun and <root>/prefix/share/evalrun/benchmarks, as
// `cmake --install --prefix` lays them out.
fs::path
make_install(const fs::path& root)
{
  fs::create_directories(root / "prefix" / "bin");
  fs::create_directories(root / "prefix" / "share" / "evalrun" / "benchmarks");
  return root / "prefix";
}

} // namespace

TEST_CASE("an installed executable finds share/evalrun beside its bin folder")
{
  auto prefix = make_install(fs::absolute("install"));
  cli::HomeSearch search;
  search.executable = prefix / "bin" / "evalrun";
  CHECK(cli::find_home(search) == prefix / "share" / "evalrun");
}

TEST_CASE("--home wins over $EVALRUN_HOME, which wins over the installed data")
{
  auto prefix = make_install(fs::absolute("install"));
  fs::create_directories("from-env/benchmarks");
  fs::create_directories("from-flag/benchmarks");
  cli::HomeSearch search;
  search.executable = prefix / "bin" / "evalrun";
  search.environment = "from-env";
  CHECK(cli::find_home(search) == "from-env");
  search.flag = "from-flag";
  CHECK(cli::find_home(search) == "from-flag");
}

TEST_CASE("a home without benchmarks/ is refused, naming where it came from")
{
  fs::create_directories("empty");
  cli::HomeSearch search;
  search.flag = "empty";
  CHECK_THROWS_WITH_AS(cli::find_home(search), doctest::Contains("empty (--home) is not"),
                       harness::Fatal);
  search.flag.clear();
  search.environment = "empty";
  CHECK_THROWS_WITH_AS(cli::find_home(search), doctest::Contains("($EVALRUN_HOME)"),
                       harness::Fatal);
}

TEST_CASE("a copied executable with no data beside it does not fall back to the source tree")
{
  fs::create_directories("elsewhere/bin");
  cli::HomeSearch search;
  search.executable = fs::absolute("elsewhere/bin/evalrun");
  CHECK_THROWS_WITH_AS(cli::find_home(search), doctest::Contains("pass --home DIR"),
                       harness::Fatal);
}

TEST_SUITE_END();
