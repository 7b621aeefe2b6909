#pragma once

#include <cstdint>
#include <string>

namespace harness {

// This process as the owner of a run's lease or a request's claim in a
// shared database: "host:pid".
std::string process_owner();

// Whether the process that recorded `owner` (with its last `heartbeat`, Unix
// seconds) still runs: on this host, by its pid; on another, by a heartbeat
// less than a minute old.
bool owner_alive(const std::string& owner, std::int64_t heartbeat);

} // namespace harness
