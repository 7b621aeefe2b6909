#include <cli/catalog.hpp>
#include <cli/commands.hpp>

#include <harness/config.hpp>
#include <harness/error.hpp>

#include <fmt/format.h>

namespace cli {

using harness::Fatal;

namespace {

int
list_benchmarks(const std::filesystem::path& home)
{
  fmt::print("benchmarks in {}\n", (home / "benchmarks").string());
  fmt::print("{:<15} {:>11} {:>6} {:>6}  {}\n", "benchmark", "version", "items", "turns",
             "description");
  for (const auto& path : bench_spec_paths(home)) {
    auto spec = harness::load_bench_spec(path, home);
    if (!spec) {
      throw Fatal(spec.error().message);
    }
    if (spec->adapter == "multifaceted") {
      fmt::print("{:<15} {:>11} {:>6} {:>6}  {} (needs --bench-file)\n", spec->name, spec->version,
                 "-", "-", spec->description);
      continue;
    }
    auto bench = load_bench(home, path.string());
    size_t turns = 0;
    for (const auto& item : bench.items) {
      turns += item.turns.size();
    }
    fmt::print("{:<15} {:>11} {:>6} {:>6}  {}\n", spec->name, spec->version, bench.items.size(),
               turns, spec->description);
  }
  return 0;
}

int
list_endpoints(const std::filesystem::path& home, const std::filesystem::path& flag)
{
  auto endpoints = load_endpoints(flag, home).map;
  fmt::print("{:<12} {:<38} {:<28} {:<9} {:<8} {:<16} {}\n", "endpoint", "base_url", "model",
             "server", "launch", "api_key_env", "defined in");
  for (const auto& [name, e] : endpoints) {
    const auto urls = e.urls();
    fmt::print("{:<12} {:<38} {:<28} {:<9} {:<8} {:<16} {}\n", name,
               urls.size() > 1 ? fmt::format("{} (+{} more)", e.base_url, urls.size() - 1)
                               : e.base_url,
               e.model,
               e.offline  ? "offline"
               : e.server ? harness::server_dialect_name(*e.server)
                          : "(asked)",
               e.launch ? "yes" : "-", e.api_key_env.empty() ? "-" : e.api_key_env, e.defined_in);
  }
  return 0;
}

} // namespace

int
list_command(const ListOptions& options, const std::filesystem::path& home)
{
  return options.what == "benchmarks" ? list_benchmarks(home)
                                      : list_endpoints(home, options.endpoints);
}

} // namespace cli
