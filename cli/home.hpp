#pragma once

#include <filesystem>
#include <optional>
#include <string>

// Where evalrun finds its shipped benchmarks/, rubrics/ and data/ (its "home").
namespace cli {

// Where to look, most specific first. Each path is tried only when set.
struct HomeSearch
{
  std::filesystem::path flag;        // --home
  std::filesystem::path environment; // $EVALRUN_HOME
  std::filesystem::path executable;  // this program's own path (/proc/self/exe)
};

// The home for `search`: --home, else $EVALRUN_HOME, else the data installed
// beside the executable (<bindir>/../share/evalrun), else the source tree when
// the executable is the one in its own build folder. Throws harness::Fatal,
// naming every place tried, when the chosen one has no benchmarks/ folder.
std::filesystem::path find_home(const HomeSearch& search);

// find_home() for this process: `flag` from the command line, the
// environment and the running executable.
std::filesystem::path find_home(const std::string& flag);

} // namespace cli
