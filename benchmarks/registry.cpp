#include <benchmarks/arena_hard.hpp>
#include <benchmarks/mtbench.hpp>
#include <benchmarks/multifaceted.hpp>
#include <benchmarks/records.hpp>
#include <benchmarks/registry.hpp>

namespace benchmarks {

namespace {

struct Entry
{
  const char* adapter;
  harness::BenchmarkLoader load;
  harness::RecordMaker record = nullptr; // for adapters that make one item per record
};

// The one table of adapters (no static self-registration: objects in static
// libraries can be dropped by the linker).
constexpr Entry k_adapters[] = {
    {"arena_hard", load_arena_hard},
    {"mtbench", load_mtbench},
    {"multifaceted", load_multifaceted},
    {"records", load_records, record_item},
};

const Entry*
find_entry(const std::string& adapter)
{
  for (const auto& entry : k_adapters) {
    if (adapter == entry.adapter) {
      return &entry;
    }
  }
  return nullptr;
}

} // namespace

harness::BenchmarkLoader
find_loader(const std::string& adapter)
{
  const Entry* entry = find_entry(adapter);
  return entry ? entry->load : nullptr;
}

harness::RecordMaker
find_record_maker(const std::string& adapter)
{
  const Entry* entry = find_entry(adapter);
  return entry ? entry->record : nullptr;
}

std::vector<std::string>
adapters()
{
  std::vector<std::string> out;
  for (const auto& entry : k_adapters) {
    out.emplace_back(entry.adapter);
  }
  return out;
}

} // namespace benchmarks
