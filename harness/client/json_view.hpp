#pragma once

#include <nlohmann/json.hpp>

#include <simdjson.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Read-only views of a parsed JSON value with one interface, so that a reply
// is decoded by one piece of code whichever parser read it: nlohmann's
// document (any body, after repair), or simdjson's (a strict body, fast).
namespace harness::client::json_view {

// `value` as an int when it is a whole number (not 7.0) that an int holds.
inline std::optional<int>
int_in_range(std::int64_t value)
{
  return value >= std::numeric_limits<int>::min() && value <= std::numeric_limits<int>::max()
             ? std::optional(static_cast<int>(value))
             : std::nullopt;
}

inline std::optional<int>
int_in_range(std::uint64_t value)
{
  return value <= static_cast<std::uint64_t>(std::numeric_limits<int>::max())
             ? std::optional(static_cast<int>(value))
             : std::nullopt;
}

class Nlohmann
{
public:
  explicit Nlohmann(const nlohmann::json& value) : m_value(&value) {}

  bool is_null() const { return m_value->is_null(); }
  bool is_object() const { return m_value->is_object(); }
  bool is_array() const { return m_value->is_array(); }
  bool is_string() const { return m_value->is_string(); }
  bool is_number() const { return m_value->is_number(); }
  // The object's member `key` (the last of that name, as nlohmann keeps it);
  // nullopt when absent or not an object.
  std::optional<Nlohmann> member(std::string_view key) const
  {
    auto it = m_value->find(key);
    return it == m_value->end() ? std::nullopt : std::optional(Nlohmann(*it));
  }
  std::vector<Nlohmann> elements() const
  {
    return {m_value->begin(), m_value->end()}; // of an array
  }
  std::string string() const { return m_value->get<std::string>(); }
  double number() const { return m_value->get<double>(); }
  std::optional<int> whole_int() const
  {
    if (m_value->is_number_unsigned()) {
      return int_in_range(m_value->get<std::uint64_t>());
    }
    if (m_value->is_number_integer()) {
      return int_in_range(m_value->get<std::int64_t>());
    }
    return std::nullopt;
  }

private:
  const nlohmann::json* m_value;
};

class Simdjson
{
public:
  explicit Simdjson(simdjson::dom::element value) : m_value(value) {}

  bool is_null() const { return m_value.is_null(); }
  bool is_object() const { return m_value.is_object(); }
  bool is_array() const { return m_value.is_array(); }
  bool is_string() const { return m_value.is_string(); }
  bool is_number() const { return m_value.is_number(); }
  // The last member named `key`, as Nlohmann::member (simdjson's own lookup
  // would give the first).
  std::optional<Simdjson> member(std::string_view key) const
  {
    simdjson::dom::object object;
    if (m_value.get(object) != simdjson::SUCCESS) {
      return std::nullopt;
    }
    std::optional<Simdjson> found;
    for (auto field : object) {
      if (field.key == key) {
        found.emplace(field.value);
      }
    }
    return found;
  }
  std::vector<Simdjson> elements() const
  {
    std::vector<Simdjson> out;
    simdjson::dom::array array;
    if (m_value.get(array) == simdjson::SUCCESS) {
      for (auto element : array) {
        out.emplace_back(element);
      }
    }
    return out;
  }
  std::string string() const { return std::string(std::string_view(m_value)); }
  double number() const { return double(m_value); }
  std::optional<int> whole_int() const
  {
    std::int64_t signed_value = 0;
    if (m_value.type() == simdjson::dom::element_type::INT64 &&
        m_value.get(signed_value) == simdjson::SUCCESS) {
      return int_in_range(signed_value);
    }
    std::uint64_t unsigned_value = 0;
    if (m_value.type() == simdjson::dom::element_type::UINT64 &&
        m_value.get(unsigned_value) == simdjson::SUCCESS) {
      return int_in_range(unsigned_value);
    }
    return std::nullopt;
  }

private:
  simdjson::dom::element m_value;
};

} // namespace harness::client::json_view
