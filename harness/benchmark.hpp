#pragma once

#include <harness/config.hpp>
#include <harness/error.hpp>
#include <harness/text_file.hpp>
#include <harness/types.hpp>

#include <vector>

namespace harness {

// A benchmark adapter: pure parsing of the spec's files (already read by the
// runner) into items. Errors name the file, line and field.
using BenchmarkLoader = Result<std::vector<Item>> (*)(const BenchSpec& spec, const FileSet& files);

} // namespace harness
