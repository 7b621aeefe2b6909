#pragma once

#include <harness/error.hpp>
#include <harness/text_file.hpp>

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <string_view>
#include <utility>
#include <vector>

namespace harness {

// The non-blank lines of `text` with their 1-based numbers.
std::vector<std::pair<int, std::string_view>> non_blank_lines(std::string_view text);

// Calls `on_record(line_number, object)` for every non-blank line of a JSON
// Lines file. A line that is not a JSON object, or an Error returned by the
// callback, stops the walk; the returned Error names file and line.
// Callback errors should name the field; this adds "file:line: ".
Result<int>
for_each_jsonl(const TextFile& file,
               const std::function<Result<bool>(int, const nlohmann::json&)>& on_record);

// Like for_each_jsonl, but the file may also be one JSON document: an array
// of objects (errors then name "file: record [i]") or a single object.
Result<int>
for_each_record(const TextFile& file,
                const std::function<Result<bool>(int, const nlohmann::json&)>& on_record);

} // namespace harness
