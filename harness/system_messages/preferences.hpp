#pragma once

#include <harness/error.hpp>
#include <harness/text_file.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace harness::system_messages {

struct PreferenceValue
{
  std::string name;
  std::string description;
};

struct PreferenceDimension
{
  std::string name; // e.g. "style"
  std::vector<PreferenceValue> values;
};

// One user's preferences: one value per dimension, in the file's order.
struct PreferenceProfile
{
  std::vector<std::pair<std::string, PreferenceValue>> choices; // dimension -> value
};

// Parses data/preferences.yaml ({dimensions: {NAME: [{name, description}]}}).
// Errors name file, line and field; every dimension needs at least one value.
Result<std::vector<PreferenceDimension>> parse_preferences(const TextFile& file);

// Draws one value per dimension from SHA-256("<seed>:<key>:<dimension>"), so
// a profile depends only on (seed, key).
PreferenceProfile sample_profile(const std::vector<PreferenceDimension>& dimensions,
                                 std::uint64_t seed, const std::string& key);

} // namespace harness::system_messages
