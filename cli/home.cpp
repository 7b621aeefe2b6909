#include <cli/home.hpp>

#include <harness/error.hpp>

#include <fmt/format.h>

#include <cstdlib>
#include <vector>

namespace cli {

namespace {

bool
is_home(const std::filesystem::path& dir)
{
  std::error_code ec;
  return std::filesystem::is_directory(dir / "benchmarks", ec);
}

bool
same_directory(const std::filesystem::path& a, const std::filesystem::path& b)
{
  std::error_code ec;
  return std::filesystem::equivalent(a, b, ec);
}

} // namespace

std::filesystem::path
find_home(const HomeSearch& search)
{
  auto checked = [](const std::filesystem::path& dir, const char* origin) {
    if (!is_home(dir)) {
      throw harness::Fatal(fmt::format(
          "{} ({}) is not an evalrun home: it has no benchmarks/ folder", dir.string(), origin));
    }
    return dir;
  };
  if (!search.flag.empty()) {
    return checked(search.flag, "--home");
  }
  if (!search.environment.empty()) {
    return checked(search.environment, "$EVALRUN_HOME");
  }
  std::vector<std::string> tried;
  if (!search.executable.empty()) {
    auto bin = search.executable.parent_path();
    // Installed: <prefix>/bin/evalrun and <prefix>/share/evalrun/.
    auto installed = (bin / EVALRUN_INSTALL_DATA_FROM_BIN).lexically_normal();
    if (is_home(installed)) {
      return installed;
    }
    tried.push_back(installed.string());
    // Not installed: the executable in the build folder it was linked in
    // reads the source tree it was built from, and no other copy does.
    if (same_directory(bin, EVALRUN_BUILD_DIR) && is_home(EVALRUN_SOURCE_DIR)) {
      return EVALRUN_SOURCE_DIR;
    }
  }
  throw harness::Fatal(fmt::format(
      "cannot find evalrun's benchmarks/, rubrics/ and data/ (looked in {}); pass --home DIR or "
      "set EVALRUN_HOME",
      tried.empty() ? std::string("no place") : fmt::format("{}", fmt::join(tried, ", "))));
}

std::filesystem::path
find_home(const std::string& flag)
{
  HomeSearch search;
  search.flag = flag;
  if (const char* env = std::getenv("EVALRUN_HOME"); env && *env) {
    search.environment = env;
  }
  std::error_code ec;
  search.executable = std::filesystem::read_symlink("/proc/self/exe", ec);
  return find_home(search);
}

} // namespace cli
