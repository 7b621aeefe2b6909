#include <judges/fastchat_prompts.hpp>
#include <judges/registry.hpp>
#include <judges/single.hpp>

#include <harness/request_hash.hpp>

#include <fmt/format.h>

#include <set>

namespace judges {

using harness::Error;
using harness::Result;

namespace {

Result<std::unique_ptr<harness::Judge>>
make_single(const harness::BenchSpec& spec, const harness::FileSet& files)
{
  auto file = files.find(spec.judge.prompts);
  if (file == files.end()) {
    return Error(Error::Kind::config, fmt::format("{}: judge.prompts: file '{}' was not loaded",
                                                  spec.defined_in.string(), spec.judge.prompts));
  }
  auto prompts = parse_fastchat_prompts(file->second);
  if (!prompts) {
    return prompts.error();
  }
  std::set<std::string> categories(spec.judge.reference_categories.begin(),
                                   spec.judge.reference_categories.end());
  return std::unique_ptr<harness::Judge>(std::make_unique<SingleJudge>(
      std::move(*prompts), harness::sha256_hex(file->second.content).substr(0, 12),
      std::move(categories), spec.judge.params));
}

struct Entry
{
  const char* protocol;
  Result<std::unique_ptr<harness::Judge>> (*make)(const harness::BenchSpec&,
                                                  const harness::FileSet&);
};

constexpr Entry k_judges[] = {
    {"single", make_single},
};

} // namespace

Result<std::unique_ptr<harness::Judge>>
make_judge(const harness::BenchSpec& spec, const harness::FileSet& files)
{
  for (const auto& entry : k_judges) {
    if (spec.judge.protocol == entry.protocol) {
      return entry.make(spec, files);
    }
  }
  return Error(Error::Kind::config,
               fmt::format("{}: judge.protocol: unknown protocol '{}' (known: {})",
                           spec.defined_in.string(), spec.judge.protocol,
                           fmt::join(protocols(), ", ")));
}

std::vector<std::string>
protocols()
{
  std::vector<std::string> out;
  for (const auto& entry : k_judges) {
    out.emplace_back(entry.protocol);
  }
  return out;
}

} // namespace judges
