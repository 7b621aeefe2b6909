#pragma once

#include <harness/config.hpp>
#include <harness/error.hpp>
#include <harness/judge.hpp>
#include <harness/text_file.hpp>

#include <memory>
#include <string>
#include <vector>

namespace judges {

// Builds the judge a benchmark spec asks for (spec.judge.protocol) from the
// spec's files (already read). Errors name the protocol or file.
harness::Result<std::unique_ptr<harness::Judge>> make_judge(const harness::BenchSpec& spec,
                                                            const harness::FileSet& files);

// The protocol names make_judge accepts.
std::vector<std::string> protocols();

} // namespace judges
