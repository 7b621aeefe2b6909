#pragma once

#include <harness/error.hpp>
#include <harness/types.hpp>

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace harness {

// Items one at a time, in order, so that a run holds only those in progress.
class ItemReader
{
public:
  virtual ~ItemReader() = default;
  // The next item; nullopt after the last. An Error (naming the file and
  // line) ends the reading.
  virtual Result<std::optional<Item>> next() = 0;
};

// Opens a new reader over the same items, from the first, each time it is called.
using ItemSource = std::function<std::unique_ptr<ItemReader>()>;

// A reader over `items`, which must outlive it.
std::unique_ptr<ItemReader> read_items(const std::vector<Item>& items);

// How a JSON Lines benchmark file becomes items.
struct RecordsReading
{
  std::filesystem::path path;
  // The item of a record (its 0-based index among the records); an Error names the field.
  std::function<Result<Item>(const nlohmann::json& record, size_t index)> make;
  // Applied to every item as it is read (the run's system message); may be empty.
  std::function<void(Item&)> prepare;
  std::optional<size_t> limit;   // no more than this many items
  bool check_duplicates = false; // an id seen before is an Error naming both lines
};

// Reads a JSON Lines file a line at a time, never holding the whole file. Its
// items and errors are those of items_from_records over the same file:
// "FILE:LINE: not valid JSON: ...", "FILE:LINE: expected a JSON object",
// "FILE:LINE: <the make error>", "FILE:LINE: duplicate item id 'X' (first
// at line N)" and "FILE: no records: the benchmark file is empty".
std::unique_ptr<ItemReader> read_records(RecordsReading reading);

// True when `path`'s first non-blank line is a whole JSON object: a JSON
// Lines file, which read_records can read (a JSON array, or one object
// spread over lines, must be read whole).
bool is_json_lines(const std::filesystem::path& path);

} // namespace harness
