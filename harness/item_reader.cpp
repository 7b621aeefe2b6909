#include <harness/item_reader.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <unordered_map>

namespace harness {

namespace {

class VectorItemReader final : public ItemReader
{
public:
  explicit VectorItemReader(const std::vector<Item>& items) : m_items(items) {}

  Result<std::optional<Item>> next() override
  {
    if (m_next >= m_items.size()) {
      return std::optional<Item>();
    }
    return std::optional<Item>(m_items[m_next++]);
  }

private:
  const std::vector<Item>& m_items;
  size_t m_next = 0;
};

bool
blank(const std::string& line)
{
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

class RecordsItemReader final : public ItemReader
{
public:
  explicit RecordsItemReader(RecordsReading reading)
      : m_reading(std::move(reading)), m_in(m_reading.path, std::ios::binary)
  {}

  Result<std::optional<Item>> next() override
  {
    const std::string path = m_reading.path.string();
    if (!m_in.is_open()) {
      return Error{Error::Kind::config,
                   fmt::format("{}: cannot open: {}", path, std::strerror(errno))};
    }
    if (m_reading.limit && m_produced >= *m_reading.limit) {
      return std::optional<Item>();
    }
    std::string line;
    while (std::getline(m_in, line)) {
      ++m_line;
      if (blank(line)) {
        continue;
      }
      nlohmann::json record;
      try {
        record = nlohmann::json::parse(line);
      } catch (const nlohmann::json::parse_error& e) {
        return Error{Error::Kind::config,
                     fmt::format("{}:{}: not valid JSON: {}", path, m_line, e.what())};
      }
      if (!record.is_object()) {
        return Error{Error::Kind::config,
                     fmt::format("{}:{}: expected a JSON object", path, m_line)};
      }
      auto item = m_reading.make(record, m_records++);
      if (!item) {
        return Error{item.error().kind,
                     fmt::format("{}:{}: {}", path, m_line, item.error().message)};
      }
      if (m_reading.check_duplicates) {
        auto [seen, fresh] = m_first_line.emplace(item->id, m_line);
        if (!fresh) {
          return Error{Error::Kind::config,
                       fmt::format("{}:{}: duplicate item id '{}' (first at line {})", path, m_line,
                                   item->id, seen->second)};
        }
      }
      if (m_reading.prepare) {
        m_reading.prepare(*item);
      }
      ++m_produced;
      return std::optional<Item>(std::move(*item));
    }
    if (m_in.bad()) {
      return Error{Error::Kind::config,
                   fmt::format("{}: cannot read: {}", path, std::strerror(errno))};
    }
    if (m_records == 0) {
      return Error{Error::Kind::config,
                   fmt::format("{}: no records: the benchmark file is empty", path)};
    }
    return std::optional<Item>();
  }

private:
  RecordsReading m_reading;
  std::ifstream m_in;
  int m_line = 0;
  size_t m_records = 0;  // records read
  size_t m_produced = 0; // items returned
  std::unordered_map<std::string, int> m_first_line;
};

} // namespace

std::unique_ptr<ItemReader>
read_items(const std::vector<Item>& items)
{
  return std::make_unique<VectorItemReader>(items);
}

std::unique_ptr<ItemReader>
read_records(RecordsReading reading)
{
  return std::make_unique<RecordsItemReader>(std::move(reading));
}

bool
is_json_lines(const std::filesystem::path& path)
{
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    if (blank(line)) {
      continue;
    }
    auto first = nlohmann::json::parse(line, nullptr, false);
    return !first.is_discarded() && first.is_object();
  }
  return false;
}

} // namespace harness
