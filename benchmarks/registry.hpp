#pragma once

#include <harness/benchmark.hpp>

#include <string>
#include <vector>

namespace benchmarks {

// The loader for a spec's `adapter` name, or nullptr when there is none.
harness::BenchmarkLoader find_loader(const std::string& adapter);

// The per-record maker of an adapter that makes one item per record, or nullptr.
harness::RecordMaker find_record_maker(const std::string& adapter);

// Every adapter name, for error messages and `evalrun list`.
std::vector<std::string> adapters();

} // namespace benchmarks
