#pragma once

#include <harness/error.hpp>
#include <harness/text_file.hpp>
#include <harness/types.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace harness::system_messages {

// Reads a pool of system messages: JSON Lines ({"id", "text"} or
// {"id", "system"} per line) or YAML (a list of such mappings, or
// {system_messages: [...]}), chosen by the file extension. A missing id
// becomes "<file stem>-<n>" (1-based). Errors name file, line and field;
// duplicate ids and empty texts are errors.
Result<std::vector<SystemMessage>> parse_system_message_pool(const TextFile& file);

// The pool index for an item: SHA-256 of "<seed>:<item id>" taken mod the
// pool size, so an item's message depends only on (seed, item id), not on
// the order or number of other items.
size_t pool_index(std::uint64_t seed, const std::string& item_id, size_t pool_size);

// Sets an item's system message from the pool (replacing any it had): a run
// reading its items one at a time does it as each is read.
void assign_from_pool(Item& item, const std::vector<SystemMessage>& pool, std::uint64_t seed);

// Sets every item's system message from the pool (replacing any it had).
void assign_from_pool(std::vector<Item>& items, const std::vector<SystemMessage>& pool,
                      std::uint64_t seed);

} // namespace harness::system_messages
