#pragma once

#include <harness/config.hpp>
#include <harness/error.hpp>
#include <harness/text_file.hpp>
#include <harness/types.hpp>

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <string>
#include <vector>

namespace harness {

// A benchmark adapter: pure parsing of the spec's files (already read by the
// runner) into items. Errors name the file, line and field.
using BenchmarkLoader = Result<std::vector<Item>> (*)(const BenchSpec& spec, const FileSet& files);

// An adapter that makes one item per record, given the record and its 0-based
// index: what lets a run read a JSON Lines file a line at a time. Pure; an
// Error names the field.
using RecordMaker = Result<Item> (*)(const BenchSpec& spec, const nlohmann::json& record,
                                     size_t index);

// One item per record of `file` (see for_each_record), made by
// `make(record, index)`; the first Error stops and names file and line.
Result<std::vector<Item>>
items_from_records(const TextFile& file,
                   const std::function<Result<Item>(const nlohmann::json&, size_t)>& make);

// The spec's file `key`, or an Error saying that `adapter` needs it.
Result<const TextFile*> required_file(const BenchSpec& spec, const FileSet& files,
                                      const std::string& key, const std::string& why);

} // namespace harness
