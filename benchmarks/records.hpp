#pragma once

#include <harness/benchmark.hpp>

namespace benchmarks {

// The generic field-mapped adapter: a JSON Lines file, or one JSON document
// (an array of records or a single record) (files.records), one single-turn item per record, fields
// taken from the paths in spec.records (see harness::RecordFields). When `input` is non-empty it is
// appended to the prompt after `input_separator`. Items keep file order; their source is the spec's
// name. Errors name file, line (or array index) and field.
harness::Result<std::vector<harness::Item>> load_records(const harness::BenchSpec& spec,
                                                         const harness::FileSet& files);

// The item of one record (load_records's for each), for reading a file a line at a time.
harness::Result<harness::Item> record_item(const harness::BenchSpec& spec,
                                           const nlohmann::json& record, size_t index);

} // namespace benchmarks
